/**
 * SRV values (RFC 2782): priority, weight, port and target, rendered and parsed here only.
 */
import { absoluteName, withoutRootDot } from "../names";
import { parseUint16, rdataFields, uint16 } from "./rdata";

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

/**
 * Reads `0 1 465 mail.example.com.` (target absolute or relative, case kept). `undefined` unless
 * the text is three 16-bit numbers and a name.
 */
export function parseSrv(text: string): SrvValue | undefined {
  const { fields, quoted } = rdataFields(text);
  if (fields.length !== 4 || quoted[3] === true) return undefined;
  const [priority, weight, port] = fields.slice(0, 3).map(parseUint16);
  if (priority === undefined || weight === undefined || port === undefined) return undefined;
  return { priority, weight, port, target: withoutRootDot(fields[3]!) };
}

/** The SRV value that says a service is not offered (RFC 6186 §3.4, RFC 2782 "Target"). */
export const SRV_NOT_AVAILABLE: SrvValue = { priority: 0, weight: 0, port: 0, target: "." };
