/**
 * pulumi-docker-mailserver: the public API, name by name.
 *
 * Every name here is listed in `docs/api.md` (a test keeps the two equal), so adding an export is a
 * decision, not a side effect of a module growing. Helpers the layers share (ordering, name and IP
 * canonicalisation, salts, child naming) stay internal and may change between releases.
 *
 * Importing this module must stay cheap: it never loads `@pulumi/aws` or `@pulumi/cloudflare`
 * (provider adapters require them lazily, only when a spec uses them).
 *
 * @packageDocumentation
 */

// The spec: its schema and types, loading, validation and findings (src/spec).
export {
  DEFAULT_IMAGE_REPOSITORY,
  DEFAULT_IMAGE_TAG,
  MailServerSpecSchema,
  type AccountSpec,
  type Address,
  type AliasSpec,
  type CaaSpec,
  type CloudProvider,
  type DkimSpec,
  type DmarcSpec,
  type DnsTarget,
  type DomainSpec,
  type FeaturesSpec,
  type MailServerSpec,
  type MailServerSpecInput,
  type MtaStsSpec,
  type OverridesSpec,
  type RelaySpec,
  type ServiceExposure,
  type ServicesSpec,
  type BehindProxySpec,
  type SpamAssassinSpec,
  type SpamLearningSpec,
  type SpfSpec,
  type TlsRptSpec,
  type TlsSpec,
} from "./spec/schema";
export type { ServiceName } from "./spec/derived";
export { formatFinding, type Finding, type Level } from "./spec/findings";
export { validateSpec, type ValidationResult } from "./spec/validate";
export {
  loadSpecFile,
  parseSpecText,
  type LoadedSpecFile,
  type ParsedSpecText,
  type SpecPosition,
} from "./spec/load";
export {
  FINDINGS,
  RULES,
  isFindingId,
  type FindingId,
  type RuleId,
  type RuleMeta,
} from "./spec/rules";
export { specJsonSchema } from "./spec/json-schema";
export {
  DMS_CHANGELOG_SOURCE,
  DMS_RELEASES,
  summarizeUpgrade,
  type DmsRelease,
  type EnvChange,
  type UpgradeSummary,
} from "./spec/dms-releases";
export type { DkimKeyMaterial, PlanMaterial } from "./spec/material";

// DNS record values: types, each value's renderer and parser, TXT policy texts (src/records).
export type {
  DnsProviderKind,
  DnsRecord,
  MtaStsPolicyPlan,
  PtrExpectation,
  RecordPurpose,
  RecordType,
  ZonePlan,
} from "./records/types";
export {
  DKIM_PLACEHOLDER,
  SRV_NOT_AVAILABLE,
  dkimKeyInfo,
  parseA,
  parseAaaa,
  parseCaa,
  parseDkim,
  parseDmarc,
  parseMtaSts,
  parseMx,
  parseSpf,
  parseSrv,
  parseTags,
  parseTlsRpt,
  renderA,
  renderAaaa,
  renderCaa,
  renderDkim,
  renderDmarc,
  renderMtaSts,
  renderMx,
  renderSpf,
  renderSrv,
  renderTlsRpt,
  type CaaTag,
  type CaaValue,
  type DkimKeyInfo,
  type DkimValue,
  type DmarcPolicy,
  type DmarcValue,
  type MtaStsValue,
  type MxValue,
  type SpfTerm,
  type SpfValue,
  type SrvValue,
  type TlsRptValue,
} from "./records/values";
export {
  dkimName,
  dkimPublicKeyBase64,
  dkimText,
  dmarcReportAuthName,
  dmarcText,
  heloSpfText,
  mtaStsPolicyId,
  mtaStsPolicyText,
  mtaStsText,
  spfText,
  tlsRptText,
  type DmarcInput,
  type MtaStsInput,
  type SpfInput,
} from "./records/policies";
export { TXT_STRING_MAX, joinTxt, quoteTxtString, splitTxt, txtRdata } from "./records/txt";
export { reverseName } from "./records/names";

// docker-mailserver: config files, env, container, ports, password hashing (src/dms).
export type {
  BindMountPlan,
  ContainerPlan,
  DmsFile,
  PortRule,
  ReloadMode,
  VolumePlan,
} from "./dms/types";
export { CONFIG_DIR, DmsPlanError, planDmsFiles } from "./dms/files";
export { planEnv, renderEnvFile } from "./dms/env";
export { planContainer } from "./dms/container";
export { planPorts } from "./dms/ports";
export {
  DOVECOT_SCHEME_PREFIX,
  hashPasswords,
  sha512Crypt,
  type HashEntry,
  type HashOptions,
} from "./dms/password";

