/**
 * The one interface every DNS provider adapter implements (STYLE.md convention 6, after
 * DNSControl's `providers/*` and octoDNS's `SUPPORTS`): each adapter declares how it groups
 * records, what it can publish, audits provider-specific rules, and translates planned records
 * into Pulumi resources. Adding a provider touches one folder under `src/providers/dns/`.
 *
 * Adapters translate; they never decide which records exist (that is `planRecords`) nor render
 * values differently from the plan's canonical text, except for the provider's wire format
 * (Cloudflare's `data` blocks, Route53's quoted TXT strings).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DnsRecord, RecordType } from "../../records/types";
import type { Finding } from "../../spec/findings";

/**
 * How a provider models records: `record` (one API object per value: Cloudflare) or `recordSet`
 * (one object per name and type holding every value: Route53). Decides the children per record.
 */
export type Granularity = "record" | "recordSet";

/** What a provider can publish. */
export interface DnsCapabilities {
  /** Record types the adapter can create. */
  readonly types: readonly RecordType[];
  /** Smallest and largest TTL the provider accepts, in seconds. */
  readonly ttl: { readonly min: number; readonly max: number };
  /** Whether the adapter creates resources at all (`false` for the zone-file adapter). */
  readonly managesResources: boolean;
}

/**
 * One planned record set bound to deploy-time values. `record` carries the structure (zone, name,
 * type, TTL, purpose) known when the component is constructed; `values` are the final values in
 * the same order as `record.values`, each possibly an Output (an IP of an instance, a DKIM key
 * generated in the same deployment).
 */
export interface RecordBinding {
  readonly record: DnsRecord;
  readonly values: readonly pulumi.Input<string>[];
  /** The provider's zone id (Cloudflare zone, Route53 hosted zone); absent for zone files. */
  readonly zoneId?: pulumi.Input<string>;
}

/** Where and how an adapter creates its children. */
export interface CreateContext {
  /** The owning component's name: every child name starts with it (STYLE.md convention 4). */
  readonly name: string;
  /** Options for every child: `parent` (and through it the user's providers), never `deleteBeforeReplace`. */
  readonly opts: pulumi.CustomResourceOptions;
}

/** A DNS provider adapter. */
export interface DnsAdapter {
  /** Short name used in findings and docs: `cloudflare`, `route53`, `zonefile`, `custom`. */
  readonly kind: string;
  readonly granularity: Granularity;
  readonly capabilities: DnsCapabilities;
  /** Provider rules the plan does not know about; `error` findings stop the deployment. */
  audit(records: readonly DnsRecord[]): Finding[];
  /**
   * Registers the resources publishing `bindings`. Child names are derived from `ctx.name` and
   * the record identity only, never from list positions of other records, so adding a record
   * never renames another (a rename would replace a live DNS record). Called as a plain
   * function, without the adapter as `this`.
   */
  readonly createRecords: (
    bindings: readonly RecordBinding[],
    ctx: CreateContext,
  ) => pulumi.Resource[];
}
