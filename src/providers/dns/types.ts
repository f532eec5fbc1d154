/**
 * The one interface every DNS provider adapter implements (STYLE.md convention 6, after
 * DNSControl's `providers/*` and octoDNS's `SUPPORTS`): each adapter declares what it can publish,
 * audits provider-specific rules, and translates planned records into Pulumi resources. Adding a
 * provider touches one folder under `src/providers/dns/`: the adapter (`index.ts`), the wire form
 * of values in both directions (`values.ts`), and the reader of its own resources in a
 * `pulumi preview --json` (`preview.ts`, registered in `../readers.ts`).
 *
 * How a provider models records (one API object per value for Cloudflare, per record set for
 * Route53) is the adapter's own business, in `createRecords` and its child names; the diff
 * reports every provider by record set (name and type), so nothing else needs to know it.
 *
 * Adapters translate; they never decide which records exist (that is `planRecords`) nor render
 * values differently from the plan's canonical text, except for the provider's wire format
 * (Cloudflare's `data` blocks, Route53's quoted TXT strings).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DnsRecord, RecordType } from "../../records/types";
import type { Finding } from "../../spec/findings";

/** What a provider can publish. */
export interface DnsCapabilities {
  /** Record types the adapter can create. */
  readonly types: readonly RecordType[];
  /** Smallest and largest TTL the provider accepts, in seconds. */
  readonly ttl: { readonly min: number; readonly max: number };
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
