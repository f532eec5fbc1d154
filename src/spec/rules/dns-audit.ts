/**
 * Ids reported by the DNS adapters' audits (`providers/dns/`): what a zone's DNS provider cannot
 * publish. The components fail on them before creating any record.
 */
import { ruleGroup } from "./context";

/** The DNS adapters' audits. */
export const DNS_AUDIT_RULES = ruleGroup({
  reportedBy: "the DNS adapter's audit (components)",
  rules: {
    "dns-type-unsupported": {
      level: "error",
      summary: "The zone's DNS provider cannot publish a record type the plan needs.",
      remediation: "Publish that zone with another DNS provider, or as a zone file.",
    },
    "dns-ttl-range": {
      level: "error",
      summary: "A TTL outside the range the zone's DNS provider accepts.",
      remediation: "Set the domain's `ttl` within the range the message names.",
    },
    "dns-cname-apex": {
      level: "error",
      summary:
        "A CNAME at a zone apex, where it cannot coexist with other records (RFC 1034 §3.6.2); Route53 refuses it.",
      remediation: "Give the CNAME another name, or publish address records at the apex.",
    },
  },
});
