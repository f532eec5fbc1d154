/**
 * The `_smtp._tls` TXT record of TLS reporting (RFC 8460 §3): `v=TLSRPTv1; rua=<uri>[,<uri>]`.
 */
import { parseTagList, renderTags, splitUris } from "./tags";
import { txtFamily } from "./family";

/** The TLS-RPT record's value. */
export interface TlsRptValue {
  /** Where reports go: `mailto:` or `https:` URIs, in order. */
  readonly rua: readonly string[];
}

/**
 * `v=TLSRPTv1; rua=mailto:tls@example.com`, duplicates dropped.
 * @throws Error without any URI (RFC 8460 §3 requires `rua`).
 */
export function renderTlsRpt(v: TlsRptValue): string {
  if (v.rua.length === 0) throw new Error("TLS-RPT needs at least one rua URI");
  return renderTags([
    ["v", "TLSRPTv1"],
    ["rua", [...new Set(v.rua)].join(",")],
  ]);
}

/** Reads a TLS-RPT record's URIs; `undefined` when it is not one or it has none. */
export function parseTlsRpt(text: string): TlsRptValue | undefined {
  if (txtFamily(text) !== "tls-rpt") return undefined;
  const { tags, problems } = parseTagList(text, "exact");
  const rua = splitUris(tags.get("rua"));
  return problems.length === 0 && rua.length > 0 ? { rua } : undefined;
}
