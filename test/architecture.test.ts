/**
 * The layout's rules, read from the imports of every file under src/ (issue 10):
 * - the model layers (spec, records, dms, net) import nothing from the layers built on them;
 * - src/spec imports no other folder of src/ (every layer may import it);
 * - src/records and src/net, the value layers the readers share, import only records, net, spec;
 * - src/diff and src/verify reach into src/providers only for the plain modules that read provider
 *   data, and those import no adapter (an adapter loads `@pulumi/*`);
 * - no import cycle between files, type-only imports included;
 * - no source file over 800 lines, the generated WebAssembly module excepted.
 * Every violation is printed at once, so one run shows all that is left to fix.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";

const ROOT = join(__dirname, "..");
const SRC = join(ROOT, "src");
const MAX_LINES = 800;
const LONG_FILES_ALLOWED = new Set(["src/dms/sha512crypt/wasm.generated.ts"]);
const MODEL = ["spec", "records", "dms", "net"];
const UPPER = ["plan", "providers", "components", "verify", "diff", "cli", "stack"];
/** Provider modules that read provider data without loading a Pulumi package. */
const PLAIN_PROVIDER_MODULES = new Set(
  [
    "dns/readers",
    "dns/preview-reader",
    "dns/cloudflare/preview",
    "dns/cloudflare/values",
    "dns/cloudflare/proxy",
    "dns/route53/preview",
    "dns/route53/values",
    // The docker CLI runner: no Pulumi package, shared by doctor (verify) and backup (cli).
    "host/docker-engine",
  ].map((m) => `src/providers/${m}.ts`),
);

/** Module specifiers a file imports: static, type-only, re-exports, `import()`, `require()`. */
export function importSpecifiers(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false);
  const out: string[] = [];
  const literal = (node: ts.Node | undefined): void => {
    if (node !== undefined && ts.isStringLiteralLike(node)) out.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) {
      literal(node.moduleSpecifier);
    } else if (ts.isImportEqualsDeclaration(node)) {
      const ref = node.moduleReference;
      if (ts.isExternalModuleReference(ref)) literal(ref.expression);
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) literal(arg.literal);
    } else if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const isImport = callee.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(callee) && callee.text === "require";
      if ((isImport || isRequire) && node.arguments.length >= 1) literal(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sourceFiles(path);
      return /\.(?:ts|tsx|mts|cts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
    })
    .sort();
}

/** The src/ file a relative specifier names, or undefined for packages and builtins. */
function resolveImport(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith(".")) return undefined;
  const base = resolve(dirname(from), specifier);
  const stem = base.replace(/\.(?:js|cjs|mjs)$/, "");
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, join(base, "index.ts")];
  const hit = candidates.find((c) => existsSync(c) && statSync(c).isFile());
  return hit ?? `${base} (unresolved)`;
}

/** `src/spec/rules/x.ts` -> `spec`; files directly in src/ have no folder. */
function folderOf(rel: string): string | undefined {
  const parts = rel.split("/");
  return parts.length > 2 ? parts[1] : undefined;
}

/** Strongly connected components of more than one file, or a file importing itself. */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  // Iterative Tarjan: recursion depth would follow the longest import chain.
  for (const root of graph.keys()) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = graph.get(frame.node) ?? [];
      if (frame.next < edges.length) {
        const to = edges[frame.next++]!;
        if (!graph.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const scc: string[] = [];
        let member: string;
        do {
          member = stack.pop()!;
          onStack.delete(member);
          scc.push(member);
        } while (member !== frame.node);
        const selfLoop = scc.length === 1 && edges.includes(frame.node);
        if (scc.length > 1 || selfLoop) out.push(scc.sort());
      }
    }
  }
  return out.sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
}

/** One shortest cycle through `start` inside its component, for a readable report. */
function cyclePath(
  graph: ReadonlyMap<string, readonly string[]>,
  scc: readonly string[],
): string[] {
  const members = new Set(scc);
  const start = scc[0]!;
  const previous = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const to of graph.get(node) ?? []) {
      if (!members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
        return [...path, start];
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start];
}

