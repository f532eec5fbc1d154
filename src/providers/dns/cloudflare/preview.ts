/**
 * Reads Cloudflare record resources back from `pulumi preview --json`: `cloudflare.DnsRecord`
 * (provider 6, one resource per value) and the older `cloudflare.Record`. Plain parsing, no
 * `@pulumi/cloudflare`.
 */
import {
  jsonNumber,
  jsonString,
  stateRecordType,
  type JsonObject,
  type PreviewRecordReader,
  type PreviewRecordState,
} from "../preview-reader";
import { purposeFromComment, readCloudflareValues } from "./values";

/** The reader of Cloudflare record states. */
export const cloudflarePreviewReader: PreviewRecordReader = {
  kind: "cloudflare",
  resourceTypes: ["cloudflare:index/dnsRecord:DnsRecord", "cloudflare:index/record:Record"],
  readState(props: JsonObject): PreviewRecordState | undefined {
    const type = stateRecordType(props);
    if (type === undefined) return undefined;
    const ttl = jsonNumber(props.ttl);
    // Our records carry "pulumi-docker-mailserver: <purpose> for <domain>" (see `recordComment`).
    const comment = jsonString(props.comment);
    const hint = comment === undefined ? undefined : purposeFromComment(comment);
    return {
      zoneId: jsonString(props.zoneId) ?? "",
      name: (jsonString(props.name) ?? "").toLowerCase(),
      type,
      values: readCloudflareValues(type, props),
      ...(ttl === undefined ? {} : { ttl }),
      ...(typeof props.proxied === "boolean" ? { proxied: props.proxied } : {}),
      ...(hint === undefined ? {} : { purposeHint: hint }),
    };
  },
};
