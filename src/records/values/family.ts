/**
 * Which mail record a TXT value is, by its version tag: the one classifier verify, diff and the
 * preview readers share, following each RFC's rule for the version marker.
 */

/** Which mail record a TXT value is, by its version tag. */
export type TxtFamily = "spf" | "dmarc" | "dkim" | "mta-sts" | "tls-rpt" | "other";

/**
 * - SPF: begins with exactly `v=spf1` (case-insensitive), then a space or the end (RFC 7208 §4.5).
 * - DMARC: `v=DMARC1` first; the `v` is case-insensitive, `DMARC1` is not (RFC 7489 §6.4, ABNF
 *   `%x44 %x4d ...`); blanks around `=` allowed.
 * - DKIM: `v=DKIM1` first, both case-sensitive (RFC 6376 §3.2, §3.6.1).
 * - MTA-STS: `v=STSv1` (RFC 8461 §3.1, `%s` strings); TLS-RPT: `v=TLSRPTv1` (RFC 8460 §3).
 */
export function txtFamily(value: string): TxtFamily {
  if (/^v=spf1( |$)/i.test(value)) return "spf";
  if (/^[vV][ \t]*=[ \t]*DMARC1[ \t]*(;|$)/.test(value)) return "dmarc";
  if (/^[ \t]*v[ \t]*=[ \t]*DKIM1[ \t]*(;|$)/.test(value)) return "dkim";
  if (/^v=STSv1[ \t]*(;|$)/.test(value)) return "mta-sts";
  if (/^v=TLSRPTv1[ \t]*(;|$)/.test(value)) return "tls-rpt";
  return "other";
}
