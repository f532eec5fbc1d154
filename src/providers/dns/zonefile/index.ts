/**
 * Zone-file adapter: creates no resources. The records reach DNS through whatever hosts the zone:
 * the component's `zoneFiles` output holds the text (rendered by `src/plan/render`), ready for
 * BIND, Knot, PowerDNS or a provider's zone import.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { DnsAdapter, DnsCapabilities } from "../types";
import type { DnsRecord } from "../../../records/types";
import type { Finding } from "../../../spec/findings";

/** A zone file holds any type; TTLs are 32-bit (RFC 2181 §8). */
export const ZONEFILE_CAPABILITIES: DnsCapabilities = {
  types: ["A", "AAAA", "CAA", "CNAME", "MX", "PTR", "SRV", "TXT"],
  ttl: { min: 0, max: 2147483647 },
};

/** Zone-file adapter: the records reach DNS as text, so it creates nothing. */
export const zonefileAdapter: DnsAdapter = {
  kind: "zonefile",
  capabilities: ZONEFILE_CAPABILITIES,
  audit(_records: readonly DnsRecord[]): Finding[] {
    return [];
  },
  createRecords(): pulumi.Resource[] {
    return [];
  },
};
