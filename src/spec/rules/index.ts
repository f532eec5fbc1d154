/**
 * Validation rules that relate several fields of a spec the schema has already accepted: alias
 * loops, rspamd with Amavis, ClamAV memory, SPF lookup counts, and so on. Each rule has a stable id,
 * a level and remediation text ({@link RULES}); `docs/spec.md` is generated from the registry and
 * a test keeps the two in sync.
 *
 * This folder holds one file per rule group (its ids, their docs and its check), the registry that
 * gathers them (`registry.ts`), the groups' shared context (`context.ts`) and the reference
 * renderer (`docs.ts`). To add a rule group: write its file after the model of `domains.ts`, then
 * add it to `VALIDATION_GROUPS` in `registry.ts`; nothing else changes.
 *
 * Every check is linear in the size of the spec (maps and sets, no pairwise comparisons), so a spec
 * with 1,000 domains and 10,000 accounts validates in well under a second.
 *
 * Messages never show a secret (passwords, hashes, private keys, secret-looking env values).
 */
import type { MailServerSpec } from "../schema";
import { formatPath, type Finding, type FindingId } from "../findings";
import {
  buildContext,
  type ListSection,
  type Path,
  type PartialInfo,
  type Reporter,
} from "./context";
import { FINDINGS, VALIDATION_GROUPS, type RuleId } from "./registry";
import { checkUpgrade } from "./upgrade";

export { show, type ListSection, type PartialInfo } from "./context";
export type { RuleMeta } from "./meta";
export {
  FINDINGS,
  LATER_GROUPS,
  RULES,
  VALIDATION_GROUPS,
  isFindingId,
  type FindingId,
  type LevelOf,
  type RuleId,
} from "./registry";
export { findingsMarkdown, rulesMarkdown } from "./docs";
export { checkUpgrade, upgradeMessage } from "./upgrade";

/**
 * Builds a finding for `id` at `path` with the registered level and remediation; `remediation`
 * replaces the registered text when the fix depends on the case (a URL, a variable name).
 */
export function finding(
  id: FindingId,
  path: string,
  message: string,
  remediation: string = FINDINGS[id].remediation,
): Finding {
  // The registry's level is the one `Finding` requires for `id`; TypeScript cannot correlate a
  // lookup by a union-typed key, hence the assertion.
  return { id, level: FINDINGS[id].level, path, message, remediation } as Finding;
}

class SpecReporter implements Reporter<RuleId> {
  readonly findings: Finding[] = [];
  constructor(private readonly partial: PartialInfo | undefined) {}

  where(path: Path): string {
    const origin = this.partial?.origin;
    const section = path[0];
    const index = path[1];
    if (origin !== undefined && typeof index === "number" && typeof section === "string") {
      const map = origin[section as ListSection];
      if (map !== undefined && map[index] !== undefined) {
        return formatPath([section, map[index]!, ...path.slice(2)]);
      }
    }
    return formatPath(path);
  }

  report(id: RuleId, path: Path, message: string): void {
    this.findings.push(finding(id, this.where(path), message));
  }
}

/**
 * Runs every cross-field rule on a schema-valid spec and returns the findings (unsorted; the
 * caller sorts). `partial` is given when some elements were dropped for schema errors: rules that
 * judge absence (no accounts, undeliverable targets) then stay quiet. `input` is what the schema
 * parsed, for rules that must tell a field the user wrote from a default (`Context.given`).
 */
export function checkRules(
  spec: MailServerSpec,
  partial?: PartialInfo,
  input?: unknown,
): Finding[] {
  const r = new SpecReporter(partial);
  const ctx = buildContext(spec, partial, input);
  for (const group of VALIDATION_GROUPS) group.check?.(spec, ctx, r);
  return r.findings;
}

/**
 * The upgrade findings for a `from` tag found outside the spec (the tag of the `--out` tree
 * `dmsctl plan` replaces, or of the `--previous` spec of `dmsctl diff`): the same checks as the
 * rule on `image.upgradeFrom`.
 */
export function upgradeFindings(spec: MailServerSpec, from: string): Finding[] {
  const out: Finding[] = [];
  checkUpgrade(spec, from, (id, path, message) => out.push(finding(id, formatPath(path), message)));
  return out;
}
