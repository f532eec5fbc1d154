/**
 * Cloudflare DNS adapter: one `cloudflare.DnsRecord` per record value (Cloudflare's API object is
 * a single value; DNSControl's Cloudflare provider diffs by record for the same reason).
 *
 * - `proxied: false` on every record: a proxied name resolves to Cloudflare's HTTP proxies, which
 *   do not carry SMTP or IMAP, so the MX target would stop receiving mail.
 * - Names are sent as FQDNs: the v5 Terraform provider behind `@pulumi/cloudflare` 6 reads names
 *   back fully qualified, and a relative name (`@`, `mail`) shows a diff on every refresh
 *   (verified 2026-11-22 against provider 6.22 docs).
 * - TXT content is sent as quoted character-strings of at most 255 bytes (`"v=DKIM1; ..." "..."`),
 *   the presentation form Cloudflare stores and shows, so a 2048-bit DKIM key is not rejected.
 * - Records are never adopted: Cloudflare refuses to create a record identical to an existing
 *   one, and the adapter never looks records up to take them over.
 *
 * `@pulumi/cloudflare` is an optional peer dependency, loaded only when a zone uses this adapter.
 * The wire form of values, both directions, is in `./values.ts`; the preview reader in
 * `./preview.ts`; the proxy address ranges in `./proxy.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { mapInput, mapToOutput } from "../../inputs";
import { loadCloudflare } from "../../optional-peer";
import { auditCapabilities, recordValueChildName } from "../common";
import { cloudflareValue, recordComment, type CloudflareValueArgs } from "./values";
import type { DnsAdapter, DnsCapabilities, RecordBinding, CreateContext } from "../types";
import type { DnsRecord } from "../../../records/types";
import type { Finding } from "../../../spec/findings";

/** What Cloudflare takes. TTL 1 means "automatic"; explicit TTLs run 60..86400 (non-Enterprise). */
export const CLOUDFLARE_CAPABILITIES: DnsCapabilities = {
  types: ["A", "AAAA", "CAA", "CNAME", "MX", "PTR", "SRV", "TXT"],
  ttl: { min: 60, max: 86400 },
};

export { cloudflareValue, type CloudflareValueArgs } from "./values";

/** Cloudflare adapter: one `cloudflare.DnsRecord` per value. */
export const cloudflareAdapter: DnsAdapter = {
  kind: "cloudflare",
  capabilities: CLOUDFLARE_CAPABILITIES,
  audit(records: readonly DnsRecord[]): Finding[] {
    return auditCapabilities("cloudflare", CLOUDFLARE_CAPABILITIES, records);
  },
  createRecords(bindings: readonly RecordBinding[], ctx: CreateContext): pulumi.Resource[] {
    if (bindings.length === 0) return [];
    const cloudflare = loadCloudflare();
    const out: pulumi.Resource[] = [];
    // Plain loops, not forEach: Pulumi records the whole call stack of every resource it
    // registers, so each callback frame here costs a little on every record.
    for (const b of bindings) {
      if (b.zoneId === undefined) throw new Error(`${b.record.name}: no Cloudflare zone id`);
      for (let i = 0; i < b.record.values.length; i++) {
        const structural = b.record.values[i]!;
        const value = b.values[i]!;
        const fields = pulumiApply(value, (v) => cloudflareValue(b.record.type, v), b.record.type);
        out.push(
          new cloudflare.DnsRecord(
            recordValueChildName(ctx.name, b.record, i, structural),
            {
              zoneId: b.zoneId!,
              name: b.record.name,
              type: b.record.type,
              ttl: b.record.ttl,
              // Never proxied: Cloudflare's proxy carries HTTP only, not SMTP/IMAP.
              proxied: false,
              // Only the fields the type has: an undefined input is still serialized on every record.
              ...(fields.content !== undefined ? { content: fields.content } : {}),
              ...(fields.priority !== undefined ? { priority: fields.priority } : {}),
              ...(fields.data !== undefined ? { data: fields.data } : {}),
              comment: recordComment(b.record),
            },
            ctx.opts,
          ),
        );
      }
    }
    return out;
  },
};

/**
 * Applies `f` to a value that is a plain string or an Output, field by field, keeping plain
 * values plain (so previews show them and no needless Output is created).
 */
function pulumiApply(
  value: pulumi.Input<string>,
  f: (v: string) => CloudflareValueArgs,
  type: DnsRecord["type"],
): {
  content?: pulumi.Input<string>;
  priority?: pulumi.Input<number>;
  data?: pulumi.Input<Record<string, string | number>>;
} {
  if (typeof value === "string") return f(value);
  const fields = FIELDS[type];
  // One field (A, AAAA, CNAME, PTR, TXT, CAA's data): one Output, not a shared one plus a projection.
  if (fields.length === 1) {
    const field = fields[0]!;
    return { [field]: mapInput(value, (v) => f(v)[field]!) };
  }
  const out = mapToOutput(value, f);
  return {
    ...(fields.includes("content") ? { content: out.apply((o) => o.content!) } : {}),
    ...(fields.includes("priority") ? { priority: out.apply((o) => o.priority!) } : {}),
    ...(fields.includes("data") ? { data: out.apply((o) => o.data!) } : {}),
  };
}

/** Which Cloudflare fields {@link cloudflareValue} sets per type. */
const FIELDS: Record<DnsRecord["type"], readonly (keyof CloudflareValueArgs)[]> = {
  A: ["content"],
  AAAA: ["content"],
  CNAME: ["content"],
  PTR: ["content"],
  TXT: ["content"],
  MX: ["content", "priority"],
  SRV: ["priority", "data"],
  CAA: ["data"],
};
