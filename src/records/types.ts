/**
 * DNS record values as plain data: the record sets, zones, PTR expectations and MTA-STS policies
 * that the planner (`../plan`) produces and every reader (verify, diff, providers) consumes.
 * `--format json` prints them (see `docs/plan-json.md`), so changes here are API changes.
 */

/** DNS record types the library manages. */
export type RecordType = "A" | "AAAA" | "MX" | "TXT" | "CNAME" | "SRV" | "CAA" | "PTR";

/** Why a record exists, in mail terms; drives diff wording and verify checks. */
export type RecordPurpose =
  | "mx"
  | "host-address"
  | "spf"
  | "helo-spf"
  | "dkim"
  | "dmarc"
  | "dmarc-report-auth"
  | "mta-sts"
  | "tls-rpt"
  | "autoconfig"
  | "caa";

/** Which DNS provider publishes a zone. */
export type DnsProviderKind = "cloudflare" | "route53" | "zonefile";

/**
 * One DNS record set: all values of one name and type.
 *
 * Names are lowercase FQDNs without the trailing dot. `values` are RFC 1035 presentation-format
 * rdata with absolute names ending in a dot (`10 mail.example.com.`), except TXT, whose value is the
 * logical string unquoted and unsplit (`v=spf1 mx -all`); splitting into 255-character strings is
 * a rendering concern (zone file, Route53).
 */
export interface DnsRecord {
  /** The zone apex the record lives in, e.g. `example.com`. */
  readonly zone: string;
  readonly name: string;
  readonly type: RecordType;
  readonly ttl: number;
  /** Sorted, deduplicated. */
  readonly values: readonly string[];
  readonly purpose: RecordPurpose;
  /** The mail domain this record serves (the hostname for host records). */
  readonly domain: string;
}

/** A zone and where it is published. */
export interface ZonePlan {
  readonly zone: string;
  readonly provider: DnsProviderKind;
  /** Provider zone id (Cloudflare, Route53); absent for zone files. */
  readonly zoneId?: string;
  /** Records of this zone, sorted by name, type. */
  readonly records: readonly DnsRecord[];
}

/** The reverse DNS (PTR) a receiving server expects for one of the host's addresses. */
export interface PtrExpectation {
  readonly ip: string;
  /** The reverse name, e.g. `7.2.0.192.in-addr.arpa`. */
  readonly name: string;
  /** The hostname the PTR must name (and which must resolve back to `ip`). */
  readonly hostname: string;
}

/** The MTA-STS policy file a domain must serve over HTTPS (RFC 8461 §3.2). */
export interface MtaStsPolicyPlan {
  readonly domain: string;
  /** `https://mta-sts.<domain>/.well-known/mta-sts.txt` */
  readonly url: string;
  /** The policy text, CRLF line endings as RFC 8461 §3.2 asks. */
  readonly text: string;
  /** The id published in `_mta-sts.<domain>`. */
  readonly id: string;
  /** How it is served (spec `mtaSts.hosting.type`); absent when the spec names no hosting. */
  readonly hosting?: "files" | "cloudflare-worker" | "aws";
}
