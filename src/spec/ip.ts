/**
 * The one IP address parser and canonicaliser of the project. The spec's rules, the record
 * renderers, `dmsctl verify` and `dmsctl diff` all compare addresses written differently
 * (`2620:00FE::00fe` vs `2620:fe::fe`), so they all go through {@link canonicalIp}.
 */

/** Parses a dotted-quad IPv4 address (no leading zeros) to a 32-bit number. */
export function parseIpv4(ip: string): number | undefined {
  const parts = ip.split(".");
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

/** Parses IPv6 (with `::` and an embedded IPv4 tail) to eight 16-bit groups. */
export function parseIpv6(ip: string): number[] | undefined {
  let text = ip.toLowerCase();
  const lastColon = text.lastIndexOf(":");
  if (lastColon < 0) return undefined;
  const tail: number[] = [];
  const last = text.slice(lastColon + 1);
  if (last.includes(".")) {
    const v4 = parseIpv4(last);
    if (v4 === undefined) return undefined;
    tail.push(Math.floor(v4 / 65536), v4 % 65536);
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith("::")) text = text.slice(0, -1);
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9a-f]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === undefined || rest === undefined) return undefined;
  const known = head.length + rest.length + tail.length;
  if (halves.length === 1 ? known !== 8 : known > 7) return undefined;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest, ...tail];
}

/**
 * Eight groups as RFC 5952 §4 text: lowercase hex without leading zeros, the first longest run of
 * two or more zero groups as `::`. An embedded IPv4 tail is written in hex too (`::ffff:c000:201`),
 * as the WHATWG URL serializer and resolvers' answers do.
 */
function formatIpv6(groups: readonly number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (from: number, to: number): string =>
    groups
      .slice(from, to)
      .map((g) => g.toString(16))
      .join(":");
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLength, 8)}`;
}

/**
 * The canonical text of an IP address: IPv4 as a dotted quad, IPv6 in RFC 5952 form, so that two
 * spellings of one address compare equal. `undefined` when `ip` is neither.
 */
export function canonicalIp(ip: string): string | undefined {
  if (parseIpv4(ip) !== undefined) return ip;
  const groups = parseIpv6(ip);
  return groups === undefined ? undefined : formatIpv6(groups);
}

/**
 * The canonical text of an IPv6 address (RFC 5952: lowercase, zeros compressed, the longest run
 * of zero groups as `::`), so planned AAAA values compare equal to what resolvers return.
 * @throws Error when `ip` is not an IPv6 address.
 */
export function canonicalIpv6(ip: string): string {
  const groups = parseIpv6(ip);
  if (groups === undefined) throw new Error(`not an IPv6 address: ${JSON.stringify(ip)}`);
  return formatIpv6(groups);
}
