/**
 * CAA values (RFC 8659 §4.1): flags, property tag and property value, rendered and parsed here
 * only.
 */
import { rdataFields } from "./rdata";

/** CAA property tags this library writes. @see https://www.rfc-editor.org/rfc/rfc8659#section-4 */
export type CaaTag = "issue" | "issuewild" | "iodef";

/** A CAA value. */
export interface CaaValue {
  /** 0, or 128 for the issuer-critical flag (any 0..255 when read from DNS). @default 0 */
  readonly flags?: number;
  /** `issue`, `issuewild`, `iodef`, or another tag when read from DNS (`contactemail`). */
  readonly tag: CaaTag | (string & {});
  /** The property value, unquoted: `letsencrypt.org`, `mailto:security@example.com`. */
  readonly value: string;
}

/**
 * `0 issue "letsencrypt.org"`: the value as one quoted character-string, `"` and `\` escaped
 * (RFC 8659 §4.1.1, RFC 1035 §5.1).
 * @throws Error when flags are not 0..255 or the tag is not 1-15 letters and digits.
 */
export function renderCaa(v: CaaValue): string {
  const flags = v.flags ?? 0;
  if (!Number.isInteger(flags) || flags < 0 || flags > 255)
    throw new Error(`CAA flags must be 0..255, got ${flags}`);
  if (!/^[A-Za-z0-9]{1,15}$/.test(v.tag))
    throw new Error(`CAA tag must be 1-15 letters or digits, got ${JSON.stringify(v.tag)}`);
  return `${flags} ${v.tag} "${v.value.replace(/["\\]/g, (c) => `\\${c}`)}"`;
}

/**
 * Reads `0 issue "letsencrypt.org"` (the value quoted or not). `undefined` unless the text is a
 * flags byte, a tag and one value.
 */
export function parseCaa(text: string): CaaValue | undefined {
  const { fields, quoted } = rdataFields(text);
  if (fields.length !== 3 || quoted[0] === true || quoted[1] === true) return undefined;
  const [flagsText, tag, value] = fields as [string, string, string];
  if (!/^\d{1,3}$/.test(flagsText) || Number(flagsText) > 255) return undefined;
  if (!/^[A-Za-z0-9]{1,15}$/.test(tag)) return undefined;
  return { flags: Number(flagsText), tag, value };
}
