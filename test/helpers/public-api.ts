/**
 * The package's public surface as the TypeScript compiler sees it: every name `src/index.ts`
 * exports (values and types), with the declaration behind it and that declaration's TSDoc.
 */
import ts from "typescript";
import { join } from "node:path";

export interface PublicExport {
  readonly name: string;
  /** The module that declares it, relative to the project root. */
  readonly file: string;
  /** `function`, `class`, `interface`, `type`, `const`, `enum`. */
  readonly kind: string;
  /** The first sentence of its TSDoc, or "" when it has none. */
  readonly summary: string;
}

const KINDS: Partial<Record<ts.SyntaxKind, string>> = {
  [ts.SyntaxKind.FunctionDeclaration]: "function",
  [ts.SyntaxKind.ClassDeclaration]: "class",
  [ts.SyntaxKind.InterfaceDeclaration]: "interface",
  [ts.SyntaxKind.TypeAliasDeclaration]: "type",
  [ts.SyntaxKind.VariableDeclaration]: "const",
  [ts.SyntaxKind.EnumDeclaration]: "enum",
};

/** The table row `docs/api.md` has for an export. */
export function apiDocRow(e: PublicExport): string {
  return `| \`${e.name}\` | ${e.kind} | ${e.summary.replace(/\|/g, "\\|")} |`;
}

/** Lists what `src/index.ts` exports, sorted by name. */
export function publicExports(root: string): PublicExport[] {
  const entry = join(root, "src", "index.ts");
  const program = ts.createProgram([entry], {
    strict: true,
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    skipLibCheck: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  if (!moduleSymbol) throw new Error(`cannot read the exports of ${entry}`);
  return checker
    .getExportsOfModule(moduleSymbol)
    .map((exported) => {
      const target =
        exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const decl = target.declarations?.[0];
      const docs = ts.displayPartsToString(target.getDocumentationComment(checker)).trim();
      return {
        name: exported.name,
        file: decl ? decl.getSourceFile().fileName.slice(root.length + 1) : "?",
        // A zod schema and its inferred type share one name: say so rather than pick one.
        kind:
          target.flags & ts.SymbolFlags.Value && target.flags & ts.SymbolFlags.Type && decl
            ? decl.kind === ts.SyntaxKind.ClassDeclaration
              ? "class"
              : "schema + type"
            : ((decl && KINDS[decl.kind]) ?? (decl ? ts.SyntaxKind[decl.kind] : "?")),
        summary: firstSentence(docs),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function firstSentence(text: string): string {
  const flat = text
    .replace(/\{@link\s+([^}\s|]+)[^}]*\}/g, "`$1`")
    .replace(/\s+/g, " ")
    .trim();
  const end = flat.search(/\.(\s|$)/);
  return end < 0 ? flat : flat.slice(0, end + 1);
}
