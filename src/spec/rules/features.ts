/**
 * Feature combinations docker-mailserver refuses or silently ignores, memory for what runs, the
 * capabilities fail2ban needs, and resolvers DNSBLs answer.
 */
import type { MailServerSpec } from "../schema";
import { canonicalIp } from "../ip";
import { memoryBytes } from "../units";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "rspamd-conflict": {
    level: "error",
    summary: "Rspamd combined with Amavis, SpamAssassin or OpenDKIM: they filter or sign twice.",
    remediation:
      "Use rspamd alone (the recommended profile), or turn rspamd off for the classic stack (docs/dms-contract.md#environment).",
  },
  "rspamd-redundant": {
    level: "warn",
    summary:
      "OpenDMARC or policyd-spf turned on next to rspamd, which already checks DMARC and SPF.",
    remediation: "Drop the explicit `opendmarc` / `policydSpf` setting.",
  },
  "spamassassin-without-amavis": {
    level: "error",
    summary: "SpamAssassin needs Amavis; docker-mailserver turns it off otherwise.",
    remediation: "Set `features.amavis: true`, or use rspamd instead.",
  },
  "clamav-without-scanner": {
    level: "error",
    summary: "ClamAV is on but neither Amavis nor rspamd feeds it mail, so it scans nothing.",
    remediation: "Turn on rspamd or Amavis, or turn ClamAV off.",
  },
  "clamav-memory": {
    level: "warn",
    summary:
      "ClamAV with a memory limit under about 2.5 GiB: loading its signatures gets the container OOM-killed.",
    remediation:
      "Raise `memoryLimit` to at least `3g`, or turn ClamAV off (docs/dms-contract.md#memory).",
  },
  "memory-low": {
    level: "warn",
    summary: "A memory limit under 512 MiB, below docker-mailserver's minimum.",
    remediation: "Raise `memoryLimit` to at least `1g` (2 GiB recommended).",
  },
  "fail2ban-net-admin": {
    level: "error",
    summary:
      "Fail2Ban is on but the explicit `capabilities` list lacks NET_ADMIN, so it cannot ban anyone.",
    remediation:
      "Add `NET_ADMIN` to `capabilities`, or omit `capabilities` (it is then added for you).",
  },
  "dnsbl-public-resolver": {
    level: "error",
    summary:
      "DNSBL checks with a public resolver as the container's DNS: blocklists refuse those queries, so the checks do nothing.",
    remediation:
      "Use your own recursive resolver (e.g. a local unbound) in `dnsResolvers`, or turn DNSBL off.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Features, memory, capabilities and resolvers. */
export const FEATURE_RULES = ruleGroup({ rules, check: checkFeatures });

const GIB = 1024 ** 3;
/** ClamAV loads about 850 MB of signatures on top of the rest (docs/dms-contract.md#memory). */
const CLAMAV_MIN_BYTES = 2.5 * GIB;
const DMS_MIN_BYTES = 512 * 1024 ** 2;

/**
 * Well-known public resolvers. DNSBLs (Spamhaus first) refuse or poison queries coming from them,
 * so postscreen's DNSBL checks silently stop working.
 */
const PUBLIC_RESOLVERS: ReadonlyMap<string, string> = new Map(
  (
    [
      ["Cloudflare", ["1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3"]],
      ["Cloudflare", ["2606:4700:4700::1111", "2606:4700:4700::1001"]],
      ["Cloudflare", ["2606:4700:4700::1112", "2606:4700:4700::1002"]],
      ["Cloudflare", ["2606:4700:4700::1113", "2606:4700:4700::1003"]],
      ["Google", ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"]],
      ["Quad9", ["9.9.9.9", "149.112.112.112", "9.9.9.10", "149.112.112.10", "9.9.9.11"]],
      ["Quad9", ["149.112.112.11", "2620:fe::fe", "2620:fe::9", "2620:fe::10", "2620:fe::fe:10"]],
      ["Quad9", ["2620:fe::11", "2620:fe::fe:11"]],
      ["OpenDNS", ["208.67.222.222", "208.67.220.220", "208.67.222.123", "208.67.220.123"]],
      ["OpenDNS", ["2620:119:35::35", "2620:119:53::53"]],
      ["AdGuard", ["94.140.14.14", "94.140.15.15", "2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff"]],
      ["Control D", ["76.76.2.0", "76.76.10.0", "2606:1a40::", "2606:1a40:1::"]],
      ["Level3", ["4.2.2.1", "4.2.2.2", "4.2.2.3", "4.2.2.4", "4.2.2.5", "4.2.2.6"]],
      ["DNS.WATCH", ["84.200.69.80", "84.200.70.40"]],
      ["Comodo", ["8.26.56.26", "8.20.247.20"]],
      ["Verisign", ["64.6.64.6", "64.6.65.6"]],
      ["Yandex", ["77.88.8.8", "77.88.8.1"]],
    ] as const
  ).flatMap(([name, ips]) => ips.map((ip) => [canonicalIp(ip)!, name] as [string, string])),
);

function checkFeatures(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  const f = spec.features;
  if (f.rspamd) {
    for (const [key, value, what] of [
      ["amavis", f.amavis, "Amavis"],
      ["spamassassin", f.spamassassin, "SpamAssassin"],
      ["opendkim", f.opendkim === true, "OpenDKIM"],
    ] as const) {
      if (value) {
        r.report(
          "rspamd-conflict",
          ["features", key],
          `cannot be combined with features.rspamd: rspamd already does what ${what} does, and mail would be ${key === "opendkim" ? "signed" : "filtered"} twice`,
        );
      }
    }
    for (const [key, what] of [
      ["opendmarc", "DMARC"],
      ["policydSpf", "SPF"],
    ] as const) {
      if (f[key] === true) {
        r.report(
          "rspamd-redundant",
          ["features", key],
          `is on next to features.rspamd, which already checks ${what}`,
        );
      }
    }
  }
  if (f.spamassassin && !f.amavis) {
    r.report(
      "spamassassin-without-amavis",
      ["features", "spamassassin"],
      "needs features.amavis: docker-mailserver turns SpamAssassin off without Amavis",
    );
  }
  if (f.clamav && !f.amavis && !f.rspamd) {
    r.report(
      "clamav-without-scanner",
      ["features", "clamav"],
      "needs features.amavis or features.rspamd to pass it mail; alone it scans nothing",
    );
  }
  if (spec.memoryLimit !== undefined) {
    const bytes = memoryBytes(spec.memoryLimit);
    if (bytes !== undefined && f.clamav && bytes < CLAMAV_MIN_BYTES) {
      r.report(
        "clamav-memory",
        ["memoryLimit"],
        `is ${show(spec.memoryLimit)} (${(bytes / GIB).toFixed(2)} GiB), under the about 2.5 GiB ClamAV needs; the container gets OOM-killed`,
      );
    } else if (bytes !== undefined && bytes < DMS_MIN_BYTES) {
      r.report(
        "memory-low",
        ["memoryLimit"],
        `is ${show(spec.memoryLimit)}, under the 512 MiB docker-mailserver needs`,
      );
    }
  }
  if (f.fail2ban && spec.capabilities !== undefined && !spec.capabilities.includes("NET_ADMIN")) {
    r.report(
      "fail2ban-net-admin",
      ["capabilities"],
      `must include "NET_ADMIN" for features.fail2ban to ban addresses, got ${show(spec.capabilities)}`,
    );
  }
  if (f.dnsbl && spec.dnsResolvers !== undefined) {
    spec.dnsResolvers.forEach((ip, i) => {
      const owner = PUBLIC_RESOLVERS.get(canonicalIp(ip) ?? ip);
      if (owner !== undefined) {
        r.report(
          "dnsbl-public-resolver",
          ["dnsResolvers", i],
          `is ${owner}'s public resolver ${show(ip)}; DNSBLs refuse queries from it, so features.dnsbl checks nothing`,
        );
      }
    });
  }
}
