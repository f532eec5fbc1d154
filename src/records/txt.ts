/**
 * TXT rdata: one logical value, stored in DNS as a sequence of character-strings of at most 255
 * bytes each (RFC 1035 §3.3.14). Receivers concatenate them without separators (RFC 7208 §3.3 for
 * SPF, RFC 6376 §3.6.2.2 for DKIM), so where the split falls does not change the meaning. The plan
 * keeps TXT values whole; the zone file renderer and provider adapters (Route53) split them here.
 */

/** The most bytes one DNS character-string can hold (RFC 1035 §3.3: a one-byte length). */
export const TXT_STRING_MAX = 255;

/** Printable ASCII only: one UTF-8 byte per character. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** Printable ASCII without `"` and `\`: quoted as it is. */
const NOTHING_TO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Splits a TXT value into strings of at most `max` UTF-8 bytes, never inside a character. An empty
 * value becomes one empty string (a TXT record always holds at least one string).
 * @param max bytes per string. @default 255
 */
export function splitTxt(value: string, max: number = TXT_STRING_MAX): string[] {
  if (!Number.isInteger(max) || max < 4) throw new Error(`max must be an integer >= 4, got ${max}`);
  // Fast path for what the plan produces (SPF, DKIM, DMARC): printable ASCII, a byte per character.
  if (PRINTABLE_ASCII.test(value)) {
    const chunks: string[] = [];
    for (let i = 0; i < value.length; i += max) chunks.push(value.slice(i, i + max));
    return chunks.length === 0 ? [""] : chunks;
  }
  const chunks: string[] = [];
  let current = "";
  let bytes = 0;
  for (const ch of value) {
    const size = Buffer.byteLength(ch, "utf8");
    if (bytes + size > max) {
      chunks.push(current);
      current = "";
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  chunks.push(current);
  return chunks;
}

/**
 * One character-string in zone file presentation format: quoted, with `"` and `\` escaped and
 * bytes outside printable ASCII as `\DDD` (RFC 1035 §5.1).
 */
export function quoteTxtString(s: string): string {
  if (NOTHING_TO_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (const byte of Buffer.from(s, "utf8")) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${String(byte).padStart(3, "0")}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}

/** A whole TXT value as zone file rdata: its <=255-byte strings, quoted, space-separated. */
export function txtRdata(value: string, max: number = TXT_STRING_MAX): string {
  return splitTxt(value, max).map(quoteTxtString).join(" ");
}

/**
 * Character-strings of TXT presentation text joined into the logical value, the inverse of
 * {@link txtRdata} (RFC 1035 §5.1: `"a" "b"` is `ab`; `\"`, `\\` and `\DDD` escapes, `\DDD`
 * being one byte, so escaped UTF-8 decodes back to its characters). Text that is not quoted is
 * taken as the inside of one quoted string, which is how the AWS provider reads `a""b` (it adds
 * the outer quotes itself).
 */
export function joinTxt(text: string): string {
  const t = text.trim();
  const src = t.startsWith('"') ? t : `"${t}"`;
  // Fast path, what providers return for the plan's values: no escapes, so no byte decoding.
  if (!src.includes("\\"))
    return src
      .split('"')
      .filter((_, i) => i % 2 === 1)
      .join("");
  const bytes: number[] = [];
  const put = (s: string) => bytes.push(...Buffer.from(s, "utf8"));
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (!inString) {
      if (c === '"') inString = true;
      continue;
    }
    if (c === "\\") {
      const digits = /^\d{3}/.exec(src.slice(i + 1));
      if (digits) {
        bytes.push(Number(digits[0]) & 0xff);
        i += 3;
      } else {
        // A character after a backslash stands for itself; a surrogate pair stays whole.
        const next = src.codePointAt(i + 1);
        if (next !== undefined) {
          put(String.fromCodePoint(next));
          i += next > 0xffff ? 2 : 1;
        }
      }
    } else if (c === '"') inString = false;
    else {
      const cp = src.codePointAt(i)!;
      put(String.fromCodePoint(cp));
      if (cp > 0xffff) i++;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
