/**
 * Helpers shared by the DNS adapters: child names and the generic capability audit.
 */
import type { DnsRecord } from "../../records/types";
import type { Finding } from "../../spec/findings";
import type { DnsCapabilities } from "./types";

/**
 * A name fragment from free text: lowercase, every run of characters other than `a-z0-9` as one
 * `-`, no leading or trailing `-`. `mail.example.com` -> `mail-example-com`.
 */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * The child name of a record set: `${name}-${type}-${owner}`, e.g. `mail-mx-example-com`,
 * `mail-txt-mail-domainkey-example-com`. Stable public API: renaming it replaces a live record.
 */
export function recordSetChildName(name: string, record: DnsRecord): string {
  return `${name}-${record.type.toLowerCase()}-${slug(record.name)}`;
}

/**
 * The child name of one value of a record set for per-value providers (Cloudflare).
 *
 * Types whose sets can hold several values from the spec's structure (MX, SRV, CAA) key each
 * value by its text, so adding an issuer never renames another one, and a changed value is a new
 * record created before the old one is deleted. Their values never depend on deploy-time
 * Outputs (they name the hostname and issuers, which are plain strings). The other types (A, AAAA,
 * TXT, CNAME, PTR) hold exactly one planned value whose text may be unknown until deploy (an IP,
 * a DKIM key): the first value is keyed by the set alone, any further one by its position.
 */
export function recordValueChildName(
  name: string,
  record: DnsRecord,
  index: number,
  structuralValue: string,
): string {
  const base = recordSetChildName(name, record);
  if (KEYED_BY_VALUE.has(record.type)) return `${base}-${slug(structuralValue)}`;
  return index === 0 ? base : `${base}-${index + 1}`;
}

const KEYED_BY_VALUE = new Set<DnsRecord["type"]>(["MX", "SRV", "CAA"]);

/** Findings for record types or TTLs a provider cannot take. */
export function auditCapabilities(
  kind: string,
  capabilities: DnsCapabilities,
  records: readonly DnsRecord[],
): Finding[] {
  const findings: Finding[] = [];
  for (const r of records) {
    if (!capabilities.types.includes(r.type)) {
      findings.push({
        id: "dns-type-unsupported",
        level: "error",
        path: "domains",
        message: `${r.name} ${r.type}: the ${kind} adapter cannot publish ${r.type} records`,
        remediation: `Publish this zone (${r.zone}) with another DNS provider, or as a zone file.`,
      });
    }
    if (r.ttl < capabilities.ttl.min || r.ttl > capabilities.ttl.max) {
      findings.push({
        id: "dns-ttl-range",
        level: "error",
        path: "domains",
        message: `${r.name} ${r.type}: ${kind} accepts TTLs from ${capabilities.ttl.min} to ${capabilities.ttl.max} seconds, got ${r.ttl}`,
        remediation: `Set the domain's ttl within ${capabilities.ttl.min}..${capabilities.ttl.max}.`,
      });
    }
  }
  return findings;
}
