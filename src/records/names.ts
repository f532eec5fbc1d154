/**
 * DNS names: absolute and relative forms, zone membership and reverse (PTR) names. Names in the
 * plan are lowercase FQDNs without the trailing dot (see `DnsRecord` in `../records/types.ts`); rdata
 * targets are absolute, with the dot.
 */
import { canonicalIpv6, parseIpv4 } from "../spec/ip";

/** `example.com` -> `example.com.`; an already absolute name or the root `.` is returned as is. */
export function absoluteName(name: string): string {
  return name.endsWith(".") ? name : `${name}.`;
}

/** `mail.example.com.` -> `mail.example.com`; the root `.` itself is returned as is. */
export function withoutRootDot(name: string): string {
  return name.length > 1 && name.endsWith(".") ? name.slice(0, -1) : name;
}

/** Whether `name` is `zone` itself or a name below it (label-wise, so `badexample.com` is not in `example.com`). */
export function isInZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith(`.${zone}`);
}

/**
 * The zone a name belongs to among `zones`: the longest one that is the name or a parent of it, so
 * `mail._domainkey.example.com` goes to `example.com` and not to `com`. `undefined` when none is.
 */
export function longestZone(name: string, zones: Iterable<string>): string | undefined {
  let best: string | undefined;
  for (const z of zones) {
    if (isInZone(name, z) && (best === undefined || z.length > best.length)) best = z;
  }
  return best;
}

/**
 * The owner name as written in a zone file with `$ORIGIN <zone>.`: `@` for the apex, the labels
 * below the apex otherwise, and the absolute name (with its dot) for a name outside the zone.
 */
export function relativeName(name: string, zone: string): string {
  if (name === zone) return "@";
  if (name.endsWith(`.${zone}`)) return name.slice(0, -zone.length - 1);
  return absoluteName(name);
}

/** The parent of a name: `mail.example.com` -> `example.com`. The name itself for a single label. */
export function parentName(name: string): string {
  const dot = name.indexOf(".");
  return dot < 0 ? name : name.slice(dot + 1);
}

/**
 * The eight 16-bit groups of an IPv6 address, each as four lowercase hex digits.
 * @throws Error when `ip` is not an IPv6 address.
 */
export function expandIpv6(ip: string): string[] {
  const canonical = canonicalIpv6(ip);
  // The canonical text never keeps a dotted IPv4 tail, so only `::` needs expanding.
  const [head, tail] = canonical.includes("::") ? canonical.split("::") : [canonical, undefined];
  const left = head === "" ? [] : head!.split(":");
  const right = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => g.padStart(4, "0"));
}

/**
 * The reverse-mapping name of an address: `192.0.2.7` -> `7.2.0.192.in-addr.arpa`
 * (RFC 1035 §3.5), IPv6 as 32 nibbles under `ip6.arpa` (RFC 3596 §2.5).
 * @throws Error when `ip` is not an IP address.
 */
export function reverseName(ip: string): string {
  if (parseIpv4(ip) !== undefined) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  const nibbles = expandIpv6(ip).join("").split("");
  return `${nibbles.reverse().join(".")}.ip6.arpa`;
}
