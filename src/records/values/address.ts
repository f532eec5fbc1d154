/**
 * A and AAAA values: addresses in their canonical text, so planned values compare equal to what
 * resolvers and providers return.
 */
import { isIPv4 } from "node:net";
import { canonicalIpv6 } from "../../spec/ip";

/** An A value: the dotted quad as given. @throws Error when not IPv4. */
export function renderA(ip: string): string {
  if (!isIPv4(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(ip)}`);
  return ip;
}

/** An AAAA value in RFC 5952 canonical form (`2001:db8::10`). @throws Error when not IPv6. */
export function renderAaaa(ip: string): string {
  return canonicalIpv6(ip);
}

/** Reads an A value: the address, or `undefined` when the text is not a dotted quad. */
export function parseA(text: string): string | undefined {
  const t = text.trim();
  return isIPv4(t) ? t : undefined;
}

/** Reads an AAAA value into its canonical form; `undefined` when the text is not IPv6. */
export function parseAaaa(text: string): string | undefined {
  try {
    return canonicalIpv6(text.trim());
  } catch {
    return undefined;
  }
}
