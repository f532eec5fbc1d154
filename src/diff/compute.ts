/**
 * The pure core of `dmsctl diff`: compares the plan's desired records with what exists now and
 * returns sorted changes, each described in mail terms.
 *
 * Ownership (which existing records this library may delete) is the hard part, because live DNS
 * carries no ownership marker:
 *
 * - A record set the plan wants is compared with the live one: create, update or unchanged.
 * - At a name the plan manages, only the values of the planned kind are ours: at the apex, only
 *   the `v=spf1` TXT; every other TXT there (site verifications, ...) is `unmanaged`.
 * - A live record at a managed name pattern that the plan no longer wants (an old DKIM selector,
 *   an AAAA after `ipv6` was removed, an `_mta-sts` TXT after MTA-STS was turned off) is a
 *   `delete` only when the records of an earlier spec (`--previous SPEC`) show it was ours.
 *   Otherwise it is `unmanaged` ("not in plan"): reported, never deleted.
 * - The preview path (`./preview.ts`) knows ownership from Pulumi state, so its deletions are
 *   real.
 */
import type { DnsRecord, RecordPurpose, RecordType } from "../records/types";
import { isInZone, longestZone } from "../records/names";
import {
  canonicalValue,
  DKIM_PLACEHOLDER,
  dkimKeyInfo,
  mxExchange,
  txtFamily,
  type TxtFamily,
} from "../records/values";
import { cmp } from "../spec/findings";
import { proxiedAddresses } from "../providers/dns/cloudflare/proxy";
import { describeChange, shorten } from "./describe";
import {
  CHANGE_KINDS,
  RISKS,
  type Change,
  type ChangeKind,
  type Diff,
  type DiffSource,
  type LiveRecordSet,
  type Risk,
} from "./types";

/** Options of {@link computeDiff}. */
export interface ComputeOptions {
  /**
   * Records an earlier plan of this server produced (from `--previous SPEC`). Live records at
   * those names that the new plan no longer wants are deletions; without them such records are
   * reported as `unmanaged` and left alone. @default []
   */
  readonly previous?: readonly DnsRecord[];
  /** Where the live side came from, for the report. @default { kind: "live", resolver: "system" } */
  readonly source?: DiffSource;
}

/** A name and type to look up. */
export interface Question {
  readonly name: string;
  readonly type: RecordType;
}

/**
 * The names the plan can produce for its domains beyond those it wants now (DNSControl calls
 * these "managed" names). Queried so that records the spec used to have show up in the diff.
 */
const DOMAIN_PATTERNS: readonly { readonly prefix: string; readonly type: RecordType }[] = [
  { prefix: "", type: "MX" },
  { prefix: "", type: "TXT" },
  { prefix: "", type: "CAA" },
  { prefix: "_dmarc.", type: "TXT" },
  { prefix: "_mta-sts.", type: "TXT" },
  { prefix: "_smtp._tls.", type: "TXT" },
  { prefix: "_submissions._tcp.", type: "SRV" },
  { prefix: "_submission._tcp.", type: "SRV" },
  { prefix: "_imaps._tcp.", type: "SRV" },
  { prefix: "_imap._tcp.", type: "SRV" },
  { prefix: "_pop3s._tcp.", type: "SRV" },
  { prefix: "_pop3._tcp.", type: "SRV" },
];
const HOST_TYPES: readonly RecordType[] = ["A", "AAAA", "TXT"];

function key(name: string, type: string): string {
  return `${name} ${type}`;
}

/** The mail hosts of a record list: MX targets without the trailing dot. */
function mailHosts(records: readonly DnsRecord[]): Set<string> {
  const hosts = new Set<string>();
  for (const r of records) {
    if (r.type !== "MX") continue;
    for (const v of r.values) {
      const host = mxExchange(v);
      if (host !== undefined) hosts.add(host);
    }
  }
  return hosts;
}

/**
 * Every name and type the live side must answer: what the plan wants, what an earlier plan had,
 * and the managed name patterns of each domain and mail host (only those inside a planned zone).
 * Sorted, deduplicated.
 */
