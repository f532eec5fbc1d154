/**
 * Records per zone: the pure function from a validated spec to every DNS record a receiving server
 * checks (MX, A/AAAA, SPF, DKIM, DMARC, the optional MTA-STS, TLS-RPT, SRV and CAA, and DMARC
 * report authorizations), the zones they live in and the PTR each address should have.
 *
 * Deterministic and order-independent: domains are processed in sorted order, values are
 * deduplicated and sorted, records sorted by zone, name, type, and findings name domains rather
 * than list positions, so reordering the spec changes nothing in the output.
 */
import { selectorKey } from "../spec/material";
import type { MailServerSpec, DomainSpec } from "../spec/schema";
import {
  SERVICE_PORTS,
  cnameTarget,
  serviceExposure,
  effectiveFeatures,
  retiringSelectors,
} from "../spec/derived";
import { cmp, sortFindings, type Finding } from "../spec/findings";
import type {
  DnsProviderKind,
  DnsRecord,
  MtaStsPolicyPlan,
  PtrExpectation,
  RecordPurpose,
  RecordType,
  ZonePlan,
} from "../records/types";
import type { ServiceName } from "../spec/derived";
import { DKIM_PLACEHOLDER } from "../records/policies";
import type { PlanMaterial } from "../spec/material";
import { isInZone, parentName, reverseName } from "../records/names";
import { canonicalIpv6 } from "../spec/ip";
import {
  renderA,
  renderAaaa,
  renderCaa,
  renderMx,
  renderSrv,
  SRV_NOT_AVAILABLE,
  type SrvValue,
} from "../records/values";
import {
  DMARC_REPORT_AUTH_TEXT,
  dkimName,
  dkimText,
  dmarcReportAuthName,
  dmarcText,
  heloSpfText,
  mailtoDomain,
  mtaStsPolicyId,
  mtaStsPolicyText,
  mtaStsText,
  spfText,
  tlsRptText,
} from "../records/policies";

/** What {@link planRecords} returns. */
export interface RecordsPlan {
  /** Zones sorted by apex, each with its records. */
  readonly zones: ZonePlan[];
  /** All records, sorted by zone, name, type. */
  readonly records: DnsRecord[];
  readonly ptr: PtrExpectation[];
  /** MTA-STS policy files, sorted by domain (empty when no domain has `mtaSts`). */
  readonly mtaStsPolicies: MtaStsPolicyPlan[];
  /** warn/info findings about the records, sorted by level, path, id, message. */
  readonly findings: Finding[];
}

/** TTL of host records when the hostname is in no managed domain. */
const FALLBACK_TTL = 3600;
/** How many domain names a summarising finding lists before "and N more". */
const LIST_MAX = 5;

interface ZoneInfo {
  readonly provider: DnsProviderKind;
  readonly zoneId?: string;
}

/** Accumulates record sets keyed by zone, name and type. */
class RecordSets {
  private readonly sets = new Map<
    string,
    {
      zone: string;
      name: string;
      type: RecordType;
      ttl: number;
      values: Set<string>;
      purpose: RecordPurpose;
      domain: string;
    }
  >();

  add(
    zone: string,
    name: string,
    type: RecordType,
    ttl: number,
    values: readonly string[],
    purpose: RecordPurpose,
    domain: string,
  ): void {
    const key = `${zone}\u0000${name}\u0000${type}`;
    const set = this.sets.get(key);
    if (set === undefined) {
      this.sets.set(key, { zone, name, type, ttl, values: new Set(values), purpose, domain });
      return;
    }
    // One record set per name and type (RFC 2181 §5.2: one TTL per set, the lowest wins).
    set.ttl = Math.min(set.ttl, ttl);
    for (const v of values) set.values.add(v);
  }

  has(zone: string, name: string, type: RecordType): boolean {
    return this.sets.has(`${zone}\u0000${name}\u0000${type}`);
  }

  sorted(): DnsRecord[] {
    return [...this.sets.values()]
      .map((s) => ({
        zone: s.zone,
        name: s.name,
        type: s.type,
        ttl: s.ttl,
        values: [...s.values].sort(cmp),
        purpose: s.purpose,
        domain: s.domain,
      }))
      .sort(compareRecords);
  }
}

