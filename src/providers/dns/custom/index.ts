/**
 * Custom adapter: publishes records with any Pulumi DNS provider through a small user function
 * (see `publish` in `examples/existing-program/index.ts`). The function gets one record set at a
 * time with a stable child name and returns the resources it registered.
 */
import * as pulumi from "@pulumi/pulumi";
import { auditCapabilities, recordSetChildName } from "../common";
import type { DnsAdapter, DnsCapabilities, RecordBinding, CreateContext } from "../types";
import type { DnsRecord } from "../../../records/types";
import type { Finding } from "../../../spec/findings";

/** One record set handed to a {@link CustomDnsFactory}. */
export interface CustomRecordRequest {
  /**
   * The child name to give the resource: `${component}-${type}-${owner}`. Keep it: renaming a
   * child replaces the live record.
   */
  readonly name: string;
  /** Zone apex, owner name (FQDN, no trailing dot), type, TTL, purpose and mail domain. */
  readonly record: DnsRecord;
  /**
   * The values in presentation format (see `DnsRecord.values`): MX `10 mail.example.com.`, TXT
   * unquoted and unsplit (split it if your provider needs 255-byte strings: `splitTxt`).
   */
  readonly values: pulumi.Output<string[]>;
  /** The zone id given in the domain's `dns.zoneId`, when one was given. */
  readonly zoneId?: pulumi.Input<string>;
}

/**
 * Registers the resources for one record set. Pass `opts` on to every resource you create (it
 * carries the parent and through it the providers). Never set `deleteBeforeReplace`: new records
 * must exist before old ones go.
 */
export type CustomDnsFactory = (
  request: CustomRecordRequest,
  opts: pulumi.CustomResourceOptions,
) => pulumi.Resource | pulumi.Resource[];

/** Options of {@link customAdapter}. */
export interface CustomAdapterOptions {
  /** Record types the provider supports. @default all the plan can produce */
  readonly types?: DnsCapabilities["types"];
  /** TTL range the provider accepts. @default { min: 60, max: 604800 } */
  readonly ttl?: DnsCapabilities["ttl"];
}

/** Wraps a user function as a {@link DnsAdapter} that hands it one record set at a time. */
export function customAdapter(
  factory: CustomDnsFactory,
  options: CustomAdapterOptions = {},
): DnsAdapter {
  const capabilities: DnsCapabilities = {
    types: options.types ?? ["A", "AAAA", "CAA", "CNAME", "MX", "PTR", "SRV", "TXT"],
    ttl: options.ttl ?? { min: 60, max: 604800 },
  };
  return {
    kind: "custom",
    capabilities,
    audit(records: readonly DnsRecord[]): Finding[] {
      return auditCapabilities("custom", capabilities, records);
    },
    createRecords(bindings: readonly RecordBinding[], ctx: CreateContext): pulumi.Resource[] {
      return bindings.flatMap((b) => {
        const made = factory(
          {
            name: recordSetChildName(ctx.name, b.record),
            record: b.record,
            values: pulumi.all([...b.values]),
            ...(b.zoneId !== undefined ? { zoneId: b.zoneId } : {}),
          },
          ctx.opts,
        );
        return Array.isArray(made) ? made : [made];
      });
    },
  };
}
