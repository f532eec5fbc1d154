/**
 * The plan: everything a mail server needs, as plain data computed purely from the spec.
 * Pulumi components, `dmsctl plan`, `dmsctl diff` and `dmsctl verify` all read this one shape;
 * none of them re-derives a record, a file or a port. `--format json` prints it (see
 * `docs/plan-json.md`), so changes here are API changes.
 */
import type { Finding } from "../spec/findings";

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

/**
 * How docker-mailserver picks up a change to a file (dms-reference.md §1.2): `live` files are
 * watched by the changedetector and reloaded in place; `recreate` files are read at startup only,
 * so a change must replace the container.
 */
export type ReloadMode = "live" | "recreate";

/** A file under the DMS config volume (`/tmp/docker-mailserver`). */
export interface DmsFile {
  /** Relative to the config volume, e.g. `postfix-accounts.cf`, `rspamd/dkim/...`. */
  readonly path: string;
  /** LF line endings and a final newline, always. */
  readonly content: string;
  readonly reload: ReloadMode;
  /** Holds password hashes, private keys or credentials: a Pulumi secret, mode 0600 on disk. */
  readonly secret: boolean;
  /**
   * POSIX permission bits for the file on disk, when it needs more than the default
   * (`user-patches.sh` is executable). @default 0o600 when `secret`, else 0o644
   */
  readonly mode?: number;
}

/** The services DMS offers, by name. */
export type ServiceName =
  "smtp" | "submissions" | "submission" | "imap" | "imaps" | "pop3" | "pop3s" | "managesieve";

/** Reachability of one service: the source of Docker publishing and firewall rules. */
export interface PortRule {
  readonly service: ServiceName;
  readonly port: number;
  readonly protocol: "tcp";
  /** `public`: published and opened; `private`: published on `bind` only; `off`: not published. */
  readonly expose: "public" | "private" | "off";
  /** Host addresses the port is published on (empty when off). */
  readonly bind: readonly string[];
  /** Source CIDRs the firewall allows (public services), `0.0.0.0/0` and `::/0` for anywhere. */
  readonly allowFrom: readonly string[];
  /** What the port carries, for humans: "SMTP (MTA to MTA, STARTTLS)". */
  readonly description: string;
}

/** A named volume of the container. */
export interface VolumePlan {
  /** Suffix of the Docker volume name: `mail-data`, `mail-state`, `mail-logs`, `config`. */
  readonly name: string;
  readonly containerPath: string;
  /** Survives `pulumi destroy` and container replacement. */
  readonly retain: boolean;
}

/** A host path mounted into the container (TLS material). */
export interface BindMountPlan {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly: boolean;
}

/** The container, as data. */
export interface ContainerPlan {
  /** `repository:tag`. */
  readonly image: string;
  readonly hostname: string;
  /** `mailserver.env` entries, sorted by name. Never holds a secret (secrets go in `__FILE` files). */
  readonly env: readonly (readonly [string, string])[];
  readonly volumes: readonly VolumePlan[];
  readonly bindMounts: readonly BindMountPlan[];
  readonly capAdd: readonly string[];
  /** Memory limit in bytes, when set. */
  readonly memoryBytes?: number;
  readonly dns?: readonly string[];
  readonly restart: "always";
  readonly stopGracePeriodSeconds: number;
  readonly healthcheck: {
    readonly test: readonly string[];
    readonly intervalSeconds: number;
    readonly timeoutSeconds: number;
    readonly retries: number;
    readonly startPeriodSeconds: number;
  };
  /**
   * sha256 over the env and every `recreate` file: when it changes, the container must be
   * replaced (dms-reference.md §9.2). Live files are deliberately not part of it.
   */
  readonly recreateHash: string;
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
}

/** Everything the spec becomes. Deterministic: same spec, byte-identical plan. */
export interface Plan {
  readonly hostname: string;
  readonly zones: readonly ZonePlan[];
  /** All records of all zones, sorted by zone, name, type. */
  readonly records: readonly DnsRecord[];
  readonly ptr: readonly PtrExpectation[];
  /** Sorted by path. */
  readonly files: readonly DmsFile[];
  readonly container: ContainerPlan;
  /** Sorted by port. */
  readonly ports: readonly PortRule[];
  /** Non-blocking findings (warn/info), sorted. Errors never reach a plan. */
  readonly warnings: readonly Finding[];
  /** MTA-STS policy files to serve, sorted by domain (empty or absent without `mtaSts`). */
  readonly mtaStsPolicies?: readonly MtaStsPolicyPlan[];
}
