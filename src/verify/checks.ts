/**
 * Verify checks as data (STYLE.md conventions 8 and 9): each has a stable id, a level (how serious
 * a failure is), a status, the subject it was about, a message naming what was found, and
 * remediation text when it failed. Renderers (`./render.ts`) and the CLI only display them.
 */
import { cmp, type Level } from "../spec/findings";

/** The ids of the MTA-STS policy fetch checks (./mta-sts-fetch.ts), in report order. */
export const MTA_STS_POLICY_IDS = [
  "mta-sts-policy-certificate",
  "mta-sts-policy-http",
  "mta-sts-policy-content-type",
  "mta-sts-policy-fields",
  "mta-sts-policy-mx",
  "mta-sts-policy-max-age",
  "mta-sts-policy-id",
] as const;

/** Every check id, in report order. */
export const CHECK_IDS = [
  "dns-server-answers",
  "dns-zone-answers",
  "mx-points-to-host",
  "host-a-matches",
  "ptr-matches-hostname",
  "ptr-forward-confirmed",
  "spf-single-record",
  "spf-pass",
  "spf-lookup-limit",
  "helo-spf",
  "dkim-record-usable",
  "dkim-key-matches",
  "dkim-signing-authoritative",
  "dkim-retiring-overdue",
  "dmarc-policy",
  "dmarc-report-authorized",
  "mta-sts-record",
  ...MTA_STS_POLICY_IDS,
  "tls-rpt-record",
  "smtp-banner",
  "smtp-starttls",
  "tls-465",
  "tls-993",
  "dnsbl-listed",
  "port25-outbound",
  "host-kernel",
  "host-cgroup",
  "host-docker-version",
  "host-container-runtime",
  "host-rootless",
  "host-userland-proxy",
  "host-ipv6",
  "host-nftables",
  "host-firewall-frontend",
  "container-services",
  "container-mail-log",
  "container-fail2ban",
  "container-client-ip",
] as const;

/** A check id. */
export type CheckId = (typeof CHECK_IDS)[number];

/** How a check ended: `skip` when it could not or need not run (the message says why). */
export type CheckStatus = "pass" | "fail" | "skip";

/** One check result. */
export interface Check {
  readonly id: CheckId;
  /** How serious a failure is; only failed `error` checks make `dmsctl verify` exit 1. */
  readonly level: Level;
  readonly status: CheckStatus;
  /** What was checked: a domain, an address, `host:port`, a DNSBL query name. */
  readonly subject: string;
  /** What was found, naming live values. */
  readonly message: string;
  /** How to fix it; set when the check failed. */
  readonly remediation?: string;
}

/**
 * The level of each check. Errors break delivery or authentication outright (mail bounces or is
 * rejected); warnings hurt deliverability or reporting. `dmsctl doctor`'s checks (`host-*`,
 * `container-*`) share the list: the one `info` check reports a setting that is only a problem for
 * some connections (`host-userland-proxy`; `container-client-ip` says whether it is).
 */
export const CHECK_LEVELS: Readonly<Record<CheckId, Level>> = {
  "dns-server-answers": "error",
  "dns-zone-answers": "error",
  "mx-points-to-host": "error",
  "host-a-matches": "error",
  "ptr-matches-hostname": "error",
  "ptr-forward-confirmed": "error",
  "spf-single-record": "error",
  "spf-pass": "error",
  "spf-lookup-limit": "error",
  "helo-spf": "warn",
  "dkim-record-usable": "error",
  "dkim-key-matches": "error",
  "dkim-signing-authoritative": "error",
  "dkim-retiring-overdue": "warn",
  "dmarc-policy": "error",
  "dmarc-report-authorized": "warn",
  "mta-sts-record": "warn",
  "mta-sts-policy-certificate": "warn",
  "mta-sts-policy-http": "warn",
  "mta-sts-policy-content-type": "warn",
  "mta-sts-policy-fields": "warn",
  "mta-sts-policy-mx": "error",
  "mta-sts-policy-max-age": "warn",
  "mta-sts-policy-id": "warn",
  "tls-rpt-record": "warn",
  "smtp-banner": "error",
  "smtp-starttls": "error",
  "tls-465": "error",
  "tls-993": "error",
  "dnsbl-listed": "error",
  "port25-outbound": "error",
  "host-kernel": "warn",
  "host-cgroup": "warn",
  "host-docker-version": "warn",
  "host-container-runtime": "warn",
  "host-rootless": "warn",
  "host-userland-proxy": "info",
  "host-ipv6": "warn",
  "host-nftables": "warn",
  "host-firewall-frontend": "warn",
  "container-services": "error",
  "container-mail-log": "warn",
  "container-fail2ban": "warn",
  "container-client-ip": "error",
};

/** Builds a passing check. */
export function pass(id: CheckId, subject: string, message: string): Check {
  return { id, level: CHECK_LEVELS[id], status: "pass", subject, message };
}

/** Builds a failed check; `remediation` says how to fix it. */
export function fail(id: CheckId, subject: string, message: string, remediation: string): Check {
  return { id, level: CHECK_LEVELS[id], status: "fail", subject, message, remediation };
}

/** Builds a skipped check; `message` says why it did not run. */
export function skip(id: CheckId, subject: string, message: string): Check {
  return { id, level: CHECK_LEVELS[id], status: "skip", subject, message };
}

const ORDER = new Map<string, number>(CHECK_IDS.map((id, i) => [id, i]));

/** Sorts checks by id (report order), then subject, then message: stable output. */
export function sortChecks(checks: readonly Check[]): Check[] {
  return [...checks].sort(
    (a, b) =>
      ORDER.get(a.id)! - ORDER.get(b.id)! || cmp(a.subject, b.subject) || cmp(a.message, b.message),
  );
}

/** Counts per status, and failed checks per level. */
export interface CheckSummary {
  readonly pass: number;
  readonly fail: number;
  readonly skip: number;
  readonly failedErrors: number;
  readonly failedWarnings: number;
}

/** Counts the checks. */
export function summarizeChecks(checks: readonly Check[]): CheckSummary {
  const count = (f: (c: Check) => boolean) => checks.filter(f).length;
  return {
    pass: count((c) => c.status === "pass"),
    fail: count((c) => c.status === "fail"),
    skip: count((c) => c.status === "skip"),
    failedErrors: count((c) => c.status === "fail" && c.level === "error"),
    failedWarnings: count((c) => c.status === "fail" && c.level !== "error"),
  };
}

/** The whole verify result. */
export interface VerifyReport {
  /** The mail host verified. */
  readonly hostname: string;
  /** Sorted with {@link sortChecks}. */
  readonly checks: readonly Check[];
  readonly summary: CheckSummary;
  /** True when no error-level check failed: `dmsctl verify` exits 0. */
  readonly ok: boolean;
}

/** Assembles a report from unsorted checks. */
export function makeReport(hostname: string, checks: readonly Check[]): VerifyReport {
  const sorted = sortChecks(checks);
  const summary = summarizeChecks(sorted);
  return { hostname, checks: sorted, summary, ok: summary.failedErrors === 0 };
}
