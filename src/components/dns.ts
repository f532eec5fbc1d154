/**
 * Shared by `MailServer` and `MailDomain`: binds planned records to deploy-time values and hands
 * them to the DNS adapter of their zone.
 */
import * as pulumi from "@pulumi/pulumi";
import { DKIM_PLACEHOLDER } from "../plan/material";
import type { DnsRecord, ZonePlan } from "../plan/types";
import { adapterFor } from "../providers/dns";
import { customAdapter } from "../providers/dns/custom";
import type { DnsAdapter, RecordBinding } from "../providers/dns/types";
import { renderZoneFile } from "../plan/render/zone";
import type { Finding } from "../spec/findings";
import type { DomainArgs } from "./args";

/** Where one zone is published. */
export interface ZoneTarget {
  readonly adapter: DnsAdapter;
  readonly zoneId?: pulumi.Input<string>;
}

/** The key of a record set: zone, name and type. */
export function recordKey(r: Pick<DnsRecord, "zone" | "name" | "type">): string {
  return `${r.zone}\u0000${r.name}\u0000${r.type}`;
}

/**
 * The adapter and zone id of every zone named by the domains (`dns.zone`, else the domain). The
 * first domain naming a zone decides, as in `planRecords`. Zone ids are taken from the arguments,
 * not the plan, so an Output zone id stays the same Output (a preview shows no needless change).
 */
export function zoneTargets(domains: readonly DomainArgs[]): Map<string, ZoneTarget> {
  const out = new Map<string, ZoneTarget>();
  const sorted = [...domains].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const d of sorted) {
    const zone = d.dns?.zone ?? d.name;
    if (out.has(zone)) continue;
    const dns = d.dns ?? { provider: "zonefile" as const };
    switch (dns.provider) {
      case "cloudflare":
      case "route53":
        out.set(zone, { adapter: adapterFor(dns.provider), zoneId: dns.zoneId });
        break;
      case "zonefile":
        out.set(zone, { adapter: adapterFor("zonefile") });
        break;
      case "custom":
        out.set(zone, {
          adapter: customAdapter(dns.createRecord, {
            ...(dns.types !== undefined ? { types: dns.types } : {}),
            ...(dns.ttl !== undefined ? { ttl: dns.ttl } : {}),
          }),
          ...(dns.zoneId !== undefined ? { zoneId: dns.zoneId } : {}),
        });
        break;
      default: {
        const _: never = dns;
        throw new Error(`unknown DNS provider ${JSON.stringify(_)}`);
      }
    }
  }
  return out;
}

/** The target of a zone; zones no domain names (the host's fallback zone) are zone files. */
export function targetOf(targets: ReadonlyMap<string, ZoneTarget>, zone: string): ZoneTarget {
  return targets.get(zone) ?? { adapter: adapterFor("zonefile") };
}

/**
 * Binds each structural record to its deploy-time values.
 *
 * @param resolved the same plan computed with the real IPs, as an Output, or `undefined` when the
 *   IPs were plain (then the structural values are the real ones).
 * @param dkimPublic the `p=` value per domain: the plan writes {@link DKIM_PLACEHOLDER} in a DKIM
 *   record whose key it was not given, and the key generated in this deployment replaces it here,
 *   so only that one record waits for the key.
 */
export function bindRecords(
  records: readonly DnsRecord[],
  resolved: pulumi.Output<Readonly<Record<string, DnsRecord>>> | undefined,
  dkimPublic: ReadonlyMap<string, pulumi.Input<string>>,
  targets: ReadonlyMap<string, ZoneTarget>,
): RecordBinding[] {
  return records.map((r) => {
    const key = recordKey(r);
    const values = r.values.map((structural, i): pulumi.Input<string> => {
      const base: pulumi.Input<string> =
        resolved === undefined
          ? structural
          : resolved.apply((m) => {
              const real = m[key];
              if (real === undefined || real.values.length !== r.values.length) {
                throw new Error(
                  `${r.name} ${r.type}: the plan changed shape once values were known`,
                );
              }
              return real.values[i]!;
            });
      const key64 = r.purpose === "dkim" ? dkimPublic.get(r.domain) : undefined;
      if (key64 === undefined) return base;
      const withKey = (b: string, k: string) => b.split(DKIM_PLACEHOLDER).join(k);
      return typeof base === "string"
        ? pulumi.output(key64).apply((k) => withKey(base, k))
        : pulumi.all([base, key64]).apply(([b, k]) => withKey(b, k));
    });
    const zoneId = targetOf(targets, r.zone).zoneId;
    return { record: r, values, ...(zoneId !== undefined ? { zoneId } : {}) };
  });
}

/** Audit findings of every adapter over the records it publishes. */
export function auditRecords(
  bindings: readonly RecordBinding[],
  targets: ReadonlyMap<string, ZoneTarget>,
): Finding[] {
  const byAdapter = groupByAdapter(bindings, targets);
  return [...byAdapter].flatMap(([adapter, bs]) => adapter.audit(bs.map((b) => b.record)));
}

/** Creates every record through its zone's adapter. */
export function publishRecords(
  name: string,
  bindings: readonly RecordBinding[],
  targets: ReadonlyMap<string, ZoneTarget>,
  parent: pulumi.Resource,
): pulumi.Resource[] {
  const byAdapter = groupByAdapter(bindings, targets);
  // deleteBeforeReplace stays false (the default): a new record exists before the old one goes.
  return [...byAdapter].flatMap(([adapter, bs]) =>
    adapter.createRecords(bs, { name, opts: { parent } }),
  );
}

function groupByAdapter(
  bindings: readonly RecordBinding[],
  targets: ReadonlyMap<string, ZoneTarget>,
): Map<DnsAdapter, RecordBinding[]> {
  const out = new Map<DnsAdapter, RecordBinding[]>();
  for (const b of bindings) {
    const adapter = targetOf(targets, b.record.zone).adapter;
    const list = out.get(adapter) ?? [];
    list.push(b);
    out.set(adapter, list);
  }
  return out;
}

/**
 * The records with their final values (no secrets: values are public DNS data). Only bindings that
 * hold an Output (a generated DKIM key, an IP from another resource) are waited on; the rest are
 * plain already, so a 1,000-domain server builds a few hundred Outputs here, not thousands.
 */
export function resolvedRecords(bindings: readonly RecordBinding[]): pulumi.Output<DnsRecord[]> {
  const pending = bindings.filter((b) => b.values.some((v) => typeof v !== "string"));
  return pulumi.all(pending.map((b) => pulumi.all([...b.values]))).apply((resolved) => {
    const byBinding = new Map(pending.map((b, i) => [b, resolved[i]!] as const));
    return bindings.map((b) => ({
      ...b.record,
      values: byBinding.get(b) ?? (b.values as readonly string[]),
    }));
  });
}

/** Zone file text per zone apex, rendered by `src/plan/render/zone.ts` from the final records. */
export function zoneFileTexts(
  zones: readonly ZonePlan[],
  records: pulumi.Output<DnsRecord[]>,
): pulumi.Output<Record<string, string>> {
  return records.apply((rs) => {
    // One grouping pass: filtering per zone was quadratic (1,000 zones x 5,000 records).
    const byZone = new Map<string, DnsRecord[]>();
    for (const r of rs) {
      const list = byZone.get(r.zone);
      if (list === undefined) byZone.set(r.zone, [r]);
      else list.push(r);
    }
    const out: Record<string, string> = {};
    for (const z of zones)
      out[z.zone] = renderZoneFile({ ...z, records: byZone.get(z.zone) ?? [] });
    return out;
  });
}
