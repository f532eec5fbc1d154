/**
 * pulumi-docker-mailserver: public exports only.
 *
 * Importing this module must stay cheap: it never loads `@pulumi/aws` or `@pulumi/cloudflare`
 * (provider adapters require them lazily, only when a spec uses them).
 *
 * @packageDocumentation
 */
export * from "./spec/schema";
export * from "./spec/findings";
export * from "./spec/validate";
export * from "./spec/load";
export {
  FINDINGS,
  RULES,
  isFindingId,
  type FindingId,
  type LevelOf,
  type RuleId,
  type RuleMeta,
} from "./spec/rules";
export { canonicalIp, canonicalIpv6 } from "./spec/ip";
export { memoryBytes, parseMemory } from "./spec/units";
export { specJsonSchema } from "./spec/json-schema";
export * from "./plan/types";
export * from "./spec/material";
export * from "./records";
export * from "./plan/records";
export { planMailServer } from "./plan/plan";
export { cloudWarnings, PORT25_POLICIES, type Port25Policy } from "./plan/warnings";
export * from "./plan/render";
export * from "./dms";
export * from "./components/args";
export { MailServer, MAIL_SERVER_TYPE } from "./components/mail-server";
export { MailDomain, MAIL_DOMAIN_TYPE, type MailDomainArgs } from "./components/mail-domain";
export {
  clientSettings,
  type ClientSettings,
  type ClientEndpoint,
} from "./components/client-settings";
export * from "./verify";
export {
  Port25Check,
  PORT25_CHECK_TYPE,
  type Port25CheckArgs,
  type Port25CheckMode,
} from "./components/port25-check";
export * from "./providers/dns";
export { renderNftables, RSPAMD_UI_PORT, type NftablesOptions } from "./providers/host/nftables";
export { ingressRules, type IngressRulePlan } from "./providers/host/security-group";
export {
  computeDiff,
  diffLive,
  diffFromPreview,
  describeChange,
  liveQuestions,
  PreviewError,
  GITHUB_COMMENT_LIMIT,
  renderMarkdown as renderDiffMarkdown,
  renderJson as renderDiffJson,
  renderTable as renderDiffTable,
  type Diff,
  type Change,
  type ChangeKind,
  type Risk,
  type LiveRecordSet,
  type DiffSource,
  type ComputeOptions,
  type LiveDiffOptions,
  type PreviewDiffOptions,
  type MarkdownOptions as DiffMarkdownOptions,
} from "./diff";
