/**
 * Typed record values and their canonical presentation text (the form of `DnsRecord.values`):
 * each record type has one renderer, so every producer of a value writes it the same way and
 * values compare as strings (in the style of CDK's `MxRecordValue` and octoDNS's
 * `to_rdata_text`). Targets are absolute names with the trailing dot.
 */
import { isIPv4 } from "node:net";
import { canonicalIpv6 } from "../spec/ip";
import { absoluteName } from "./names";

/** An MX value. @see https://www.rfc-editor.org/rfc/rfc1035#section-3.3.9 */
export interface MxValue {
  /** Preference: lower is tried first. */
  readonly priority: number;
  /** The mail exchanger, a name without the trailing dot. */
  readonly host: string;
}

/** `10 mail.example.com.` */
export function renderMx(v: MxValue): string {
  return `${uint16(v.priority, "MX priority")} ${absoluteName(v.host)}`;
}

/** An SRV value. @see https://www.rfc-editor.org/rfc/rfc2782 */
export interface SrvValue {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  /** The host, or `.` for "service not available here" (RFC 2782, RFC 6186 §3.4). */
  readonly target: string;
}

/** `0 1 465 mail.example.com.`, or `0 0 0 .` for an unavailable service. */
export function renderSrv(v: SrvValue): string {
  const target = v.target === "." ? "." : absoluteName(v.target);
  return `${uint16(v.priority, "SRV priority")} ${uint16(v.weight, "SRV weight")} ${uint16(v.port, "SRV port")} ${target}`;
}

/** The SRV value that says a service is not offered (RFC 6186 §3.4, RFC 2782 "Target"). */
export const SRV_NOT_AVAILABLE: SrvValue = { priority: 0, weight: 0, port: 0, target: "." };

/** CAA property tags this library writes. @see https://www.rfc-editor.org/rfc/rfc8659#section-4 */
export type CaaTag = "issue" | "issuewild" | "iodef";

/** A CAA value. */
export interface CaaValue {
  /** 0, or 128 for the issuer-critical flag. @default 0 */
  readonly flags?: 0 | 128;
  readonly tag: CaaTag;
  /** The property value, unquoted: `letsencrypt.org`, `mailto:security@example.com`. */
  readonly value: string;
}

/** `0 issue "letsencrypt.org"` */
export function renderCaa(v: CaaValue): string {
  if (/["\\]/.test(v.value)) throw new Error(`CAA value must not contain " or \\: ${v.value}`);
  return `${v.flags ?? 0} ${v.tag} "${v.value}"`;
}

/** An A value: the dotted quad as given. @throws Error when not IPv4. */
export function renderA(ip: string): string {
  if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return ip;
}

/** An AAAA value in RFC 5952 canonical form (`2001:db8::10`). @throws Error when not IPv6. */
export function renderAaaa(ip: string): string {
  return canonicalIpv6(ip);
}

function uint16(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${what} must be 0..65535, got ${n}`);
  return n;
}