/** Orders records by zone, name, type (plain code-unit comparison). */
export function compareRecords(a: DnsRecord, b: DnsRecord): number {
  return cmp(a.zone, b.zone) || cmp(a.name, b.name) || cmp(a.type, b.type);
}

/** The zone apex a domain's records live in: its `dns.zone`, else the domain itself. */
export function zoneOf(domain: DomainSpec): string {
  return domain.dns.zone ?? domain.name;
}

/**
 * Every DNS record of the spec, grouped into zones, with the PTR expectations and findings.
 * Assumes a validated spec (`validateSpec`); DKIM keys come from `material.dkimKeys`, and a domain
 * without one gets {@link DKIM_PLACEHOLDER} and an info finding.
 */
export function planRecords(spec: MailServerSpec, material: PlanMaterial): RecordsPlan {
  const domains = [...spec.domains].sort((a, b) => cmp(a.name, b.name));
  const byName = new Map(domains.map((d) => [d.name, d]));
  const host = spec.hostname;
  const ipv4 = spec.ipv4;
  const ipv6 = spec.ipv6 === undefined ? undefined : canonicalIpv6(spec.ipv6);
  const sets = new RecordSets();
  const zones = new Map<string, ZoneInfo>();
  const findings: Finding[] = [];
  const policies: MtaStsPolicyPlan[] = [];
  const placeholders: string[] = [];

  for (const d of domains) {
    const zone = zoneOf(d);
    if (!zones.has(zone)) {
      zones.set(zone, {
        provider: d.dns.provider,
        ...("zoneId" in d.dns ? { zoneId: d.dns.zoneId } : {}),
      });
    }
    const add = (name: string, type: RecordType, values: string[], purpose: RecordPurpose) =>
      sets.add(zone, name, type, d.ttl, values, purpose, d.name);

    add(d.name, "MX", [renderMx({ priority: d.mxPriority, host })], "mx");
    add(
      d.name,
      "TXT",
      [spfText({ mx: d.spf.mx, ipv4, ipv6, mechanisms: d.spf.mechanisms, all: d.spf.all })],
      "spf",
    );
    if (d.dkim.enabled && d.dkim.cname !== undefined) {
      // Delegated: the provider holding the key publishes it; we publish the pointer.
      add(dkimName(d.dkim.selector, d.name), "CNAME", [cnameTarget(d.dkim.cname)], "dkim");
    } else if (d.dkim.enabled) {
      const key = material.dkimKeys.get(d.name);
      if (key === undefined) placeholders.push(d.name);
      add(
        dkimName(d.dkim.selector, d.name),
        "TXT",
        [dkimText(key?.publicKeyBase64 ?? DKIM_PLACEHOLDER)],
        "dkim",
      );
    }
    if (d.dkim.enabled) {
      // Retiring selectors stay published so mail they signed still verifies (a rotation's
      // overlap); they never sign (the DMS files name only `selector`).
      for (const selector of retiringSelectors(d.dkim)) {
        const old = material.retiringDkimKeys?.get(selectorKey(d.name, selector));
        add(
          dkimName(selector, d.name),
          "TXT",
          [dkimText(old?.publicKeyBase64 ?? DKIM_PLACEHOLDER)],
          "dkim",
        );
      }
    }
    if (d.dmarc.cname !== undefined) {
      add(`_dmarc.${d.name}`, "CNAME", [cnameTarget(d.dmarc.cname)], "dmarc");
    } else add(`_dmarc.${d.name}`, "TXT", [dmarcText(d.dmarc)], "dmarc");
    if (d.mtaSts !== undefined) {
      const text = mtaStsPolicyText({ mode: d.mtaSts.mode, mx: [host], maxAge: d.mtaSts.maxAge });
      const id = d.mtaSts.id ?? mtaStsPolicyId(text);
      const url = `https://mta-sts.${d.name}/.well-known/mta-sts.txt`;
      add(`_mta-sts.${d.name}`, "TXT", [mtaStsText(id)], "mta-sts");
      const hosting = d.mtaSts.hosting?.type;
      policies.push({
        domain: d.name,
        url,
        text,
        id,
        ...(hosting !== undefined ? { hosting } : {}),
      });
      // A Cloudflare or AWS hosting serves it; with none or `files`, serving is the user's part.
      const served = d.mtaSts.hosting !== undefined && d.mtaSts.hosting.type !== "files";
      if (!served)
        findings.push({
          id: "mta-sts-policy-https",
          level: "warn",
          path: "domains",
          message: `${d.name}: the MTA-STS policy must be served over HTTPS at ${url} (with a certificate valid for mta-sts.${d.name}); without it, senders ignore the _mta-sts record`,
          remediation: `Serve the policy text from the plan (mtaStsPolicies) at ${url}.`,
        });
    }
    if (d.tlsRpt !== undefined) {
      add(`_smtp._tls.${d.name}`, "TXT", [tlsRptText(d.tlsRpt.rua)], "tls-rpt");
    }
    if (d.autoconfig) {
      for (const [service, value] of autoconfigSrv(spec)) {
        add(`_${service}._tcp.${d.name}`, "SRV", [renderSrv(value)], "autoconfig");
      }
    }
    if (d.caa !== undefined) {
      const values = d.caa.issuers.map((issuer) => renderCaa({ tag: "issue", value: issuer }));
      if (d.caa.iodef !== undefined) values.push(renderCaa({ tag: "iodef", value: d.caa.iodef }));
      add(d.name, "CAA", values, "caa");
    }
  }

  // DMARC reports sent to another domain need that domain's consent (RFC 7489 §7.1). We publish it
  // when we manage the other domain, and say so when we do not.
  const external = new Map<string, Set<string>>();
  for (const d of domains) {
    const targets = new Set(
      [...d.dmarc.rua, ...d.dmarc.ruf].map(mailtoDomain).filter((t) => t !== undefined),
    );
    for (const target of [...targets].sort(cmp)) {
      if (target === d.name) continue;
      const other = byName.get(target);
      if (other === undefined) {
        const set = external.get(target) ?? new Set<string>();
        set.add(d.name);
        external.set(target, set);
        continue;
      }
      sets.add(
        zoneOf(other),
        dmarcReportAuthName(d.name, target),
        "TXT",
        other.ttl,
        [DMARC_REPORT_AUTH_TEXT],
        "dmarc-report-auth",
        other.name,
      );
    }
  }
  for (const [target, sources] of [...external].sort((a, b) => cmp(a[0], b[0]))) {
    for (const source of [...sources].sort(cmp)) {
      findings.push({
        id: "dmarc-report-external",
        level: "info",
        path: "domains",
        message: `${source}: DMARC reports go to ${target}, which this spec does not manage; it must publish TXT "v=DMARC1" at ${dmarcReportAuthName(source, target)} or receivers drop the reports`,
      });
    }
  }

  // The mail host's own records go to the zone of the longest managed domain containing it.
  const hostDomain = domains
    .filter((d) => isInZone(host, d.name) || isInZone(host, zoneOf(d)))
    .sort((a, b) => b.name.length - a.name.length || cmp(a.name, b.name))[0];
  let hostZone: string;
  let hostTtl: number;
  if (hostDomain !== undefined) {
    hostZone = zoneOf(hostDomain);
    hostTtl = hostDomain.ttl;
  } else {
    hostZone = parentName(host);
    hostTtl = FALLBACK_TTL;
    if (!zones.has(hostZone)) zones.set(hostZone, { provider: "zonefile" });
    findings.push({
      id: "hostname-zone-unmanaged",
      level: "warn",
      path: "hostname",
      message: `${JSON.stringify(host)} is in no managed domain; its A/AAAA and HELO SPF records are planned in a zone file for ${hostZone}`,
      remediation: `Publish the records of zone ${hostZone} at its DNS host, or add the domain that holds ${host} to domains[].`,
    });
  }
  if (ipv4 !== undefined)
    sets.add(hostZone, host, "A", hostTtl, [renderA(ipv4)], "host-address", host);
  if (ipv6 !== undefined) {
    sets.add(hostZone, host, "AAAA", hostTtl, [renderAaaa(ipv6)], "host-address", host);
  }
  if (ipv4 === undefined && ipv6 === undefined) {
    findings.push({
      id: "host-address-unknown",
      level: "warn",
      path: "hostname",
      message: `no ipv4 or ipv6 given, so no A/AAAA record is planned for ${host}; MX records point to it and it must resolve`,
      remediation:
        "Set ipv4 (and ipv6 when the host has one), or publish the address records elsewhere.",
    });
  }
  // A bare-domain host (hostname = a mail domain) already has that domain's SPF, which covers
  // HELO; a second SPF record at the same name would make SPF fail (RFC 7208 §3.2, permerror).
  if (!sets.has(hostZone, host, "TXT")) {
    sets.add(hostZone, host, "TXT", hostTtl, [heloSpfText(ipv4, ipv6)], "helo-spf", host);
  }

  if (placeholders.length > 0) {
    findings.push({
      id: "dkim-generated-at-deploy",
      level: "info",
      path: "domains",
      message: `no DKIM key supplied for ${listNames(placeholders)}: the key is generated at deploy and the TXT shows the placeholder p=${DKIM_PLACEHOLDER}`,
      remediation: "Give dkim.privateKeyFile (dmsctl) or dkim.privateKey to plan the real value.",
    });
  }

  const records = sets.sorted();
  // Records are sorted by zone first, so each zone's records are one run of the list.
  const byZone = new Map<string, DnsRecord[]>();
  for (const r of records) {
    const list = byZone.get(r.zone);
    if (list === undefined) byZone.set(r.zone, [r]);
    else list.push(r);
  }
  const zonePlans: ZonePlan[] = [...zones]
    .sort((a, b) => cmp(a[0], b[0]))
    .map(([zone, info]) => ({
      zone,
      provider: info.provider,
      ...(info.zoneId !== undefined ? { zoneId: info.zoneId } : {}),
      records: byZone.get(zone) ?? [],
    }));
  return {
    zones: zonePlans,
    records,
    ptr: planPtr(host, ipv4, ipv6),
    mtaStsPolicies: policies,
    findings: sortFindings(findings),
  };
}

