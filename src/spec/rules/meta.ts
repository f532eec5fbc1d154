/**
 * The shape of a rule's entry in the finding registry. Kept free of imports: `../findings.ts`
 * types `Finding.id` and `Finding.level` from the registry, which is built from these entries.
 */

/** How serious a finding is. `error` stops planning; `warn` and `info` are reported alongside. */
export type Level = "error" | "warn" | "info";

/** What a rule is, for reports and for the generated reference in `docs/spec.md`. */
export interface RuleMeta {
  readonly level: Level;
  /** One line: what the rule catches. */
  readonly summary: string;
  /** How to fix it. */
  readonly remediation: string;
}
