/**
 * Shared by `MailServer` and `MailDomain`: binds planned records to deploy-time values and hands
 * them to the DNS adapter of their zone.
 */
import * as pulumi from "@pulumi/pulumi";
import { DKIM_PLACEHOLDER } from "../records/policies";
import type { DnsRecord, ZonePlan } from "../records/types";
import { adapterFor } from "../providers/dns";
import { customAdapter } from "../providers/dns/custom";
import type { DnsAdapter, RecordBinding } from "../providers/dns/types";
import { renderZoneFile } from "../plan/render/zone";
import type { Finding } from "../spec/findings";
import { mapInput, mapToOutput } from "../providers/inputs";
import { dkimPublicKeyBase64, spkiBase64FromPem } from "../records/policies";
import type { DomainArgs } from "./args";
import { selectorKey } from "../spec/material";

/**
 * The `<domain>/<selector>` key ({@link selectorKey}) of a DKIM record: its name is
 * `<selector>._domainkey.<domain>`.
 */
export function dkimRecordKey(r: Pick<DnsRecord, "name" | "domain">): string {
  const suffix = `._domainkey.${r.domain}`;
  if (!r.name.endsWith(suffix)) throw new Error(`${r.name}: not a DKIM record of ${r.domain}`);
  return selectorKey(r.domain, r.name.slice(0, -suffix.length));
}

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
 * Where a domain's DKIM `p=` value comes from at deploy time: a generated key's public PEM, an
 * adopted private key, or the value itself, and the pure function turning it into the value.
 */
export interface DkimPublicSource {
  readonly from: pulumi.Input<string>;
  readonly toBase64: (from: string) => string;
}

/** The source of a key generated in this deployment: its public PEM, not secret. */
export function generatedKeySource(key: {
  readonly publicKeyPem: pulumi.Output<string>;
}): DkimPublicSource {
  return { from: key.publicKeyPem, toBase64: spkiBase64FromPem };
}

/**
 * The source of an adopted private key: the public value is derived once (synchronously for a
 * plain string), so the private key itself never leaves its secret path.
 */
export function adoptedKeySource(privateKeyPem: pulumi.Input<string>): DkimPublicSource {
  const from =
    typeof privateKeyPem === "string"
      ? dkimPublicKeyBase64(privateKeyPem)
      : pulumi.unsecret(pulumi.output(privateKeyPem).apply(dkimPublicKeyBase64));
  return { from, toBase64: (v) => v };
}

/** The source of a `p=` value given as it is. */
export function givenKeySource(publicKeyBase64: pulumi.Input<string>): DkimPublicSource {
  return { from: publicKeyBase64, toBase64: (v) => v };
}

/**
 * The final text of value `i` of a structural record: the value of the plan computed with the
 * real IPs (`real`, when the IPs were Outputs) with the deployment's DKIM key in place of
 * {@link DKIM_PLACEHOLDER}. The one definition of a bound value: per-record Outputs and the
 * `records` output both use it.
 */
export function finalValue(
  r: DnsRecord,
  i: number,
  real: Readonly<Record<string, DnsRecord>> | undefined,
  key64: string | undefined,
): string {
  let value = r.values[i]!;
  if (real !== undefined) {
    const resolved = real[recordKey(r)];
    if (resolved === undefined || resolved.values.length !== r.values.length) {
      throw new Error(`${r.name} ${r.type}: the plan changed shape once values were known`);
    }
    value = resolved.values[i]!;
  }
  return key64 === undefined ? value : value.split(DKIM_PLACEHOLDER).join(key64);
}

/**
 * Binds each structural record to its deploy-time values. A value is a plain string unless it
 * waits for something: the IPs (`resolved`) or the record's own DKIM key. A DKIM record waits
 * only for its domain's key, through one `apply` on the key's source.
 *
 * @param resolved the same plan computed with the real IPs, as an Output, or `undefined` when the
 *   IPs were plain (then the structural values are the real ones).
 * @param dkimPublic the source of the `p=` value per `<domain>/<selector>`: the plan writes
 *   {@link DKIM_PLACEHOLDER} in a DKIM record whose key it was not given.
 */
