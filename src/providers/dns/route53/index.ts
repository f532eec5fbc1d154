/**
 * Route53 adapter: one `aws.route53.Record` per name and type holding every value (Route53's
 * resource record set; DNSControl's Route53 provider diffs by record set for the same reason).
 *
 * - `allowOverwrite: false`: creating a set that already exists fails instead of silently taking
 *   over a record this library did not create.
 * - TXT values longer than 255 bytes are split into character-strings joined by `""`, the form the
 *   AWS provider documents for long TXT values (it adds the outer quotes itself), so a 2048-bit DKIM
 *   key becomes `"v=DKIM1; k=rsa; p=MIIB...""...rest"` in DNS.
 *
 * `@pulumi/aws` is an optional peer dependency, loaded only when a zone uses this adapter.
 * The wire form of values, both directions, is in `./values.ts`; the preview reader in
 * `./preview.ts`.
 */
import * as pulumi from "@pulumi/pulumi";
import { mapInput } from "../../inputs";
import { loadAws } from "../../optional-peer";
import { route53Value } from "./values";
import { auditCapabilities, recordSetChildName } from "../common";
import type { DnsAdapter, DnsCapabilities, RecordBinding, CreateContext } from "../types";
import type { DnsRecord } from "../../../records/types";
import type { Finding } from "../../../spec/findings";

/** What Route53 takes (TTL up to 2^31-1; the spec caps it lower anyway). */
export const ROUTE53_CAPABILITIES: DnsCapabilities = {
  types: ["A", "AAAA", "CAA", "CNAME", "MX", "PTR", "SRV", "TXT"],
  ttl: { min: 0, max: 2147483647 },
};

export { route53Value } from "./values";

/** Route53 adapter: one `aws.route53.Record` per record set. */
export const route53Adapter: DnsAdapter = {
  kind: "route53",
  capabilities: ROUTE53_CAPABILITIES,
  audit(records: readonly DnsRecord[]): Finding[] {
    const findings = auditCapabilities("route53", ROUTE53_CAPABILITIES, records);
    for (const r of records) {
      // A CNAME cannot share its name with other data (RFC 1034 §3.6.2); Route53 rejects it at the apex.
      if (r.type === "CNAME" && r.name === r.zone) {
        findings.push({
          id: "dns-cname-apex",
          level: "error",
          path: "domains",
          message: `${r.name} CNAME: Route53 does not allow a CNAME at the zone apex`,
        });
      }
    }
    return findings;
  },
  createRecords(bindings: readonly RecordBinding[], ctx: CreateContext): pulumi.Resource[] {
    if (bindings.length === 0) return [];
    const aws = loadAws();
    return bindings.map((b) => {
      if (b.zoneId === undefined) throw new Error(`${b.record.name}: no Route53 hosted zone id`);
      const type = b.record.type;
      const records = b.values.map((v) => mapInput(v, (x) => route53Value(type, x)));
      return new aws.route53.Record(
        recordSetChildName(ctx.name, b.record),
        {
          zoneId: b.zoneId,
          name: b.record.name,
          type,
          ttl: b.record.ttl,
          records,
          // Never take over a record set this library did not create.
          allowOverwrite: false,
        },
        ctx.opts,
      );
    });
  },
};
