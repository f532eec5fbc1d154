/**
 * The host itself: a pinned image tag, addresses reachable from the internet, a known time zone.
 */
import type { MailServerSpec } from "../schema";
import { parseIpv4, parseIpv6 } from "../ip";
import { releaseMajor } from "../derived";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "image-tag-floating": {
    level: "error",
    summary:
      "The image tag `latest` or `edge` moves across major versions (Dovecot 2.3 to 2.4), breaking files written for one.",
    remediation: "Pin a release tag such as `15.1.0` (docs/dms-contract.md#pin-the-image).",
  },
  "image-tag-unversioned": {
    level: "warn",
    summary:
      "The image tag does not start with a release version (a private build's name?), so the plan cannot tell which Dovecot the image runs and writes Dovecot 2.3 settings (releases up to 15.x); an image built from the 16 line runs Dovecot 2.4, whose defaults refuse recipients the 2.3 settings accept.",
    remediation:
      "Tag a private build with the release it is built from first, e.g. `15.1.0-mybuild` or `16.0.0-mybuild` (docs/dms-contract.md#dovecot-24).",
  },
  "ip-not-public": {
    level: "warn",
    summary:
      "`ipv4`/`ipv6` is a private or reserved address; other servers cannot reach it. Documentation ranges are allowed.",
    remediation: "Use the host's public address.",
  },
  "timezone-unknown": {
    level: "warn",
    summary: "`timezone` is not a time zone this Node.js knows.",
    remediation: "Use an IANA name such as `Europe/Berlin` or `UTC`.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Image tag, public addresses and time zone of the host. */
export const HOST_RULES = ruleGroup({ rules, check: checkHost });

function checkHost(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  const tag = spec.image.tag;
  if (tag === "latest" || tag === "edge") {
    r.report(
      "image-tag-floating",
      ["image", "tag"],
      `must be a pinned release such as "15.1.0", got ${show(tag)}: it moves to new major versions`,
    );
  } else if (releaseMajor(tag) === undefined) {
    r.report(
      "image-tag-unversioned",
      ["image", "tag"],
      `names no release version, got ${show(tag)}: the plan writes Dovecot 2.3 settings (the 15.x line); tag a build of the 16 line as "16.0.0-<name>"`,
    );
  }
  for (const [field, ip] of [
    ["ipv4", spec.ipv4],
    ["ipv6", spec.ipv6],
  ] as const) {
    if (ip === undefined) continue;
    const why = field === "ipv4" ? ipv4NotPublic(ip) : ipv6NotPublic(ip);
    if (why !== undefined) {
      r.report(
        "ip-not-public",
        [field],
        `is ${why}, not reachable from the internet, got ${show(ip)}`,
      );
    }
  }
  // `host` is not a zone: the host's /etc/localtime is mounted instead (spec `timezone`).
  if (spec.timezone !== "host" && !validTimeZone(spec.timezone)) {
    r.report(
      "timezone-unknown",
      ["timezone"],
      `is not a known time zone, got ${show(spec.timezone)}`,
    );
  }
}

const timeZoneCache = new Map<string, boolean>();
function validTimeZone(tz: string): boolean {
  let ok = timeZoneCache.get(tz);
  if (ok === undefined) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      ok = true;
    } catch {
      ok = false;
    }
    timeZoneCache.set(tz, ok);
  }
  return ok;
}

/** IPv4 ranges no internet host can reach (RFC 6890), except the documentation ranges. */
const V4_RESERVED: readonly [string, number, string][] = [
  ["0.0.0.0", 8, "in 0.0.0.0/8 (this network)"],
  ["10.0.0.0", 8, "private (10.0.0.0/8)"],
  ["100.64.0.0", 10, "carrier-grade NAT space (100.64.0.0/10)"],
  ["127.0.0.0", 8, "loopback (127.0.0.0/8)"],
  ["169.254.0.0", 16, "link-local (169.254.0.0/16)"],
  ["172.16.0.0", 12, "private (172.16.0.0/12)"],
  ["192.0.0.0", 24, "reserved for protocol assignments (192.0.0.0/24)"],
  ["192.168.0.0", 16, "private (192.168.0.0/16)"],
  ["198.18.0.0", 15, "reserved for benchmarking (198.18.0.0/15)"],
  ["224.0.0.0", 4, "multicast (224.0.0.0/4)"],
  ["240.0.0.0", 4, "reserved (240.0.0.0/4)"],
];

function ipv4NotPublic(ip: string): string | undefined {
  const n = parseIpv4(ip);
  if (n === undefined) return undefined;
  for (const [base, bits, why] of V4_RESERVED) {
    const size = 2 ** (32 - bits);
    const start = parseIpv4(base)!;
    if (n >= start && n < start + size) return why;
  }
  return undefined;
}

function ipv6NotPublic(ip: string): string | undefined {
  const g = parseIpv6(ip);
  if (g === undefined) return undefined;
  if (g[0] === 0x2001 && g[1] === 0x0db8) return undefined; // documentation, RFC 3849
  if (g.every((x) => x === 0)) return "the unspecified address (::)";
  if (g.slice(0, 7).every((x) => x === 0) && g[7] === 1) return "loopback (::1)";
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return "IPv4-mapped (::ffff:0:0/96)";
  if ((g[0]! & 0xfe00) === 0xfc00) return "a unique local address (fc00::/7)";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local (fe80::/10)";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast (ff00::/8)";
  if ((g[0]! & 0xe000) !== 0x2000) return "outside the global unicast range (2000::/3)";
  if (g[0] === 0x2001 && g[1]! < 0x0200) return "reserved for IETF protocols (2001::/23)";
  if (g[0] === 0x2002) return "6to4 (2002::/16)";
  return undefined;
}
