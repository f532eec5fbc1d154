/**
 * What every DNS check needs: the context (spec, plan, DNS client), the declared addresses, and
 * how lookups and planned values are worded in messages. See `./index.ts` for the checks.
 */
import type { DnsAnswer, DnsClient } from "../../net/dns";
import type { MailServerSpec } from "../../spec/schema";
import type { DnsRecord } from "../../records/types";
import type { Plan } from "../../plan/types";
import { canonicalIpv6 } from "../../spec/ip";
import { parseA, parseAaaa } from "../../records/values";

/** What the DNS checks need. */
export interface DnsCheckContext {
  readonly spec: MailServerSpec;
  readonly plan: Plan;
  readonly dns: DnsClient;
  /** PEM private keys by domain, for `dkim-key-matches`. */
  readonly dkimPrivateKeys: ReadonlyMap<string, string>;
  /** PEM private keys of retiring selectors by `<domain>/<selector>`. @default none */
  readonly retiringDkimPrivateKeys?: ReadonlyMap<string, string>;
  /**
   * Ask every authoritative server of the zone for the signing selector
   * (`dkim-signing-authoritative`): always when set, else only for a domain that is rotating
   * (`dkim.retiring` not empty); `false` never. `port` is where those servers listen (53).
   */
  readonly authoritative?: { readonly port?: number } | false;
  /** "now", for `dkim-retiring-overdue`. */
  readonly now: Date;
  /** Bound on one SPF evaluation, in milliseconds. @default 10000 */
  readonly spfTimeoutMs?: number;
}

/** The host's declared addresses, IPv4 first. */
export function declaredIps(spec: MailServerSpec): string[] {
  return [
    ...(spec.ipv4 !== undefined ? [spec.ipv4] : []),
    ...(spec.ipv6 !== undefined ? [canonicalIpv6(spec.ipv6)] : []),
  ];
}

/** The mailauth `resolver` over the shared client. */
export function mailauthResolver(dns: DnsClient) {
  return (name: string, rrtype: string) =>
    dns.resolve(name, rrtype) as Promise<string[][] | string[]>;
}

/** Why a lookup gave nothing, for messages: `nxdomain`, `no TXT record`, `timeout (...)`. */
export function lookupProblem(a: DnsAnswer): string {
  switch (a.status) {
    case "ok":
      return "ok";
    case "nxdomain":
      return `${a.name} does not exist (NXDOMAIN)`;
    case "nodata":
      return `no ${a.type} record at ${a.name}`;
    case "servfail":
      return `lookup of ${a.name} ${a.type} failed: SERVFAIL`;
    case "refused":
      return `lookup of ${a.name} ${a.type} was refused by the server`;
    case "timeout":
      return `lookup of ${a.name} ${a.type} timed out`;
    case "unreachable":
      return `lookup of ${a.name} ${a.type} failed: the DNS server is unreachable`;
    case "error":
      return `lookup of ${a.name} ${a.type} failed: ${a.detail ?? "error"}`;
    default: {
      const _: never = a.status;
      return String(_);
    }
  }
}

/** The planned records of one purpose for one mail domain. */
export function planned(plan: Plan, purpose: DnsRecord["purpose"], domain: string): DnsRecord[] {
  return plan.records.filter((r) => r.purpose === purpose && r.domain === domain);
}

/** Whether two texts name the same address (IPv6 compared in canonical form). */
export function sameIp(a: string, b: string): boolean {
  if (parseA(a) !== undefined || parseA(b) !== undefined) return a === b;
  const v6 = parseAaaa(a);
  return v6 !== undefined && v6 === parseAaaa(b);
}

/** Values as JSON strings, comma-separated, for messages. */
export function quote(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

/** A name for messages: without the trailing dot. */
export function bare(name: string): string {
  return name.replace(/\.$/, "");
}

/** `a -> b -> c`: a CNAME chain from `name`, for messages. */
export function cnamePath(name: string, chain: readonly string[]): string {
  return [name, ...chain.map((c) => c.replace(/\.$/, ""))].join(" -> ");
}

/**
 * Why a name reached through a CNAME chain gave no usable record: `_dmarc.example.com is a CNAME to
 * x.provider.net, which does not exist (NXDOMAIN)`. `what` names the record looked for.
 */
export function throughCnameProblem(
  name: string,
  chain: readonly string[],
  a: DnsAnswer,
  what: string,
): string {
  const to = `${name} is a CNAME to ${cnamePath(name, chain).split(" -> ").slice(1).join(" -> ")}`;
  switch (a.status) {
    case "nxdomain":
      return `${to}, which does not exist (NXDOMAIN)`;
    case "nodata":
    case "ok":
      return `${to}, which holds no ${what}`;
    default:
      return `${to}: ${lookupProblem(a)}`;
  }
}