/** The PTR each of the host's addresses should have: forward-confirmed to the hostname. */
export function planPtr(hostname: string, ipv4?: string, ipv6?: string): PtrExpectation[] {
  const out: PtrExpectation[] = [];
  if (ipv4 !== undefined) out.push({ ip: ipv4, name: reverseName(ipv4), hostname });
  if (ipv6 !== undefined) {
    const ip = canonicalIpv6(ipv6);
    out.push({ ip, name: reverseName(ip), hostname });
  }
  return out;
}

/**
 * Client autoconfiguration SRV records (RFC 6186, RFC 8314 §5.1 for `_submissions`), one per
 * service, with `0 0 0 .` for a service that is off (RFC 6186 §3.4). POP3 appears only when the
 * feature is on.
 */
export function autoconfigSrv(spec: MailServerSpec): [string, SrvValue][] {
  const services: [string, ServiceName][] = [
    ["submissions", "submissions"],
    ["submission", "submission"],
    ["imaps", "imaps"],
    ["imap", "imap"],
  ];
  if (effectiveFeatures(spec).pop3) services.push(["pop3s", "pop3s"], ["pop3", "pop3"]);
  return services.map(([label, service]) => [
    label,
    serviceExposure(spec, service).expose === "off"
      ? SRV_NOT_AVAILABLE
      : { priority: 0, weight: 1, port: SERVICE_PORTS[service], target: spec.hostname },
  ]);
}

function listNames(names: readonly string[]): string {
  const sorted = [...names].sort(cmp);
  if (sorted.length <= LIST_MAX) return sorted.join(", ");
  return `${sorted.slice(0, LIST_MAX).join(", ")} and ${sorted.length - LIST_MAX} more`;
}