export function liveQuestions(
  desired: readonly DnsRecord[],
  previous: readonly DnsRecord[] = [],
): Question[] {
  const zones = [...new Set(desired.map((r) => r.zone))];
  const seen = new Map<string, Question>();
  const add = (name: string, type: RecordType) => {
    if (!zones.some((z) => isInZone(name, z))) return;
    seen.set(key(name, type), { name, type });
  };
  for (const r of [...desired, ...previous]) add(r.name, r.type);
  for (const domain of new Set(desired.map((r) => r.domain))) {
    for (const p of DOMAIN_PATTERNS) add(`${p.prefix}${domain}`, p.type);
  }
  for (const h of mailHosts([...desired, ...previous])) for (const t of HOST_TYPES) add(h, t);
  // A CNAME at a name we publish takes the name whole (RFC 1034 §3.6.2): a resolver answers the
  // other questions there with the target's records. Ask for it at every name of the plan (and of
  // the earlier one), and ask for the TXT that may sit where the plan wants a CNAME (a delegated
  // DMARC or DKIM selector).
  for (const r of desired) if (r.type === "CNAME") add(r.name, "TXT");
  // Not at a zone apex: the SOA and NS there leave no room for a CNAME.
  for (const name of new Set([...desired, ...previous].map((r) => r.name))) {
    if (!zones.includes(name)) add(name, "CNAME");
  }
  return [...seen.values()].sort((a, b) => cmp(a.name, b.name) || cmp(a.type, b.type));
}

/** Which values at a name a record of `purpose` owns: TXT values of its family, else all. */
function ownedFamily(purpose: RecordPurpose | undefined, type: RecordType): TxtFamily | "all" {
  if (type !== "TXT") return "all";
  switch (purpose) {
    case "spf":
    case "helo-spf":
      return "spf";
    case "dmarc":
    case "dmarc-report-auth":
      return "dmarc";
    case "mta-sts":
      return "mta-sts";
    case "tls-rpt":
      return "tls-rpt";
    case "dkim":
    case "mx":
    case "host-address":
    case "autoconfig":
    case "caa":
    case undefined:
      return "all";
    default: {
      const _: never = purpose;
      return _;
    }
  }
}

function owns(family: TxtFamily | "all", value: string): boolean {
  return family === "all" || txtFamily(value) === family;
}