export function bindRecords(
  records: readonly DnsRecord[],
  resolved: pulumi.Output<Readonly<Record<string, DnsRecord>>> | undefined,
  dkimPublic: ReadonlyMap<string, DkimPublicSource>,
  targets: ReadonlyMap<string, ZoneTarget>,
): RecordBinding[] {
  return records.map((r) => {
    const source = r.purpose === "dkim" ? dkimPublic.get(dkimRecordKey(r)) : undefined;
    const values = r.values.map((_, i): pulumi.Input<string> => {
      if (source === undefined) {
        return resolved === undefined
          ? finalValue(r, i, undefined, undefined)
          : resolved.apply((real) => finalValue(r, i, real, undefined));
      }
      if (resolved === undefined) {
        return mapInput(source.from, (from) => finalValue(r, i, undefined, source.toBase64(from)));
      }
      return pulumi
        .all([resolved, source.from])
        .apply(([real, from]) => finalValue(r, i, real, source.toBase64(from)));
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
  dependsOn?: (r: DnsRecord) => readonly pulumi.Resource[] | undefined,
): pulumi.Resource[] {
  // Records that must wait for other resources (the `_mta-sts` TXT for its served policy) are
  // created on their own, with `dependsOn`; child names depend on the record only, so splitting
  // them out renames nothing.
  const waiting = dependsOn === undefined ? [] : bindings.filter((b) => dependsOn(b.record));
  const out: pulumi.Resource[] = [];
  for (const b of waiting) {
    const create = targetOf(targets, b.record.zone).adapter.createRecords;
    out.push(...create([b], { name, opts: { parent, dependsOn: [...dependsOn!(b.record)!] } }));
  }
  if (waiting.length > 0) bindings = bindings.filter((b) => !waiting.includes(b));
  const byAdapter = groupByAdapter(bindings, targets);
  // deleteBeforeReplace stays false (the default): a new record exists before the old one goes.
  // A loop rather than flatMap: one frame less in the stack Pulumi records for every record.
  // `createRecords` is called without its adapter as receiver: V8 formats a method frame
  // (`Object.createRecords`) by looking up the receiver's type and method name, in each of the
  // ~80 stack traces Pulumi formats per record (see `DnsAdapter.createRecords`).
  for (const [adapter, bs] of byAdapter) {
    const create = adapter.createRecords;
    out.push(...create(bs, { name, opts: { parent } }));
  }
  return out;
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
 * The records with their final values (no secrets: values are public DNS data), as one Output
 * over the two things values wait for: the plan with the real IPs and the DKIM `p=` values of all
 * domains. Per-record Outputs are not gathered here: `pulumi.all` over n Outputs builds 2n + 1
 * more, which at 1,000 domains was most of the component's cost over hand-written code.
 *
 * @param keys the `p=` value per `<domain>/<selector>` (every selector with a
 *   {@link DkimPublicSource}).
 */
export function resolvedRecords(
  records: readonly DnsRecord[],
  resolved: pulumi.Output<Readonly<Record<string, DnsRecord>>> | undefined,
  keys: pulumi.Input<Readonly<Record<string, string>>> | undefined,
): pulumi.Output<DnsRecord[]> {
  const final = (
    real?: Readonly<Record<string, DnsRecord>>,
    k?: Readonly<Record<string, string>>,
  ) =>
    records.map((r) => {
      const key64 = r.purpose === "dkim" ? k?.[dkimRecordKey(r)] : undefined;
      if (real === undefined && key64 === undefined) return { ...r, values: [...r.values] };
      return { ...r, values: r.values.map((_, i) => finalValue(r, i, real, key64)) };
    });
  if (resolved === undefined && keys === undefined) return pulumi.output(final());
  if (resolved === undefined) return mapToOutput(keys!, (k) => final(undefined, k));
  return pulumi.all([resolved, keys]).apply(([real, k]) => final(real, k));
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
