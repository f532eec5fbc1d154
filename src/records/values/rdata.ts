/**
 * Helpers shared by the rdata value modules: splitting presentation text into fields and checking
 * 16-bit fields. Internal to `records/values`.
 */

/**
 * Splits presentation-format rdata into fields at runs of blanks, honouring double quotes and
 * their backslash escapes (RFC 1035 §5.1): `0 issue "a b"` -> `["0", "issue", "a b"]`. Returns
 * `quoted[i]` true where field `i` was written in quotes.
 */
export function rdataFields(rdata: string): { fields: string[]; quoted: boolean[] } {
  const fields: string[] = [];
  const quoted: boolean[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(rdata); m !== null; m = re.exec(rdata)) {
    if (m[1] !== undefined) {
      fields.push(m[1].replace(/\\(.)/g, "$1"));
      quoted.push(true);
    } else {
      fields.push(m[2]!);
      quoted.push(false);
    }
  }
  return { fields, quoted };
}

/** `n` when it is an integer in 0..65535; throws naming `what` otherwise. */
export function uint16(n: number, what: string): number {
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new Error(`${what} must be 0..65535, got ${n}`);
  return n;
}

/** The number a decimal field holds when it is a 16-bit unsigned integer, else undefined. */
export function parseUint16(field: string | undefined): number | undefined {
  if (field === undefined || !/^\d{1,5}$/.test(field)) return undefined;
  const n = Number(field);
  return n <= 65535 ? n : undefined;
}