interface Layout {
  readonly graph: Map<string, string[]>;
  readonly violations: string[];
}

/** Reads src/ and lists every violation of the layout's rules. */
function checkLayout(): Layout {
  const rel = (abs: string): string => relative(ROOT, abs).split(sep).join("/");
  const graph = new Map<string, string[]>();
  const violations: string[] = [];
  for (const file of sourceFiles(SRC)) {
    const name = rel(file);
    const text = readFileSync(file, "utf8");
    const lines = text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
    if (lines > MAX_LINES && !LONG_FILES_ALLOWED.has(name)) {
      violations.push(`size: ${name} has ${lines} lines (at most ${MAX_LINES})`);
    }
    const from = folderOf(name);
    const targets: string[] = [];
    for (const specifier of importSpecifiers(file, text)) {
      const target = resolveImport(file, specifier);
      if (target === undefined) continue;
      const to = rel(target);
      if (!to.startsWith("src/")) continue;
      targets.push(to);
      const toFolder = folderOf(to);
      if (from !== undefined && MODEL.includes(from) && toFolder && UPPER.includes(toFolder)) {
        violations.push(`layer: ${name} (${from}) imports ${to} (${toFolder}) via "${specifier}"`);
      }
      if (from === "spec" && toFolder !== "spec") {
        violations.push(`spec: ${name} imports ${to}, outside src/spec, via "${specifier}"`);
      }
      if (
        (from === "records" || from === "net") &&
        !["records", "net", "spec"].includes(toFolder!)
      ) {
        violations.push(`values: ${name} imports ${to}, outside records, net and spec`);
      }
      const reader = from === "diff" || from === "verify" || PLAIN_PROVIDER_MODULES.has(name);
      if (reader && toFolder === "providers" && !PLAIN_PROVIDER_MODULES.has(to)) {
        violations.push(`readers: ${name} imports ${to}, not a plain provider reader module`);
      }
    }
    graph.set(name, [...new Set(targets)].sort());
  }
  for (const scc of cycles(graph)) {
    const path = cyclePath(graph, scc);
    violations.push(`cycle: ${scc.length} files (${scc.join(", ")}), e.g. ${path.join(" -> ")}`);
  }
  return { graph, violations };
}

describe("architecture", () => {
  it("reads every kind of import, and only module specifiers", () => {
    const text = [
      'import a from "./a";',
      'import type { B } from "./b";',
      'import "./c";',
      'export { d } from "./d";',
      'export * from "./e";',
      'export type { F } from "./f";',
      'const g = await import("./g");',
      'const h = require("./h");',
      'import i = require("./i");',
      'type J = typeof import("./j");',
      'const k = "./not-an-import";',
      "// import x from './comment';",
      "const l = require(name);",
    ].join("\n");
    assert.deepEqual(importSpecifiers("x.ts", text), [
      "./a",
      "./b",
      "./c",
      "./d",
      "./e",
      "./f",
      "./g",
      "./h",
      "./i",
      "./j",
    ]);
  });

  it("finds cycles of files, self-imports included, and nothing else", () => {
    const graph = new Map<string, string[]>([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a", "d"]],
      ["d", ["e"]],
      ["e", []],
      ["f", ["f"]],
      ["g", ["e"]],
    ]);
    const found = cycles(graph);
    assert.deepEqual(found, [["a", "b", "c"], ["f"]]);
    assert.deepEqual(cyclePath(graph, found[0]!), ["a", "b", "c", "a"]);
  });

  it("src/ keeps the layers, has no import cycle and no file over 800 lines", () => {
    const { graph, violations } = checkLayout();
    // The reader must have seen the tree, or an empty list proves nothing.
    assert.ok(graph.size > 100, `only ${graph.size} source files read`);
    assert.ok(
      [...graph.values()].reduce((n, edges) => n + edges.length, 0) > 300,
      "too few imports read",
    );
    assert.equal(
      violations.length,
      0,
      `${violations.length} violations:\n${violations.join("\n")}`,
    );
  });
});
