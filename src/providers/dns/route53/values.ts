/**
 * Route53's wire form of record values, both directions: the record strings one planned value
 * becomes, and the reading of a record set's strings back into the plan's canonical values.
 * Plain: loads no Pulumi package, so the preview reader (`./preview.ts`) can use it without
 * `@pulumi/aws`.
 */
import { absoluteName } from "../../../records/names";
import { joinTxt, splitTxt } from "../../../records/txt";
import type { DnsRecord, RecordType } from "../../../records/types";
import {
  parseCaa,
  parseMx,
  parseSrv,
  renderCaa,
  renderMx,
  renderSrv,
} from "../../../records/values";
import {
  canonicalOr,
  isJsonObject,
  isMasked,
  jsonString,
  type JsonObject,
} from "../preview-reader";

/**
 * One planned value as a Route53 record string. TXT: the value split into strings of at most 255
 * bytes, `"` and `\` escaped, joined by `""` (the provider wraps the whole in quotes). Others are
 * the plan's presentation text unchanged. Pure; exported for tests.
 */
export function route53Value(type: DnsRecord["type"], value: string): string {
  if (type !== "TXT") return value;
  return splitTxt(value)
    .map((s) => s.replace(/["\\]/g, (c) => `\\${c}`))
    .join('""');
}

/**
 * The canonical values of one Route53 record set read back from its `records` (TXT strings
 * joined, names lowercase and absolute) or its alias target (`ALIAS <name>.`). A list the engine
 * masked as a whole, or one masked entry, is returned as printed.
 */
export function readRoute53Values(type: RecordType, p: JsonObject): string[] {
  if (typeof p.records === "string") return [p.records]; // the whole list unknown or secret
  if (Array.isArray(p.aliases) && p.aliases.length > 0) {
    return p.aliases
      .filter(isJsonObject)
      .map((a) => `ALIAS ${absoluteName((jsonString(a.name) ?? "").trim().toLowerCase())}`);
  }
  const records = Array.isArray(p.records)
    ? p.records.filter((r): r is string => typeof r === "string")
    : [];
  return records.map((r) => {
    if (isMasked(r)) return r;
    switch (type) {
      case "TXT":
        return joinTxt(r);
      case "MX":
        return canonicalOr(r, parseMx, (v) => renderMx({ ...v, host: v.host.toLowerCase() }));
      case "SRV":
        return canonicalOr(r, parseSrv, (v) => renderSrv({ ...v, target: v.target.toLowerCase() }));
      case "CAA":
        return canonicalOr(r, parseCaa, renderCaa);
      case "CNAME":
      case "PTR":
        return absoluteName(r.trim().toLowerCase());
      case "A":
      case "AAAA":
        return r.trim();
      default: {
        const _: never = type;
        return String(_);
      }
    }
  });
}
