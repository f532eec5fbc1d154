/**
 * The finding registry: every id the project can print, with its level and docs, gathered from
 * the rule groups. `Finding.id` is typed from it, so an unregistered id does not compile, and
 * `docs/spec.md` is generated from it, so every id that can be printed is documented.
 *
 * Adding a rule group is one new file in this folder (its ids, their docs and its check, see
 * `context.ts`) plus one line in {@link VALIDATION_GROUPS}; the reference table follows.
 */
import type { RuleGroup, RuleTable } from "./context";
import type { Level, RuleMeta } from "./meta";
import { INTERNAL_RULES, LOADING_RULES, SCHEMA_RULES } from "./input";
import { DOMAIN_RULES } from "./domains";
import { ADDRESS_RULES } from "./addresses";
import { ACCOUNT_RULES } from "./accounts";
import { FEATURE_RULES } from "./features";
import { DKIM_RULES } from "./dkim";
import { SPF_RULES } from "./spf";
import { POLICY_RULES } from "./policies";
import { MTA_STS_HOSTING_RULES } from "./mta-sts-hosting";
import {
  DKIM_ROTATION_RULES,
  DKIM_ROTATION_STATE_RULES,
  DKIM_ROTATION_SWITCH_RULES,
  DKIM_RETIRING_KEY_RULES,
} from "./dkim-rotation";
import { DELEGATION_RULES } from "./delegation";
import { SERVICE_RULES } from "./services";
import { ENV_RULES } from "./env";
import { OVERRIDE_RULES } from "./overrides";
import { FAQ_OPTION_RULES } from "./faq-options";
import { UPGRADE_RULES } from "./upgrade";
import { HOST_RULES } from "./host";
import { READER_RULES } from "./readers";
import { PLATFORM_RULES } from "./platform";
import { SECRET_RULES } from "./secrets";
import { PLANNING_RULES } from "./planning";
import { DNS_AUDIT_RULES } from "./dns-audit";

/**
 * The groups of validation (`validateSpec`, `parseSpecText`), in the order of the reference
 * table; the rule pass runs the checks of those that have one.
 */
export const VALIDATION_GROUPS = [
  LOADING_RULES,
  SCHEMA_RULES,
  DOMAIN_RULES,
  ADDRESS_RULES,
  ACCOUNT_RULES,
  FEATURE_RULES,
  DKIM_RULES,
  DKIM_ROTATION_RULES,
  DELEGATION_RULES,
  SPF_RULES,
  POLICY_RULES,
  MTA_STS_HOSTING_RULES,
  SERVICE_RULES,
  ENV_RULES,
  OVERRIDE_RULES,
  FAQ_OPTION_RULES,
  HOST_RULES,
  UPGRADE_RULES,
  READER_RULES,
  PLATFORM_RULES,
  INTERNAL_RULES,
] as const;

/** The groups of ids reported after validation: reading secrets, planning, DNS audits. */
export const LATER_GROUPS = [
  SECRET_RULES,
  DKIM_ROTATION_SWITCH_RULES,
  DKIM_ROTATION_STATE_RULES,
  DKIM_RETIRING_KEY_RULES,
  PLANNING_RULES,
  DNS_AUDIT_RULES,
] as const;

/** The rule table of each group in a union (distributes over the union). */
type TableOf<G> = G extends RuleGroup<infer R> ? R : never;
/** The ids of each table in a union: `keyof` of a union would keep only the common keys. */
type KeysOf<T> = T extends unknown ? keyof T & string : never;
type IdsOf<Gs extends readonly RuleGroup<RuleTable>[]> = KeysOf<TableOf<Gs[number]>>;
type AllGroups = typeof VALIDATION_GROUPS | typeof LATER_GROUPS;

/** An id validation can report (a key of {@link RULES}). */
export type RuleId = IdsOf<typeof VALIDATION_GROUPS>;

/** Any id a finding can carry: validation, reading secrets, planning, DNS audits. */
export type FindingId = IdsOf<AllGroups>;

/** The level registered for `Id`. */
export type LevelOf<Id extends FindingId> =
  TableOf<AllGroups[number]> extends infer T
    ? T extends Readonly<Record<Id, { readonly level: infer L extends Level }>>
      ? L
      : never
    : never;

function merge<Id extends string>(groups: readonly RuleGroup<RuleTable>[]): Record<Id, RuleMeta> {
  const out: Record<string, RuleMeta> = {};
  for (const g of groups) {
    for (const [id, meta] of Object.entries(g.rules)) {
      if (Object.hasOwn(out, id)) throw new Error(`finding id ${id} is registered twice`);
      out[id] = meta;
    }
  }
  return out as Record<Id, RuleMeta>;
}

/**
 * Every id validation can produce, with its level and remediation, in reference order. The
 * `spec-*` ids come from reading the file, the `schema-*` ids and `hostname-fqdn` /
 * `quota-syntax` from the zod schema, the rest from the rule pass.
 */
export const RULES: Readonly<Record<RuleId, RuleMeta>> = merge<RuleId>(VALIDATION_GROUPS);

/** Every id a finding can carry: {@link RULES}, then the ids reported after validation. */
export const FINDINGS: Readonly<Record<FindingId, RuleMeta>> = merge<FindingId>([
  ...VALIDATION_GROUPS,
  ...LATER_GROUPS,
]);

/** Whether `id` is registered (for ids read back from JSON or text). */
export function isFindingId(id: string): id is FindingId {
  return Object.hasOwn(FINDINGS, id);
}