function canonicalSet(type: RecordType, values: readonly string[]): string[] {
  return [...new Set(values.map((v) => canonicalValue(type, v)))].sort(cmp);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** Whether planned values carry the DKIM placeholder (no key known to the CLI). */
function isPlaceholder(r: { purpose?: RecordPurpose; values: readonly string[] }): boolean {
  return r.purpose === "dkim" && r.values.some((v) => dkimKeyInfo(v).placeholder);
}

/** One record set to compare: the common input of the live and preview paths. */
export type Slot = Pick<
  Change,
  | "zone"
  | "name"
  | "type"
  | "purpose"
  | "before"
  | "after"
  | "ttlBefore"
  | "ttlAfter"
  | "urns"
  | "ownedByDms"
>;

/** Turns a before/after pair into a change entry with its mail-terms description. */
export function compareSlot(slot: Slot): Change {
  const before = canonicalSet(slot.type, slot.before);
  const after = canonicalSet(slot.type, slot.after);
  const ctx = { name: slot.name, type: slot.type };
  let kind: ChangeKind;
  if (before.length === 0 && after.length === 0) kind = "unchanged";
  else if (before.length === 0) kind = "create";
  else if (after.length === 0) kind = "delete";
  else if (sameSet(before, after)) kind = "unchanged";
  else if (isPlaceholder({ purpose: slot.purpose, values: after })) kind = "unchanged";
  else kind = "update";
  const ttlChanged =
    slot.ttlBefore !== undefined && slot.ttlAfter !== undefined && slot.ttlBefore !== slot.ttlAfter;
  if (kind === "unchanged" && ttlChanged && before.length > 0) kind = "update";
  const base = {
    zone: slot.zone,
    name: slot.name,
    type: slot.type,
    ...(slot.purpose === undefined ? {} : { purpose: slot.purpose }),
    before,
    after,
    ...(slot.ttlBefore === undefined ? {} : { ttlBefore: slot.ttlBefore }),
    ...(slot.ttlAfter === undefined ? {} : { ttlAfter: slot.ttlAfter }),
    ...(slot.urns === undefined ? {} : { urns: [...slot.urns].sort(cmp) }),
    ...(slot.ownedByDms === undefined ? {} : { ownedByDms: slot.ownedByDms }),
  };
  if (kind === "unchanged") {
    const d =
      isPlaceholder({ purpose: slot.purpose, values: after }) && !sameSet(before, after)
        ? describeChange(slot.purpose, before, after, ctx)
        : { summary: describeCurrent(slot.purpose, after, ctx), details: [], risks: [] };
    return { kind, ...base, summary: d.summary, details: d.details, risks: [] };
  }
  const valuesChanged = !sameSet(before, after);
  const d = valuesChanged
    ? describeChange(slot.purpose, before, after, ctx)
    : {
        summary: describeCurrent(slot.purpose, after, ctx),
        details: [] as string[],
        risks: [] as Risk[],
      };
  const details = [...d.details];
  if (ttlChanged) {
    const line = `TTL ${slot.ttlBefore} -> ${slot.ttlAfter}`;
    if (valuesChanged) details.push(line);
    else return { kind, ...base, summary: `${d.summary}: ${line}`, details, risks: [] };
  }
  return { kind, ...base, summary: d.summary, details, risks: d.risks };
}

/** A one-line statement of a record set as it is (for unchanged and unmanaged entries). */
export function describeCurrent(
  purpose: RecordPurpose | undefined,
  values: readonly string[],
  ctx: { readonly name: string; readonly type: RecordType },
): string {
  const created = describeChange(purpose, [], values, ctx).summary;
  // The create wording ("DMARC published: policy reject") minus the verb reads as a state.
  return created.replace(/ published(?=[: (])/, "").replace(/: key published \(/, ": key (");
}

/** A conflict entry: something at a name that breaks mail whatever this change does. */
export function conflict(
  zone: string,
  name: string,
  type: RecordType,
  id: Change["conflict"] & string,
  summary: string,
  sets: {
    readonly before?: readonly string[];
    readonly after?: readonly string[];
    readonly urns?: readonly string[];
  } = {},
): Change {
  return {
    kind: "conflict",
    zone,
    name,
    type,
    before: sets.before ?? [],
    after: sets.after ?? [],
    summary,
    details: [],
    risks: [],
    conflict: id,
    ...(sets.urns === undefined ? {} : { urns: sets.urns }),
  };
}

/**
 * The distinct SPF records among TXT values, sorted: more than one at a name makes every SPF
 * check a permerror (RFC 7208 §3.2), so both the live and the preview paths flag it.
 */
export function spfRecords(values: readonly string[]): string[] {
  return [...new Set(values.filter((v) => txtFamily(v) === "spf"))].sort(cmp);
}

/**
 * Compares the plan's records with live answers.
 *
 * `live` should answer every question of {@link liveQuestions} (missing answers count as
 * "does not exist"). Live TTLs are not compared: the DNS client does not report them.
 */
export function computeDiff(
  desired: readonly DnsRecord[],
  live: readonly LiveRecordSet[],
  options: ComputeOptions = {},
): Diff {
  const previous = options.previous ?? [];
  const liveByKey = new Map(live.map((l) => [key(l.name, l.type), l]));
  const desiredByKey = groupBy(desired, (r) => key(r.name, r.type));
  const previousByKey = groupBy(previous, (r) => key(r.name, r.type));
  const zones = [...new Set(desired.map((r) => r.zone))].sort(cmp);
  const zoneCache = new Map<string, string>();
  const zoneOf = (name: string): string => {
    let z = zoneCache.get(name);
    if (z === undefined) {
      z = longestZone(name, zones) ?? name;
      zoneCache.set(name, z);
    }
    return z;
  };
  const hosts = mailHosts(desired);
  const liveCnames = new Map<string, string[]>();
  for (const l of live) {
    if (l.type === "CNAME" && (l.status ?? "ok") === "ok" && l.values.length > 0)
      liveCnames.set(l.name, canonicalSet("CNAME", l.values));
  }
  const desiredNames = groupBy(desired, (r) => r.name);
  const changes: Change[] = [];
  for (const q of liveQuestions(desired, previous)) {
    const k = key(q.name, q.type);
    const zone = zoneOf(q.name);
    const answer = liveByKey.get(k);
    const status = answer?.status ?? "ok";
    const wanted = desiredByKey.get(k) ?? [];
    const atName = desiredNames.get(q.name) ?? [];
    const cname = liveCnames.get(q.name);
    if (q.type !== "CNAME" && cname !== undefined) {
      // The answers here are the CNAME target's records, not ours: compare nothing, and say when
      // the plan wants this type here, since no DNS host publishes it beside the CNAME.
      if (wanted.length > 0) changes.push(cnameInTheWay(zone, q, cname, wanted));
      continue;
    }
    if (q.type === "CNAME" && wanted.length === 0 && cname !== undefined && atName.length > 0) {
      continue; // reported as a conflict at the planned type
    }
    const plannedCname = q.type === "CNAME" ? undefined : atName.find((r) => r.type === "CNAME");
    if (plannedCname !== undefined && status === "ok" && (answer?.values.length ?? 0) > 0) {
      changes.push(cnameBlocked(zone, q, answer!.values, plannedCname));
    }
    if (status !== "ok" && status !== "nxdomain" && status !== "nodata") {
      changes.push(
        conflict(
          zone,
          q.name,
          q.type,
          "lookup-failed",
          `lookup failed: ${status}${answer?.detail ? ` (${answer.detail})` : ""}; this record set was not compared`,
        ),
      );
      continue;
    }
    const liveValues = status === "ok" ? (answer?.values ?? []) : [];
    let rest = [...liveValues];
    for (const r of wanted) {
      const fam = ownedFamily(r.purpose, r.type);
      const mine = rest.filter((v) => owns(fam, v));
      rest = rest.filter((v) => !owns(fam, v));
      changes.push(
        compareSlot({
          zone: r.zone,
          name: r.name,
          type: r.type,
          purpose: r.purpose,
          before: mine,
          after: r.values,
        }),
      );
    }
    for (const p of previousByKey.get(k) ?? []) {
      const fam = ownedFamily(p.purpose, p.type);
      if (wanted.some((w) => ownedFamily(w.purpose, w.type) === fam)) continue;
      const mine = rest.filter((v) => owns(fam, v));
      rest = rest.filter((v) => !owns(fam, v));
      if (mine.length > 0) {
        changes.push(
          compareSlot({
            zone,
            name: q.name,
            type: q.type,
            purpose: p.purpose,
            before: mine,
            after: [],
          }),
        );
      }
    }
    if (rest.length > 0) {
      const reason = wanted.length === 0 ? "not in plan, left alone" : "not managed, left alone";
      changes.push({
        kind: "unmanaged",
        zone,
        name: q.name,
        type: q.type,
        before: canonicalSet(q.type, rest),
        after: canonicalSet(q.type, rest),
        summary: `${q.type} ${q.name}: ${showValues(q.type, rest)} (${reason})`,
        details: [],
        risks: [],
      });
    }
    changes.push(...liveConflicts(zone, q, liveValues, wanted, hosts));
  }
  const notes = ["Live TTLs are not compared (the DNS client does not report them)."];
  if (hasDkimPlaceholder(desired)) {
    notes.push(
      "DKIM keys without a private key in the spec are generated at deploy: their records are compared by presence, not by key.",
    );
  }
  if (previous.length === 0) {
    notes.push(
      "Records at managed names that the plan no longer wants are reported as unmanaged, not deleted: pass --previous SPEC to delete what an earlier spec created.",
    );
  }
  return assembleDiff(options.source ?? { kind: "live", resolver: "system" }, changes, notes);
}

/** How a record set of the plan reads in a conflict message: `TXT "v=DMARC1; p=none"`. */
function plannedText(r: DnsRecord): string {
  return `${r.type} ${showValues(r.type, r.values)}`;
}

/** The hint for a CNAME where the plan wants a DMARC or DKIM record: declare the delegation. */
function delegationHint(purpose: RecordPurpose | undefined): string {
  if (purpose === "dmarc") return ", or declare the delegation in the spec (dmarc.cname)";
  if (purpose === "dkim") return ", or declare the delegation in the spec (dkim.cname)";
  return "";
}

/**
 * A live CNAME at a name where the plan wants another type: no DNS host publishes the two together
 * (RFC 1034 §3.6.2), and receivers follow the CNAME, so the planned record would never be read.
 */
function cnameInTheWay(
  zone: string,
  q: Question,
  targets: readonly string[],
  wanted: readonly DnsRecord[],
): Change {
  const purpose = wanted[0]?.purpose;
  const after = canonicalSet(
    q.type,
    wanted.flatMap((w) => w.values),
  );
  return {
    ...conflict(
      zone,
      q.name,
      q.type,
      "cname-conflict",
      `${q.name} is a CNAME to ${showValues("CNAME", targets)}: the planned ${wanted.map(plannedText).join("; ")} cannot be published beside it (a CNAME cannot share its name, RFC 1034 §3.6.2) and receivers read the target's records instead; remove the CNAME first${delegationHint(purpose)}`,
      { before: targets.map((t) => `CNAME ${t}`), after },
    ),
    ...(purpose === undefined ? {} : { purpose }),
  };
}

/** Live data at a name where the plan wants a CNAME: the CNAME cannot be created beside it. */
function cnameBlocked(
  zone: string,
  q: Question,
  values: readonly string[],
  planned: DnsRecord,
): Change {
  return {
    ...conflict(
      zone,
      q.name,
      "CNAME",
      "cname-conflict",
      `${q.name} holds ${q.type} ${showValues(q.type, values)}: the planned CNAME to ${showValues("CNAME", planned.values)} cannot be created beside it (a CNAME cannot share its name, RFC 1034 §3.6.2); remove the ${q.type} first`,
      { before: canonicalSet(q.type, values).map((v) => `${q.type} ${v}`), after: planned.values },
    ),
    purpose: planned.purpose,
  };
}

function liveConflicts(
  zone: string,
  q: Question,
  values: readonly string[],
  wanted: readonly DnsRecord[],
  hosts: ReadonlySet<string>,
): Change[] {
  const out: Change[] = [];
  if (q.type === "TXT") {
    const spf = spfRecords(values);
    if (spf.length > 1) {
      out.push(
        conflict(
          zone,
          q.name,
          q.type,
          "spf-multiple",
          `${spf.length} SPF records at ${q.name}: receivers treat this as a permerror and SPF fails (RFC 7208 §3.2)`,
          { before: spf },
        ),
      );
    }
  }
  if (q.type === "MX" && wanted.length > 0 && values.length > 0) {
    const target = (v: string) => mxExchange(v) ?? v;
    const planned = new Set(wanted.flatMap((w) => w.values.map(target)));
    const elsewhere = [...new Set(values.map(target).filter((t) => !planned.has(t)))].sort(cmp);
    if (elsewhere.length > 0) {
      out.push(
        conflict(
          zone,
          q.name,
          q.type,
          "mx-elsewhere",
          `MX points to another host: ${elsewhere.join(", ")} receives mail for ${q.name} until this change is applied`,
          { before: values },
        ),
      );
    }
  }
  if ((q.type === "A" || q.type === "AAAA") && hosts.has(q.name)) {
    const proxied = proxiedAddresses(values);
    if (proxied.length > 0) {
      out.push(
        conflict(
          zone,
          q.name,
          q.type,
          "cloudflare-proxied",
          `mail host ${q.name} resolves to Cloudflare proxy addresses (${proxied.join(", ")}): SMTP and IMAP cannot pass the proxy; turn proxying off`,
          { before: proxied },
        ),
      );
    }
  }
  return out;
}

function showValues(type: RecordType, values: readonly string[]): string {
  return values
    .map((v) => (type === "TXT" ? `"${shorten(v)}"` : shorten(v.replace(/\.$/, ""))))
    .sort(cmp)
    .join(", ");
}

function groupBy<T>(items: readonly T[], by: (t: T) => string): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const i of items) {
    const k = by(i);
    const list = m.get(k);
    if (list) list.push(i);
    else m.set(k, [i]);
  }
  return m;
}

/** Sort order of entries: zone, kind, name, type, summary. */
export function compareChanges(a: Change, b: Change): number {
  return (
    cmp(a.zone, b.zone) ||
    CHANGE_KINDS.indexOf(a.kind) - CHANGE_KINDS.indexOf(b.kind) ||
    cmp(a.name, b.name) ||
    cmp(a.type, b.type) ||
    cmp(a.summary, b.summary)
  );
}

/** Sorts entries and counts them. */
export function assembleDiff(
  source: DiffSource,
  changes: readonly Change[],
  notes: readonly string[] = [],
): Diff {
  const sorted = [...changes].sort(compareChanges);
  const counts = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  const riskCounts = Object.fromEntries(RISKS.map((r) => [r, 0])) as Record<Risk, number>;
  for (const c of sorted) {
    counts[c.kind]++;
    for (const r of c.risks) riskCounts[r]++;
  }
  return {
    source,
    zones: [...new Set(sorted.map((c) => c.zone))].sort(cmp),
    changes: sorted,
    counts,
    riskCounts,
    notes: [...new Set(notes)].sort(cmp),
  };
}

/** Whether planned DKIM records carry the placeholder: the report says keys are generated at deploy. */
export function hasDkimPlaceholder(records: readonly DnsRecord[]): boolean {
  return records.some(
    (r) => r.purpose === "dkim" && r.values.some((v) => v.includes(DKIM_PLACEHOLDER)),
  );
}
