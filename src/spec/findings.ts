/**
 * Findings: the one shape every validation rule, plan warning and verify check reports in.
 * Validators return findings; callers decide how to report them (a `ResourceError` in a component,
 * a list and exit code 1 in the CLI). Never throw one problem at a time.
 */

/** How serious a finding is. `error` stops planning; `warn` and `info` are reported alongside. */
export type Level = "error" | "warn" | "info";

/** One problem or observation, tied to the place in the spec it is about. */
export interface Finding {
  /** Stable rule id, e.g. `hostname-fqdn`, `alias-loop`, `port25-outbound`. */
  readonly id: string;
  readonly level: Level;
  /** The field path in the spec, e.g. `domains[1].dmarc.rua[0]`; empty for the whole spec. */
  readonly path: string;
  /** What is wrong, naming the bad value: `must be a mailto: URI, got "dmarc@example.com"`. */
  readonly message: string;
  /** How to fix it, when there is more to say than the message. */
  readonly remediation?: string;
}

/** Renders a path array (`["domains", 1, "dmarc"]`) as `domains[1].dmarc`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out;
}

/** Shows a bad value in a message: strings quoted, everything else as JSON. */
export function showValue(value: unknown): string {
  if (value === undefined) return "nothing";
  return JSON.stringify(value);
}

/** One line per finding: `error hostname-fqdn hostname: must be ..., got "mail"`. */
export function formatFinding(f: Finding): string {
  const where = f.path === "" ? "" : `${f.path}: `;
  return `${f.level} ${f.id} ${where}${f.message}`;
}

/** Sorts findings by level (errors first), then path, then id, for stable output. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const rank: Record<Level, number> = { error: 0, warn: 1, info: 2 };
  return [...findings].sort(
    (a, b) =>
      rank[a.level] - rank[b.level] ||
      cmp(a.path, b.path) ||
      cmp(a.id, b.id) ||
      cmp(a.message, b.message),
  );
}

/** Plain code-unit string comparison: locale-independent, so output is the same everywhere. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
