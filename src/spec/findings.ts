/**
 * Findings: the one shape every validation rule, plan warning and DNS audit reports in.
 * Validators return findings; callers decide how to report them (a `ResourceError` in a component,
 * a list and exit code 1 in the CLI). Never throw one problem at a time.
 *
 * Every id is registered, with its level and docs, in `./rules/` (`FINDINGS`); the type of
 * {@link Finding} admits only registered ids, each with its registered level.
 */
import type { FindingId, LevelOf } from "./rules/registry";
import type { Level } from "./rules/meta";
import { cmp } from "./order";

export type { FindingId, Level };
export { cmp };

/** One problem or observation with the id `Id`, tied to the place in the spec it is about. */
export interface FindingOf<Id extends FindingId> {
  /** Stable registered id, e.g. `hostname-fqdn`, `alias-loop`, `dns-ttl-range`. */
  readonly id: Id;
  /** The level registered for the id. */
  readonly level: LevelOf<Id>;
  /** The field path in the spec, e.g. `domains[1].dmarc.rua[0]`; empty for the whole spec. */
  readonly path: string;
  /** What is wrong, naming the bad value: `must be a mailto: URI, got "dmarc@example.com"`. */
  readonly message: string;
  /** How to fix it, when there is more to say than the message. */
  readonly remediation?: string;
}

/** One problem or observation: a {@link FindingOf} for any registered id. */
export type Finding = { [Id in FindingId]: FindingOf<Id> }[FindingId];

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
