/**
 * Mail-terms descriptions of record changes: "DMARC policy quarantine -> reject" instead of
 * "update TXT". One describer per record purpose reads the values it knows (DMARC tags, SPF
 * terms, DKIM keys, MX targets) with the value parsers of `../records/values` and says what
 * changes in them; anything else gets a generic value diff. Pure: no I/O.
 */
import type { RecordPurpose, RecordType } from "../records/types";
import {
  dkimKeyInfo,
  parseMx,
  parseSpf,
  parseTags,
  spfAll,
  splitUris,
  type DkimKeyInfo,
} from "../records/values";
import { cmp } from "../spec/findings";
import type { Risk } from "./types";

/** The mail-terms description of one record set change. */
export interface Description {
  readonly summary: string;
  readonly details: readonly string[];
  readonly risks: readonly Risk[];
}

/** The record a description is about. */
export interface DescribeContext {
  readonly name: string;
  readonly type: RecordType;
}

const MAX_SHOWN = 72;

/** Shortens a long value for display: keeps the head and tail, says how much was cut. */
export function shorten(value: string, max = MAX_SHOWN): string {
  if (value.length <= max) return value;
  const head = value.slice(0, max - 24);
  const tail = value.slice(-12);
  return `${head}...(${value.length - head.length - tail.length} chars)...${tail}`;
}

/** An absolute name for humans: no trailing dot. */
function host(name: string): string {
  return name.endsWith(".") ? name.slice(0, -1) : name;
}

function quoted(value: string): string {
  return `"${shorten(value)}"`;
}

function sortRisks(risks: Iterable<Risk>): Risk[] {
  const order: Risk[] = ["mx", "spf", "dmarc-policy", "dkim-key", "delete"];
  const set = new Set(risks);
  return order.filter((r) => set.has(r));
}

function added<T>(before: readonly T[], after: readonly T[]): T[] {
  const b = new Set(before);
  return after.filter((v) => !b.has(v));
}

function removed<T>(before: readonly T[], after: readonly T[]): T[] {
  const a = new Set(after);
  return before.filter((v) => !a.has(v));
}

/** `adds x, y; removes z` (either half omitted when empty). */
function addsRemoves(adds: readonly string[], removes: readonly string[]): string {
  const parts: string[] = [];
  if (adds.length > 0) parts.push(`adds ${adds.join(", ")}`);
  if (removes.length > 0) parts.push(`removes ${removes.join(", ")}`);
  return parts.join("; ");
}

/** One MX value as preference and target host (lowercase, no trailing dot), for display. */
interface Mx {
  readonly pref: number;
  readonly host: string;
}

function mxOf(value: string): Mx {
  const mx = parseMx(value);
  // Text that is not an MX value is shown as it is, sorted first.
  if (mx === undefined) return { pref: -1, host: value };
  return { pref: mx.priority, host: host(mx.host.toLowerCase()) };
}

/** An SPF record as the describer compares it: its terms apart from `all`, and `all`. */
interface SpfParts {
  readonly terms: readonly string[];
  readonly all?: string;
}

function spfParts(value: string): SpfParts | undefined {
  const spf = parseSpf(value);
  if (spf === undefined) return undefined;
  const all = spfAll(spf);
  const terms = spf.terms.filter((t) => t !== all);
  return all === undefined ? { terms } : { terms, all };
}

// ---------------------------------------------------------------------------------------------
// Describers
// ---------------------------------------------------------------------------------------------

/**
 * Describes a change of one record set in mail terms. `before` empty means a create, `after`
 * empty a delete, equal sets no change. `purpose` picks the describer; without one (a record
 * the library does not know) the values are compared as text.
 */
