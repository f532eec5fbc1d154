/**
 * The DNS diff as data: what a change to a mail server spec (or a `pulumi preview`) does to the
 * mail DNS records, one entry per record set, each described in mail terms. `computeDiff`
 * (`./compute.ts`) and `diffFromPreview` (`./preview.ts`) produce it; `renderMarkdown`,
 * `renderJson` and `renderTable` (`./render/`) print it. Modelled on octoDNS `Plan` (changes as
 * data, renderers apart) and DNSControl `diff2` (one verdict per name and type).
 */
import type { DnsStatus } from "../net/dns";
import type { RecordPurpose, RecordType } from "../records/types";

/**
 * One record set as it exists now: what a DNS server answered, or what Pulumi state holds.
 *
 * Values use the plan's canonical form (`DnsRecord` in `../records/types.ts`): presentation rdata
 * with absolute names ending in a dot, TXT as the joined logical string.
 */
export interface LiveRecordSet {
  /** Lowercase FQDN without the trailing dot. */
  readonly name: string;
  readonly type: RecordType;
  /** How the lookup ended; only `ok` carries values. @default "ok" */
  readonly status?: DnsStatus;
  /** Sorted canonical values; empty unless `status` is `ok`. */
  readonly values: readonly string[];
  /** Seconds; unknown for live DNS answers (the client does not report it). */
  readonly ttl?: number;
  /** Cloudflare proxying, when the source knows it (preview path). */
  readonly proxied?: boolean;
  /** The resolver's error text for failed lookups. */
  readonly detail?: string;
}

/**
 * What happens to one record set.
 *
 * - `create`, `update`, `delete`: the change would write DNS.
 * - `unchanged`: the record set is already as planned.
 * - `unmanaged`: a record this library does not manage (another TXT at the apex, a record at a
 *   managed name that no plan of ours produced): listed so reviewers see it is left alone, never
 *   deleted.
 * - `conflict`: something that breaks mail or that the change cannot decide (a second SPF
 *   record, an MX pointing elsewhere, a proxied mail host, a failed lookup, a CNAME at a name
 *   where the plan wants other records or other records where it wants a CNAME).
 */
export type ChangeKind = "create" | "update" | "delete" | "unchanged" | "unmanaged" | "conflict";

/** All kinds in report order. */
export const CHANGE_KINDS: readonly ChangeKind[] = [
  "create",
  "update",
  "delete",
  "conflict",
  "unmanaged",
  "unchanged",
];

/**
 * Why a reviewer should look twice. `mx`: where mail is delivered; `spf`: who may send;
 * `dmarc-policy`: what receivers do with failing mail; `dkim-key`: a signing key replaced or
 * removed (mail signed with the old key fails until caches expire); `delete`: a record removed.
 */
export type Risk = "mx" | "spf" | "dmarc-policy" | "dkim-key" | "delete";

/** All risks in report order. */
export const RISKS: readonly Risk[] = ["mx", "spf", "dmarc-policy", "dkim-key", "delete"];

/** Stable ids of conflicts. */
export type ConflictId =
  "spf-multiple" | "mx-elsewhere" | "cloudflare-proxied" | "lookup-failed" | "cname-conflict";

/** One entry of the diff: a record set and what happens to it. */
export interface Change {
  readonly kind: ChangeKind;
  /** The zone apex, e.g. `example.com`. */
  readonly zone: string;
  readonly name: string;
  readonly type: RecordType;
  /** The mail purpose of the record, when it has one. */
  readonly purpose?: RecordPurpose;
  /** Values now (sorted); empty for creates. */
  readonly before: readonly string[];
  /** Values after the change (sorted); empty for deletes. */
  readonly after: readonly string[];
  /** TTL now and after, when the source knows them. */
  readonly ttlBefore?: number;
  readonly ttlAfter?: number;
  /** One line in mail terms: `DMARC policy quarantine -> reject`. */
  readonly summary: string;
  /** Further lines in mail terms (every changed tag or term). @default [] */
  readonly details: readonly string[];
  /** Sorted in {@link RISKS} order. */
  readonly risks: readonly Risk[];
  /** For `conflict` entries: what conflicts. */
  readonly conflict?: ConflictId;
  /**
   * Where the entry comes from in a preview: the resource URN(s), sorted. Absent for live DNS.
   */
  readonly urns?: readonly string[];
  /** For preview entries: whether a pulumi-docker-mailserver component (`dms:` type) owns it. */
  readonly ownedByDms?: boolean;
}

/** Counts per kind. */
export type DiffCounts = Readonly<Record<ChangeKind, number>>;

/** Where the "before" side came from. */
export type DiffSource =
  | { readonly kind: "live"; readonly resolver: string }
  | { readonly kind: "preview"; readonly file: string };

/** The whole diff. Deterministic: same inputs, same entries in the same order. */
export interface Diff {
  readonly source: DiffSource;
  /** Zones touched, sorted. */
  readonly zones: readonly string[];
  /** Sorted by zone, kind order ({@link CHANGE_KINDS}), name, type, summary. */
  readonly changes: readonly Change[];
  readonly counts: DiffCounts;
  /** Number of changes carrying each risk. */
  readonly riskCounts: Readonly<Record<Risk, number>>;
  /** Caveats of the comparison, for the report ("live TTLs are not compared"). Sorted. */
  readonly notes: readonly string[];
  /**
   * Why lookups failed, when one cause explains a group of them (the DNS server does not answer,
   * a zone gets no answers): one sentence each. Absent when no lookup failed that way.
   */
  readonly rootCauses?: readonly string[];
}

/** Whether an entry writes DNS. */
export function isWrite(kind: ChangeKind): boolean {
  return kind === "create" || kind === "update" || kind === "delete";
}
