/**
 * Reading a spec file (YAML or JSON) into an untrusted value for {@link validateSpec}. Syntax
 * problems become findings like every other problem, with file, line and column; nothing throws.
 *
 * Secrets are not resolved here (`passwordEnv`, `privateKeyFile`): the CLI and the components do
 * that, after validation.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { Document } from "yaml";
import { yaml } from "./yaml";
import { finding } from "./rules";
import type { Finding } from "./findings";

/** A place in the spec file, 1-based. */
export interface SpecPosition {
  readonly line: number;
  readonly column: number;
}

/** The outcome of {@link parseSpecText}. */
export interface ParsedSpecText {
  /** The parsed document; `undefined` when the text has errors. */
  readonly value: unknown;
  /** `spec-syntax`, `spec-duplicate-key`, `spec-multiple-documents`, `spec-empty`, `spec-yaml-warning`. */
  readonly findings: Finding[];
  /**
   * Where a finding path (`domains[1].dmarc.rua[0]`) is in the file: the value's position, or that
   * of its closest existing parent (for a missing key). `undefined` when the text did not parse.
   */
  readonly locate: (path: string) => SpecPosition | undefined;
}

/** The outcome of {@link loadSpecFile}. */
export interface LoadedSpecFile extends ParsedSpecText {
  /** Absolute directory of the file: relative `privateKeyFile` paths resolve against it. */
  readonly dir: string;
}

/** YAML aliases expand at most this many times, against "billion laughs" inputs. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses a spec file's text. YAML 1.2 (JSON is a subset, so `.json` files take the same path),
 * with merge keys (`<<: *defaults`) allowed and duplicate keys refused: in YAML the later one would
 * silently win, a classic source of "my change does nothing".
 *
 * @param fileName shown in messages, e.g. `mailserver.yaml:3:5: ...`
 */
export function parseSpecText(text: string, fileName: string): ParsedSpecText {
  const none = (): undefined => undefined;
  try {
    return parse(text.startsWith("\uFEFF") ? text.slice(1) : text, fileName);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return {
      value: undefined,
      findings: [finding("spec-syntax", "", `${fileName}: cannot parse: ${why}`)],
      locate: none,
    };
  }
}

function parse(text: string, fileName: string): ParsedSpecText {
  const lineCounter = new (yaml().LineCounter)();
  const docs = yaml().parseAllDocuments(text, {
    lineCounter,
    merge: true,
    // Checked below with a Set per mapping: the library's own check compares every pair of keys,
    // which doubles the parse time of a spec with thousands of accounts.
    uniqueKeys: false,
    prettyErrors: true,
  });
  const none = (): undefined => undefined;
  // `parseAllDocuments` returns an EmptyStream (an array) for a text with no document.
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  const at = (offset: number): string => {
    const pos = lineCounter.linePos(offset);
    return `${fileName}:${pos.line}:${pos.col}`;
  };
  if (list.length === 0) {
    return {
      value: undefined,
      findings: [finding("spec-empty", "", `${fileName} holds no spec (the file is empty)`)],
      locate: none,
    };
  }
  const findings: Finding[] = [];
  if (list.length > 1) {
    findings.push(
      finding(
        "spec-multiple-documents",
        "",
        `${at(list[1]!.range[0])}: holds ${list.length} YAML documents; a spec file holds one`,
      ),
    );
  }
  const doc = list[0]!;
  for (const e of doc.errors) {
    const id = e.code === "DUPLICATE_KEY" ? "spec-duplicate-key" : "spec-syntax";
    findings.push(finding(id, "", `${at(e.pos[0])}: ${firstSentence(e.message)}`));
  }
  for (const offset of duplicateKeys(doc)) {
    findings.push(finding("spec-duplicate-key", "", `${at(offset)}: Map keys must be unique`));
  }
  for (const w of doc.warnings) {
    findings.push(finding("spec-yaml-warning", "", `${at(w.pos[0])}: ${firstSentence(w.message)}`));
  }
  if (findings.some((f) => f.level === "error"))
    return { value: undefined, findings, locate: none };
  const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  if (value === null || value === undefined) {
    findings.push(finding("spec-empty", "", `${fileName} holds no spec (the document is empty)`));
    return { value: undefined, findings, locate: none };
  }
  const locate = (path: string): SpecPosition | undefined => {
    const parts = parsePath(path);
    for (let n = parts.length; n >= 0; n--) {
      const node: unknown = n === 0 ? doc.contents : doc.getIn(parts.slice(0, n), true);
      if (yaml().isNode(node) && node.range !== undefined && node.range !== null) {
        const pos = lineCounter.linePos(node.range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
  return { value, findings, locate };
}

/** Offsets of keys repeated within one mapping (merge keys `<<` aside), in document order. */
function duplicateKeys(doc: Document.Parsed): number[] {
  const offsets: number[] = [];
  yaml().visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = yaml().isScalar(pair.key) ? pair.key.value : pair.key;
        if (key === "<<") continue;
        if (seen.has(key) && yaml().isNode(pair.key) && pair.key.range)
          offsets.push(pair.key.range[0]);
        seen.add(key);
      }
    },
  });
  return offsets;
}

/** The yaml library's message without its trailing " at line L, column C:" code frame. */
function firstSentence(message: string): string {
  const cut = message.search(/ at line \d+, column \d+/);
  return (cut >= 0 ? message.slice(0, cut) : message.split("\n")[0]!).trim();
}

/** `domains[1].dmarc.rua[0]` -> `["domains", 1, "dmarc", "rua", 0]`. */
function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  }
  return out;
}

/**
 * Reads and parses a spec file. A file that cannot be read is a `spec-read` finding, not an
 * exception.
 */
export function loadSpecFile(path: string): LoadedSpecFile {
  const dir = dirname(resolve(path));
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ENOENT"
        ? "no such file"
        : code === "EISDIR"
          ? "it is a directory"
          : code === "EACCES"
            ? "permission denied"
            : err instanceof Error
              ? err.message
              : String(err);
    return {
      value: undefined,
      findings: [finding("spec-read", "", `cannot read ${JSON.stringify(path)}: ${why}`)],
      locate: () => undefined,
      dir,
    };
  }
  return { ...parseSpecText(text, path), dir };
}
