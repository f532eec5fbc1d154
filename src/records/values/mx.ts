/**
 * MX values (RFC 1035 §3.3.9): preference and exchange. The one place an MX value is rendered and
 * parsed; every reader (verify, diff, the provider adapters and their preview readers) goes
 * through {@link parseMx}.
 */
import { absoluteName, withoutRootDot } from "../names";
import { parseUint16, rdataFields, uint16 } from "./rdata";

/** An MX value. @see https://www.rfc-editor.org/rfc/rfc1035#section-3.3.9 */
export interface MxValue {
  /** Preference: lower is tried first. */
  readonly priority: number;
  /** The mail exchanger, a name without the trailing dot (`.` for a null MX, RFC 7505). */
  readonly host: string;
}

/** `10 mail.example.com.` @throws Error when the priority is not 0..65535. */
export function renderMx(v: MxValue): string {
  return `${uint16(v.priority, "MX priority")} ${absoluteName(v.host)}`;
}

/**
 * Reads `10 mail.example.com.` (or a relative `10 mail.example.com`, as Route53 and Cloudflare
 * show it) into its preference and exchange; the exchange keeps its case. `undefined` when the
 * text is not exactly a 16-bit preference and one name.
 */
export function parseMx(text: string): MxValue | undefined {
  const { fields, quoted } = rdataFields(text);
  const priority = parseUint16(fields[0]);
  if (fields.length !== 2 || priority === undefined || quoted[1] === true) return undefined;
  return { priority, host: withoutRootDot(fields[1]!) };
}

/**
 * The exchange of an MX value as names are compared: lowercase, without the trailing dot
 * (`10 Mail.Example.com.` -> `mail.example.com`). `undefined` for text that is not an MX value.
 */
export function mxExchange(text: string): string | undefined {
  return parseMx(text)?.host.toLowerCase();
}