export function describeChange(
  purpose: RecordPurpose | undefined,
  before: readonly string[],
  after: readonly string[],
  ctx: DescribeContext,
): Description {
  if (ctx.type === "CNAME" && (purpose === "dmarc" || purpose === "dkim")) {
    return describeDelegation(purpose, before, after, ctx);
  }
  switch (purpose) {
    case "mx":
      return describeMx(before, after);
    case "spf":
    case "helo-spf":
      return describeSpf(before, after, ctx, purpose === "helo-spf");
    case "dmarc":
      return describeDmarc(before, after);
    case "dkim":
      return describeDkim(before, after, ctx);
    case "mta-sts":
      if (ctx.type === "TXT") return describeMtaSts(before, after);
      return describeGeneric(before, after, ctx, "MTA-STS host");
    case "tls-rpt":
      return describeTlsRpt(before, after);
    case "dmarc-report-auth":
      return describeGeneric(before, after, ctx, "DMARC external report authorization");
    case "host-address":
      return describeGeneric(before, after, ctx, `${ctx.type} ${ctx.name}`, true);
    case "autoconfig":
      return describeGeneric(
        before,
        after,
        ctx,
        `client autoconfiguration ${ctx.type} ${ctx.name}`,
      );
    case "caa":
      return describeGeneric(before, after, ctx, `CAA ${ctx.name}`);
    case undefined:
      return describeGeneric(before, after, ctx, `${ctx.type} ${ctx.name}`);
    default: {
      const _: never = purpose;
      return describeGeneric(before, after, ctx, String(_));
    }
  }
}

function result(lines: string[], risks: Iterable<Risk>): Description {
  const [summary, ...details] = lines;
  return { summary: summary ?? "", details, risks: sortRisks(risks) };
}

function describeMx(before: readonly string[], after: readonly string[]): Description {
  const b = before.map(mxOf);
  const a = after.map(mxOf);
  const list = (mx: readonly Mx[]) =>
    [...mx]
      .sort((x, y) => x.pref - y.pref || cmp(x.host, y.host))
      .map((m) => `${m.host} (priority ${m.pref})`)
      .join(", ");
  if (b.length === 0) return result([`MX: ${list(a)}`], ["mx"]);
  if (a.length === 0) return result([`MX removed: ${list(b)}`], ["mx", "delete"]);
  const hostsB = [...new Set(b.map((m) => m.host))].sort(cmp);
  const hostsA = [...new Set(a.map((m) => m.host))].sort(cmp);
  const lines: string[] = [];
  if (hostsB.join(" ") !== hostsA.join(" ")) {
    lines.push(`MX: ${hostsB.join(", ")} -> ${hostsA.join(", ")}`);
  }
  for (const h of hostsA.filter((x) => hostsB.includes(x))) {
    const pb = b
      .filter((m) => m.host === h)
      .map((m) => m.pref)
      .sort((x, y) => x - y)
      .join(",");
    const pa = a
      .filter((m) => m.host === h)
      .map((m) => m.pref)
      .sort((x, y) => x - y)
      .join(",");
    if (pb !== pa) lines.push(`MX ${h}: priority ${pb} -> ${pa}`);
  }
  if (lines.length === 0) return result(["MX: no change"], []);
  return result(lines, ["mx"]);
}

function describeSpf(
  before: readonly string[],
  after: readonly string[],
  ctx: DescribeContext,
  helo: boolean,
): Description {
  const label = helo ? `SPF for HELO ${ctx.name}` : "SPF";
  if (before.length === 0)
    return result([`${label} published: ${quoted(after.join(" | "))}`], ["spf"]);
  if (after.length === 0)
    return result([`${label} removed (was ${quoted(before.join(" | "))})`], ["spf", "delete"]);
  if (before.length > 1 || after.length > 1) {
    // Two SPF records make every SPF check a permerror (RFC 7208 §3.2): say which records come
    // and go rather than mixing their terms.
    const adds = added(before, after).map(quoted);
    const removes = removed(before, after).map(quoted);
    const lines = [`${label}: ${before.length} records -> ${after.length}`];
    if (adds.length > 0) lines.push(`${label}: adds record ${adds.join(", ")}`);
    if (removes.length > 0) lines.push(`${label}: removes record ${removes.join(", ")}`);
    return result(lines, ["spf"]);
  }
  const lines: string[] = [];
  const b = spfParts(before[0]!);
  const a = spfParts(after[0]!);
  // A value that is not SPF text at an SPF name: say what changes as text, still an SPF risk.
  if (a === undefined || b === undefined) {
    const d = describeGeneric(before, after, ctx, label);
    return result([d.summary, ...d.details], ["spf"]);
  }
  const change = addsRemoves(added(b.terms, a.terms), removed(b.terms, a.terms));
  if (change !== "") lines.push(`${label}: ${change}`);
  if (b.all !== a.all) lines.push(`${label}: ${b.all ?? "no all"} -> ${a.all ?? "no all"}`);
  if (lines.length === 0) lines.push(`${label}: terms reordered`);
  return result(lines, ["spf"]);
}

