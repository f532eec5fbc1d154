/**
 * Verification against the live world: the outbound port 25 probe (and its in-container form),
 * DNS checks (MX, A/AAAA, PTR, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, DNSBL), SMTP and TLS checks,
 * and their renderers. Checks are data; see `./checks.ts`.
 */
export {
  CHECK_IDS,
  CHECK_LEVELS,
  makeReport,
  sortChecks,
  summarizeChecks,
  type Check,
  type CheckId,
  type CheckStatus,
  type CheckSummary,
  type VerifyReport,
} from "./checks";
export * from "./port25";
export * from "./port25-probe-script";
export * from "./port25-check";
export { verifyMailServer, type VerifyOptions, type NetworkCheckOptions } from "./verify";
export {
  checkImplicitTls,
  checkSmtp,
  judgeCertificate,
  type CertificateVerdict,
  type TlsCheckOptions,
} from "./tls-checks";
export {
  SmtpConnection,
  SmtpError,
  type SmtpErrorKind,
  type SmtpPhase,
  type SmtpReply,
} from "./smtp";
export * from "./render";
