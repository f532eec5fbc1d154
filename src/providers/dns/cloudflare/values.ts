/**
 * Cloudflare's wire form of record values, both directions: the fields one planned value becomes
 * (`content`, `priority`, `data`), the `comment` our records carry, and the reading of those
 * fields back into the plan's canonical values. Plain: loads no Pulumi package, so the preview
 * reader (`./preview.ts`) can use it without `@pulumi/cloudflare`.
 */
import { absoluteName, withoutRootDot } from "../../../records/names";
import { joinTxt, txtRdata } from "../../../records/txt";
import type { DnsRecord, RecordPurpose, RecordType } from "../../../records/types";
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
  jsonNumber,
  jsonString,
  renderOr,
  type JsonObject,
} from "../preview-reader";

/** The Cloudflare record arguments for one value, apart from zone, name and TTL. */
export interface CloudflareValueArgs {
  readonly content?: string;
  readonly priority?: number;
  readonly data?: Record<string, string | number>;
}

/**
 * Translates one planned value (presentation format, see `DnsRecord.values`) into Cloudflare's
 * fields: MX as exchange + `priority`, SRV and CAA as `data` blocks, TXT quoted and split, names
 * without the root dot. Pure; exported for tests.
 * @throws Error when the value is not one of its type (planned values always are).
 */
export function cloudflareValue(type: DnsRecord["type"], value: string): CloudflareValueArgs {
  switch (type) {
    case "A":
    case "AAAA":
      return { content: value };
    case "CNAME":
    case "PTR":
      return { content: withoutRootDot(value) };
    case "TXT":
      return { content: txtRdata(value) };
    case "MX": {
      const mx = parsed(parseMx(value), type, value);
      return { content: mx.host, priority: mx.priority };
    }
    case "SRV": {
      const srv = parsed(parseSrv(value), type, value);
      return {
        priority: srv.priority,
        data: { priority: srv.priority, weight: srv.weight, port: srv.port, target: srv.target },
      };
    }
    case "CAA": {
      const caa = parsed(parseCaa(value), type, value);
      return { data: { flags: caa.flags ?? 0, tag: caa.tag, value: caa.value } };
    }
    default: {
      const _: never = type;
      throw new Error(`unhandled record type ${String(_)}`);
    }
  }
}

function parsed<T>(v: T | undefined, type: RecordType, text: string): T {
  if (v === undefined) throw new Error(`not a ${type} value: ${JSON.stringify(text)}`);
  return v;
}

/** The `comment` on every record the adapter creates: names its purpose and mail domain. */
export function recordComment(record: Pick<DnsRecord, "purpose" | "domain">): string {
  return `pulumi-docker-mailserver: ${record.purpose} for ${record.domain}`;
}

const PURPOSES: readonly RecordPurpose[] = [
  "mx",
  "host-address",
  "spf",
  "helo-spf",
  "dkim",
  "dmarc",
  "dmarc-report-auth",
  "mta-sts",
  "tls-rpt",
  "autoconfig",
  "caa",
];

/** The purpose {@link recordComment} wrote, or `undefined` for any other comment. */
export function purposeFromComment(comment: string): RecordPurpose | undefined {
  const hint = /^pulumi-docker-mailserver: ([a-z-]+) for /.exec(comment)?.[1];
  return PURPOSES.find((p) => p === hint);
}

/**
 * The canonical value of one Cloudflare record read back from its fields (`content`, `priority`,
 * `data`; the older `cloudflare.Record` also `value`): names lowercase and absolute, TXT
 * character-strings joined. A value the engine masked is returned as printed.
 */
export function readCloudflareValues(type: RecordType, p: JsonObject): string[] {
  const content = jsonString(p.content) ?? jsonString(p.value);
  const data = isJsonObject(p.data) ? p.data : undefined;
  const prio = jsonNumber(p.priority) ?? jsonNumber(data?.priority);
  if (content !== undefined && isMasked(content)) return [content];
  const lowerMx = (t: string) =>
    canonicalOr(t, parseMx, (v) => renderMx({ ...v, host: v.host.toLowerCase() }));
  const lowerSrv = (t: string) =>
    canonicalOr(t, parseSrv, (v) => renderSrv({ ...v, target: v.target.toLowerCase() }));
  switch (type) {
    case "MX":
      return content === undefined ? [] : [lowerMx(`${prio ?? 0} ${content}`)];
    case "SRV": {
      if (data !== undefined) {
        const target = jsonString(data.target) || ".";
        return [
          lowerSrv(
            `${prio ?? 0} ${jsonNumber(data.weight) ?? 0} ${jsonNumber(data.port) ?? 0} ${target}`,
          ),
        ];
      }
      // Cloudflare's own content form is "weight port target", with the priority apart.
      return content === undefined ? [] : [lowerSrv(`${prio ?? 0} ${content}`)];
    }
    case "CAA": {
      if (data !== undefined) {
        const caa = {
          flags: jsonNumber(data.flags) ?? 0,
          tag: jsonString(data.tag) ?? "",
          value: jsonString(data.value) ?? "",
        };
        return [renderOr(() => renderCaa(caa), `${caa.flags} ${caa.tag} ${caa.value}`)];
      }
      return content === undefined ? [] : [canonicalOr(content, parseCaa, renderCaa)];
    }
    case "TXT":
      return content === undefined ? [] : [joinTxt(content)];
    case "CNAME":
    case "PTR":
      return content === undefined ? [] : [absoluteName(content.trim().toLowerCase())];
    case "A":
    case "AAAA":
      return content === undefined ? [] : [content.trim().toLowerCase()];
    default: {
      const _: never = type;
      return [String(_)];
    }
  }
}