const DMARC_TAG_NAMES: Readonly<Record<string, string>> = {
  sp: "subdomain policy (sp)",
  np: "non-existent subdomain policy (np)",
  pct: "pct",
  rua: "aggregate reports (rua)",
  ruf: "failure reports (ruf)",
  adkim: "DKIM alignment (adkim)",
  aspf: "SPF alignment (aspf)",
  fo: "failure reporting options (fo)",
  ri: "report interval (ri)",
};
const POLICY_TAGS = new Set(["p", "sp", "np", "pct"]);

function describeDmarc(before: readonly string[], after: readonly string[]): Description {
  if (before.length === 0) {
    const t = parseTags(after[0] ?? "", "fold");
    const p = t.get("p") ?? "none";
    const lines = [`DMARC published: policy ${p}`];
    for (const tag of ["sp", "pct", "rua", "ruf"]) {
      const v = t.get(tag);
      if (v !== undefined) lines.push(`DMARC ${DMARC_TAG_NAMES[tag]}: ${v}`);
    }
    return result(lines, p === "none" ? [] : ["dmarc-policy"]);
  }
  if (after.length === 0) {
    const p = parseTags(before[0]!, "fold").get("p") ?? "none";
    return result([`DMARC removed (was policy ${p})`], ["dmarc-policy", "delete"]);
  }
  const b = parseTags(before[0]!, "fold");
  const a = parseTags(after[0]!, "fold");
  const lines: string[] = [];
  const risks: Risk[] = [];
  if (before.length > 1) {
    // RFC 7489 §6.6.3: several DMARC records means receivers apply none of them.
    lines.push(`DMARC: ${before.length} records -> 1 (receivers ignore all of several)`);
    risks.push("dmarc-policy");
  }
  const tags = [...new Set([...b.keys(), ...a.keys()])].filter((t) => t !== "v");
  const order = ["p", "sp", "np", "pct", "rua", "ruf", "adkim", "aspf"];
  tags.sort((x, y) => {
    const ix = order.indexOf(x) < 0 ? order.length : order.indexOf(x);
    const iy = order.indexOf(y) < 0 ? order.length : order.indexOf(y);
    return ix - iy || cmp(x, y);
  });
  const shown = (tag: string, v: string | undefined): string => {
    if (v !== undefined) return v;
    if (tag === "sp") return "(inherits p)";
    if (tag === "pct") return "(100)";
    if (tag === "adkim" || tag === "aspf") return "(r)";
    return "(none)";
  };
  for (const tag of tags) {
    const vb = b.get(tag);
    const va = a.get(tag);
    if (vb === va) continue;
    if (POLICY_TAGS.has(tag)) risks.push("dmarc-policy");
    if (tag === "p") {
      lines.push(`DMARC policy ${shown(tag, vb)} -> ${shown(tag, va)}`);
    } else if (tag === "rua" || tag === "ruf") {
      const lb = splitUris(vb);
      const la = splitUris(va);
      lines.push(`DMARC ${DMARC_TAG_NAMES[tag]}: ${addsRemoves(added(lb, la), removed(lb, la))}`);
    } else if (tag === "adkim" || tag === "aspf") {
      const word = (v: string | undefined) =>
        v === undefined ? "relaxed (default)" : v === "s" ? "strict" : v === "r" ? "relaxed" : v;
      lines.push(`DMARC ${DMARC_TAG_NAMES[tag]} ${word(vb)} -> ${word(va)}`);
    } else {
      lines.push(`DMARC ${DMARC_TAG_NAMES[tag] ?? tag} ${shown(tag, vb)} -> ${shown(tag, va)}`);
    }
  }
  if (lines.length === 0) lines.push("DMARC: formatting only");
  return result(lines, risks);
}

function selectorOf(name: string): string {
  const i = name.indexOf("._domainkey.");
  return i < 0 ? name : name.slice(0, i);
}

function keyLabel(info: DkimKeyInfo): string {
  return info.placeholder ? "generated at deploy" : `${info.algorithm} ${info.fingerprint}`;
}