// The plan: everything a spec becomes, and its renderers (src/plan).
export type { Plan } from "./plan/types";
export { planMailServer } from "./plan/plan";
export { planRecords, type RecordsPlan } from "./plan/records";
export { PORT25_POLICIES, cloudWarnings, type Port25Policy } from "./plan/warnings";
export { renderFindings, renderTable } from "./plan/render/table";
export {
  PLAN_JSON_VERSION,
  planJson,
  renderJson,
  type FindingJson,
  type PlanErrors,
  type PlanJson,
} from "./plan/render/json";
export { renderMarkdown } from "./plan/render/markdown";
export { renderZoneFile, renderZoneFiles, type ZoneFile } from "./plan/render/zone";
export { renderCompose } from "./plan/render/compose";
export {
  DEFAULT_KUBERNETES_NAME,
  renderKubernetes,
  type KubernetesRenderOptions,
} from "./plan/render/kubernetes";

// Provider adapters: DNS (one folder per provider) and host port rules (src/providers).
export {
  CLOUDFLARE_CAPABILITIES,
  ROUTE53_CAPABILITIES,
  ZONEFILE_CAPABILITIES,
  adapterFor,
  cloudflareValue,
  customAdapter,
  route53Value,
  type CreateContext,
  type CustomAdapterOptions,
  type CustomDnsFactory,
  type CustomRecordRequest,
  type DnsAdapter,
  type DnsCapabilities,
  type RecordBinding,
} from "./providers/dns";
export { RSPAMD_UI_PORT, renderNftables, type NftablesOptions } from "./providers/host/nftables";
export { ingressRules, type IngressRulePlan } from "./providers/host/security-group";
export {
  DEFAULT_NAMESPACE,
  configKey,
  kubernetesConfigData,
  kubernetesDelivery,
  kubernetesObjects,
  kubernetesSettings,
  letsencryptLiveDir,
  objectNames,
  rolloutHash,
  type KubernetesConfigData,
  type KubernetesDelivery,
  type KubernetesObject,
  type KubernetesObjectOptions,
  type KubernetesSettings,
  type KubernetesTls,
} from "./providers/host/kubernetes";

// Pulumi components (src/components).
export type {
  AccountArgs,
  CustomDnsTargetArgs,
  DkimArgs,
  DnsTargetArgs,
  DomainArgs,
  MailServerArgs,
  MailServerSpecArgs,
  PtrArgs,
  RelayArgs,
} from "./components/args";
export { MAIL_SERVER_TYPE, MailServer } from "./components/mail-server";
export type { DkimPublishWaitArgs } from "./components/mail-server/publish-wait";
export {
  KUBERNETES_MAIL_SERVER_TYPE,
  KubernetesMailServer,
  type KubernetesMailServerArgs,
} from "./components/kubernetes-mail-server";
export { MAIL_DOMAIN_TYPE, MailDomain, type MailDomainArgs } from "./components/mail-domain";
export { HOST_CHECK_TYPE, HostCheck, type HostCheckArgs } from "./components/host-check";
export {
  PORT25_CHECK_TYPE,
  Port25Check,
  type Port25CheckArgs,
  type Port25CheckMode,
} from "./components/port25-check";
export {
  clientSettings,
  type ClientEndpoint,
  type ClientSettings,
} from "./components/client-settings";

// Verification against live DNS and servers; the outbound port 25 probe (src/verify).
export {
  CHECK_IDS,
  CHECK_LEVELS,
  type Check,
  type CheckId,
  type CheckStatus,
  type CheckSummary,
  type VerifyReport,
} from "./verify/checks";
export { verifyMailServer, type NetworkCheckOptions, type VerifyOptions } from "./verify/verify";
export {
  checkImplicitTls,
  checkSmtp,
  judgeCertificate,
  type CertificateVerdict,
  type TlsCheckOptions,
} from "./verify/tls-checks";
export {
  DEFAULT_PORT25_TARGETS,
  DEFAULT_PORT25_TIMEOUT_MS,
  PORT25_OUTCOMES,
  port25Remediation,
  probePort25,
  type Port25Outcome,
  type Port25ProbeOptions,
  type Port25Result,
  type Port25Target,
  type Port25TargetResult,
  type Port25Verdict,
} from "./verify/port25";
export {
  parsePort25ProbeOutput,
  port25ProbeCommand,
  type ParsedProbeOutput,
  type Port25ProbeCommandOptions,
} from "./verify/port25-probe-script";
export { port25Check, port25CheckFromLogs, type Port25CheckResult } from "./verify/port25-check";
export {
  VERIFY_JSON_VERSION,
  renderPort25Json,
  renderPort25Table,
  renderVerifyJson,
  renderVerifyMarkdown,
  renderVerifyTable,
} from "./verify/render";

// DNS diffs in mail terms, for pull requests (src/diff).
export {
  GITHUB_COMMENT_LIMIT,
  PreviewError,
  computeDiff,
  describeChange,
  diffFromPreview,
  diffFromPreviewStream,
  diffLive,
  liveQuestions,
  renderJson as renderDiffJson,
  renderMarkdown as renderDiffMarkdown,
  renderTable as renderDiffTable,
  type Change,
  type ChangeKind,
  type ComputeOptions,
  type Diff,
  type DiffSource,
  type LiveDiffOptions,
  type LiveRecordSet,
  type MarkdownOptions as DiffMarkdownOptions,
  type PreviewDiffOptions,
  type Risk,
} from "./diff";
