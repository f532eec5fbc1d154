/**
 * Typed record values that own both directions: each renders its canonical presentation text (the
 * form of `DnsRecord.values`) and parses it back, so every producer writes a value the same way
 * and every reader (verify, diff, the provider adapters and their preview readers) reads it the
 * same way, in the style of CDK's `MxRecordValue` and octoDNS's value classes (`to_rdata_text` /
 * `parse_rdata_text`). Targets are absolute names with the trailing dot; TXT values are the
 * logical string, unquoted and unsplit.
 *
 * For every type, rendering a value, parsing the text and rendering again gives the same text
 * (property-tested in `test/records/values.properties.test.ts`).
 */
import type { RecordType } from "../types";
import { parseAaaa } from "./address";

export * from "./mx";
export * from "./srv";
export * from "./caa";
export * from "./address";
export * from "./tags";
export * from "./family";
export * from "./spf";
export * from "./dkim";
export * from "./dmarc";
export * from "./mta-sts";
export * from "./tls-rpt";

/**
 * A value in the form values are compared in: AAAA in RFC 5952 form; names in MX, CNAME, SRV and
 * PTR lowercase (DNS names are case-insensitive, RFC 4343); everything else as is (TXT is
 * case-sensitive). Text that is not a value of the type (a preview's `[secret]`) is lowercased
 * (AAAA) or kept.
 */
export function canonicalValue(type: RecordType, value: string): string {
  if (type === "AAAA") return parseAaaa(value) ?? value.toLowerCase();
  if (type === "MX" || type === "CNAME" || type === "SRV" || type === "PTR")
    return value.toLowerCase();
  return value;
}