function describeDkim(
  before: readonly string[],
  after: readonly string[],
  ctx: DescribeContext,
): Description {
  const label = `DKIM selector ${selectorOf(ctx.name)}`;
  const keys = (vs: readonly string[]) => vs.map(dkimKeyInfo);
  if (before.length === 0) {
    return result([`${label}: key published (${keys(after).map(keyLabel).join(", ")})`], []);
  }
  if (after.length === 0) {
    return result(
      [`${label}: key removed (${keys(before).map(keyLabel).join(", ")})`],
      ["dkim-key", "delete"],
    );
  }
  const kb = keys(before);
  const ka = keys(after);
  if (ka.every((k) => k.placeholder)) {
    // Without the private key the CLI cannot know the key deploy will publish: compare presence.
    return result(
      [`${label}: key present (new key generated at deploy: presence compared, not the key)`],
      [],
    );
  }
  const fb = kb
    .map((k) => k.fingerprint)
    .sort(cmp)
    .join(",");
  const fa = ka
    .map((k) => k.fingerprint)
    .sort(cmp)
    .join(",");
  if (fb !== fa) {
    return result(
      [`${label}: key replaced (${kb.map(keyLabel).join(", ")} -> ${ka.map(keyLabel).join(", ")})`],
      ["dkim-key"],
    );
  }
  const tb = parseTags(before[0]!, "exact");
  const ta = parseTags(after[0]!, "exact");
  const lines: string[] = [];
  for (const tag of [...new Set([...tb.keys(), ...ta.keys()])].sort(cmp)) {
    if (tag === "p" || tb.get(tag) === ta.get(tag)) continue;
    lines.push(`${label}: ${tag}= ${tb.get(tag) ?? "(none)"} -> ${ta.get(tag) ?? "(none)"}`);
  }
  if (lines.length === 0) lines.push(`${label}: same key, formatting only`);
  return result(lines, []);
}

function describeMtaSts(before: readonly string[], after: readonly string[]): Description {
  const id = (v: string | undefined) =>
    v === undefined ? undefined : parseTags(v, "exact").get("id");
  if (before.length === 0)
    return result([`MTA-STS published (policy id ${id(after[0]) ?? "?"})`], []);
  if (after.length === 0)
    return result([`MTA-STS removed (was policy id ${id(before[0]) ?? "?"})`], ["delete"]);
  return result([`MTA-STS policy id ${id(before[0]) ?? "?"} -> ${id(after[0]) ?? "?"}`], []);
}

function describeTlsRpt(before: readonly string[], after: readonly string[]): Description {
  const rua = (v: string | undefined) =>
    splitUris(v === undefined ? undefined : parseTags(v, "exact").get("rua"));
  if (before.length === 0)
    return result([`TLS-RPT published: rua ${rua(after[0]).join(", ")}`], []);
  if (after.length === 0)
    return result([`TLS-RPT removed (was rua ${rua(before[0]).join(", ")})`], ["delete"]);
  const b = rua(before[0]);
  const a = rua(after[0]);
  const change = addsRemoves(added(b, a), removed(b, a));
  return result([change === "" ? "TLS-RPT: formatting only" : `TLS-RPT rua: ${change}`], []);
}

/**
 * A delegated DMARC or DKIM selector (`dmarc.cname`, `dkim.cname`): the CNAME decides which
 * provider's record receivers read, so a change is a policy (or signing key) change.
 */
function describeDelegation(
  purpose: "dmarc" | "dkim",
  before: readonly string[],
  after: readonly string[],
  ctx: DescribeContext,
): Description {
  const label =
    purpose === "dmarc"
      ? "DMARC delegated (CNAME)"
      : `DKIM selector ${ctx.name.split(".")[0]} delegated (CNAME)`;
  const d = describeGeneric(before, after, ctx, label, true);
  const risk: Risk = purpose === "dmarc" ? "dmarc-policy" : "dkim-key";
  return result([d.summary, ...d.details], [...d.risks, ...(before.length > 0 ? [risk] : [])]);
}

function describeGeneric(
  before: readonly string[],
  after: readonly string[],
  ctx: DescribeContext,
  label: string,
  arrow = false,
): Description {
  const show = (v: string) => (ctx.type === "TXT" ? quoted(v) : shorten(host(v)));
  if (before.length === 0) return result([`${label}: ${after.map(show).join(", ")}`], []);
  if (after.length === 0)
    return result([`${label} removed (was ${before.map(show).join(", ")})`], ["delete"]);
  if (arrow || (before.length === 1 && after.length === 1)) {
    return result(
      [`${label}: ${before.map(show).join(", ")} -> ${after.map(show).join(", ")}`],
      [],
    );
  }
  const change = addsRemoves(added(before, after).map(show), removed(before, after).map(show));
  return result([`${label}: ${change === "" ? "no change" : change}`], []);
}
