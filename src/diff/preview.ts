/**
 * The preview path of `dmsctl diff --from-preview FILE`: reads the document `pulumi preview --json`
 * prints (the engine's `PreviewDigest`: `steps[]` of `{op, urn, oldState, newState, diffReasons,
 * replaceReasons, detailedDiff}`, each state a `ResourceV3` with `inputs`/`outputs`) and turns the
 * steps of DNS record resources into the same {@link Diff} the live path produces.
 *
 * Handled resources: `cloudflare:index/dnsRecord:DnsRecord` (one resource per value),
 * the older `cloudflare:index/record:Record`, and `aws:route53/record:Record` (one per record set;
 * long TXT values split into 255-character strings, which are joined back). Every record resource
 * in the preview is rendered, whether a pulumi-docker-mailserver component (`dms:` in the URN's
 * type chain) created it or not. Ownership is known from Pulumi state here, so a `delete` step is
 * a real deletion.
 *
 * Secrets appear as `"[secret]"` in the document (the engine masks them, `--show-secrets` does
 * not unmask JSON); values computed at deploy appear as Pulumi's unknown sentinel.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/
 * @see https://github.com/pulumi/pulumi/blob/master/pkg/display/json.go (`PreviewDigest`, `PreviewStep`)
 */
import { DKIM_PLACEHOLDER } from "../records/policies";
import type { RecordPurpose, RecordType } from "../records/types";
import { isInZone, longestZone } from "../records/names";
import { cmp } from "../spec/findings";
import { assembleDiff, compareSlot, conflict, spfRecords, type Slot } from "./compute";
import { txtFamily } from "./describe";
import type { Change, Diff } from "./types";

/** What the engine prints for a value not known until deploy (`plugin.UnknownStringValue`). */
export const UNKNOWN_SENTINEL = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** What the engine prints for a secret value in JSON output. */
export const SECRET_MARK = "[secret]";
/** How an unknown value is shown. */
export const KNOWN_AFTER_DEPLOY = "(known after deploy)";

/** DNS record resource types the preview path reads. */
export const RECORD_RESOURCE_TYPES = [
  "cloudflare:index/dnsRecord:DnsRecord",
  "cloudflare:index/record:Record",
  "aws:route53/record:Record",
] as const;

/** A bad preview document: the message names the file and what is wrong. */
export class PreviewError extends Error {}

/** Options of {@link diffFromPreview}. */
export interface PreviewDiffOptions {
  /** How the file is named in the report. */
  readonly file: string;
  /**
   * Cloudflare zone id or Route53 hosted zone id -> zone apex, to resolve relative names (`@`,
   * `mail`) and group records by zone. From the spec's `dns.zoneId`, or `--zone ID=APEX`.
   * @default none: FQDN names are grouped under a known apex suffix, else under the zone id
   */
  readonly zones?: ReadonlyMap<string, string>;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One record resource as read from a state: its values and where it lives. */
interface RecordState {
  readonly zoneId: string;
  readonly name: string;
  readonly type: RecordType;
  readonly values: readonly string[];
  readonly ttl?: number;
  readonly proxied?: boolean;
  readonly purposeHint?: RecordPurpose;
}

const PURPOSES: readonly RecordPurpose[] = [
  "mx",
  "host-address",
  "spf",
  "helo-spf",
  "dkim",
  "dmarc",
  "dmarc-report-auth",
  "mta-sts",
  "tls-rpt",
  "autoconfig",
  "caa",
];
const TYPES: readonly RecordType[] = ["A", "AAAA", "MX", "TXT", "CNAME", "SRV", "CAA", "PTR"];

/**
 * Parses the text of `pulumi preview --json` and checks its shape. Throws {@link PreviewError}
 * naming the file and the problem.
 */
export function parsePreview(text: string, file: string): Obj[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    const firstLine = text.trimStart().split("\n")[0] ?? "";
    if (/^\{.*"sequence"\s*:/.test(firstLine)) {
      throw new PreviewError(
        `${file}: this is a stream of engine events (PULUMI_ENABLE_STREAMING_JSON_PREVIEW), not the preview document: run \`pulumi preview --json\` without that variable`,
      );
    }
    throw new PreviewError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!isObj(doc))
    throw new PreviewError(
      `${file}: expected the JSON object printed by \`pulumi preview --json\`, got ${Array.isArray(doc) ? "an array" : typeof doc}`,
    );
  // `steps` is omitempty in the engine's PreviewDigest: a preview without resources has none.
  if (doc.steps === undefined) {
    if (!("changeSummary" in doc) && !("config" in doc) && !("diagnostics" in doc)) {
      throw new PreviewError(
        `${file}: not a \`pulumi preview --json\` document (no "steps", "changeSummary", "config" or "diagnostics")`,
      );
    }
    return [];
  }
  if (!Array.isArray(doc.steps))
    throw new PreviewError(`${file}: "steps" must be an array, got ${typeof doc.steps}`);
  const problems: string[] = [];
  doc.steps.forEach((s, i) => {
    if (!isObj(s)) problems.push(`steps[${i}]: expected an object`);
    else {
      if (typeof s.op !== "string")
        problems.push(`steps[${i}].op: expected a string, got ${JSON.stringify(s.op ?? null)}`);
      if (typeof s.urn !== "string")
        problems.push(`steps[${i}].urn: expected a string, got ${JSON.stringify(s.urn ?? null)}`);
    }
  });
  if (problems.length > 0) throw new PreviewError(`${file}: ${problems.join("; ")}`);
  return doc.steps as Obj[];
}

/** The parts of a URN: `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
export function parseUrn(urn: string): { type: string; chain: string[]; name: string } {
  const rest = urn.replace(/^urn:pulumi:/, "").split("::");
  const qualified = rest[2] ?? "";
  const chain = qualified.split("$");
  return { type: chain[chain.length - 1] ?? "", chain, name: rest.slice(3).join("::") };
}

/**
 * Character-strings of TXT presentation text joined into the logical value (RFC 1035 §5.1:
 * `"a" "b"` is `ab`; `\"`, `\\` and `\DDD` escapes). Text that is not quoted is taken as the
 * inside of one quoted string, which is how the AWS provider reads `a""b` (it adds the outer
 * quotes itself).
 */
export function joinTxt(text: string): string {
  const t = text.trim();
  const src = t.startsWith('"') ? t : `"${t}"`;
  let out = "";
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (!inString) {
      if (c === '"') inString = true;
      continue;
    }
    if (c === "\\") {
      const digits = /^\d{3}/.exec(src.slice(i + 1));
      if (digits) {
        out += String.fromCharCode(Number(digits[0]));
        i += 3;
      } else {
        out += src[i + 1] ?? "";
        i++;
      }
    } else if (c === '"') inString = false;
    else out += c;
  }
  return out;
}

function absolute(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith(".") ? n : `${n}.`;
}

function num(v: Json | undefined): number | undefined {
  return typeof v === "number"
    ? v
    : typeof v === "string" && /^\d+$/.test(v)
      ? Number(v)
      : undefined;
}

function str(v: Json | undefined): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** Values of a Cloudflare record (one value per resource). */
function cloudflareValues(type: RecordType, p: Obj): string[] {
  const content = str(p.content) ?? str(p.value);
  const data = isObj(p.data) ? p.data : undefined;
  const prio = num(p.priority) ?? num(data?.priority);
  if (content !== undefined && (content.includes(UNKNOWN_SENTINEL) || content === SECRET_MARK)) {
    return [content];
  }
  switch (type) {
    case "MX":
      return content === undefined ? [] : [`${prio ?? 0} ${absolute(content)}`];
    case "SRV": {
      if (data !== undefined) {
        return [
          `${prio ?? 0} ${num(data.weight) ?? 0} ${num(data.port) ?? 0} ${absolute(str(data.target) ?? ".")}`,
        ];
      }
      // Cloudflare's own content form is "weight port target", with the priority apart.
      const [w, port, target] = (content ?? "").split(/\s+/);
      return content === undefined ? [] : [`${prio ?? 0} ${w} ${port} ${absolute(target ?? ".")}`];
    }
    case "CAA":
      if (data !== undefined)
        return [`${num(data.flags) ?? 0} ${str(data.tag) ?? ""} "${str(data.value) ?? ""}"`];
      return content === undefined ? [] : [content];
    case "TXT":
      return content === undefined ? [] : [joinTxt(content)];
    case "CNAME":
    case "PTR":
      return content === undefined ? [] : [absolute(content)];
    case "A":
    case "AAAA":
      return content === undefined ? [] : [content.trim().toLowerCase()];
    default: {
      const _: never = type;
      return [String(_)];
    }
  }
}

/** Values of a Route53 record set. */
function route53Values(type: RecordType, p: Obj): string[] {
  if (typeof p.records === "string") return [p.records]; // the whole list unknown or secret
  if (Array.isArray(p.aliases) && p.aliases.length > 0) {
    return p.aliases.filter(isObj).map((a) => `ALIAS ${absolute(str(a.name) ?? "")}`);
  }
  const records = Array.isArray(p.records)
    ? p.records.filter((r): r is string => typeof r === "string")
    : [];
  return records.map((r) => {
    if (r.includes(UNKNOWN_SENTINEL) || r === SECRET_MARK) return r;
    switch (type) {
      case "TXT":
        return joinTxt(r);
      case "MX": {
        const [pref, target] = r.trim().split(/\s+/);
        return `${pref} ${absolute(target ?? "")}`;
      }
      case "SRV": {
        const [a, b, c, target] = r.trim().split(/\s+/);
        return `${a} ${b} ${c} ${absolute(target ?? "")}`;
      }
      case "CNAME":
      case "PTR":
        return absolute(r);
      default:
        return r.trim();
    }
  });
}

/** Reads one state of a record resource; undefined when the type is not a DNS type we model. */
function readState(resourceType: string, props: Obj): RecordState | undefined {
  const type = str(props.type)?.toUpperCase() as RecordType | undefined;
  if (type === undefined || !TYPES.includes(type)) return undefined;
  const values =
    resourceType === "aws:route53/record:Record"
      ? route53Values(type, props)
      : cloudflareValues(type, props);
  const comment = str(props.comment) ?? "";
  // Our Cloudflare records carry "pulumi-docker-mailserver: <purpose> for <domain>".
  const hint = /^pulumi-docker-mailserver: ([a-z-]+) for /.exec(comment)?.[1] as
    RecordPurpose | undefined;
  const ttl = num(props.ttl);
  return {
    zoneId: str(props.zoneId) ?? "",
    name: (str(props.name) ?? "").toLowerCase(),
    type,
    values,
    ...(ttl === undefined ? {} : { ttl }),
    ...(typeof props.proxied === "boolean" ? { proxied: props.proxied } : {}),
    ...(hint !== undefined && PURPOSES.includes(hint) ? { purposeHint: hint } : {}),
  };
}

/** The properties of a state: inputs for the desired side, provider outputs for what exists. */
function props(state: Json | undefined, side: "old" | "new"): Obj | undefined {
  if (!isObj(state)) return undefined;
  const inputs = isObj(state.inputs) ? state.inputs : undefined;
  const outputs =
    isObj(state.outputs) && Object.keys(state.outputs).length > 0 ? state.outputs : undefined;
  return side === "old" ? (outputs ?? inputs) : (inputs ?? outputs);
}

/** Infers the mail purpose of a record from its name, type and values. */
export function inferPurpose(
  name: string,
  type: RecordType,
  values: readonly string[],
  mailHosts: ReadonlySet<string>,
): RecordPurpose | undefined {
  if (type === "MX") return "mx";
  if (type === "CAA") return "caa";
  if (type === "SRV" && /^_(submissions?|imaps?|pop3s?)\._tcp\./.test(name)) return "autoconfig";
  if (type === "TXT") {
    if (/\._report\._dmarc\./.test(name)) return "dmarc-report-auth";
    if (name.startsWith("_dmarc.")) return "dmarc";
    if (name.includes("._domainkey.")) return "dkim";
    if (name.startsWith("_mta-sts.")) return "mta-sts";
    if (name.startsWith("_smtp._tls.")) return "tls-rpt";
    if (values.some((v) => txtFamily(v) === "spf")) return mailHosts.has(name) ? "helo-spf" : "spf";
    return undefined;
  }
  if ((type === "A" || type === "AAAA") && mailHosts.has(name)) return "host-address";
  return undefined;
}

interface ResourceChange {
  readonly urn: string;
  readonly ownedByDms: boolean;
  readonly resourceType: string;
  before?: RecordState;
  after?: RecordState;
}

const AFTER_OPS = new Set(["create", "create-replacement", "update", "replace", "same", "import"]);
const BEFORE_OPS = new Set(["delete", "delete-replaced", "update", "replace", "same", "import"]);

/** Builds the diff of the DNS record steps of a `pulumi preview --json` document. */
export function diffFromPreview(text: string, options: PreviewDiffOptions): Diff {
  const steps = parsePreview(text, options.file);
  const zones = options.zones ?? new Map<string, string>();
  const byUrn = new Map<string, ResourceChange>();
  for (const step of steps) {
    const urn = step.urn as string;
    const op = step.op as string;
    const { type, chain } = parseUrn(urn);
    if (!(RECORD_RESOURCE_TYPES as readonly string[]).includes(type)) continue;
    const rc: ResourceChange = byUrn.get(urn) ?? {
      urn,
      ownedByDms: chain.slice(0, -1).some((t) => t.startsWith("dms:")),
      resourceType: type,
    };
    byUrn.set(urn, rc);
    if (BEFORE_OPS.has(op)) {
      const p =
        props(step.oldState, "old") ??
        (op === "same" || op === "import" ? props(step.newState, "new") : undefined);
      const s = p && readState(type, p);
      if (s) rc.before = s;
    }
    if (AFTER_OPS.has(op)) {
      const p = props(step.newState, "new");
      const s = p && readState(type, p);
      if (s) rc.after = s;
    }
  }
  const resources = [...byUrn.values()];
  const apexes = [...new Set(zones.values())];
  const notes = new Set<string>();
  const place = (s: RecordState): { zone: string; name: string } => {
    const apex = zones.get(s.zoneId) ?? longestZone(s.name.replace(/\.$/, ""), apexes);
    if (apex === undefined) {
      if (s.zoneId !== "")
        notes.add(
          `Zone id ${s.zoneId} is not mapped to a zone name: pass --spec or --zone ${s.zoneId}=APEX to resolve relative names.`,
        );
      return { zone: s.zoneId === "" ? "(unknown zone)" : s.zoneId, name: s.name };
    }
    if (s.name === "@" || s.name === "") return { zone: apex, name: apex };
    if (isInZone(s.name.replace(/\.$/, ""), apex))
      return { zone: apex, name: s.name.replace(/\.$/, "") };
    return { zone: apex, name: `${s.name.replace(/\.$/, "")}.${apex}` };
  };
  // Mail hosts: MX targets on either side, so their A/AAAA count as host addresses.
  const mailHosts = new Set<string>();
  for (const r of resources) {
    for (const s of [r.before, r.after]) {
      if (s?.type === "MX")
        for (const v of s.values) mailHosts.add((v.split(/\s+/)[1] ?? "").replace(/\.$/, ""));
    }
  }
  interface Acc {
    zone: string;
    name: string;
    type: RecordType;
    before: string[];
    after: string[];
    ttlBefore?: number;
    ttlAfter?: number;
    urns: Set<string>;
    owned: boolean[];
    hint?: RecordPurpose;
    proxiedAfter: boolean;
  }
  const slots = new Map<string, Acc>();
  const family = (name: string, type: RecordType, value: string): string =>
    type !== "TXT" || name.includes("._domainkey.") ? "" : txtFamily(value);
  const add = (r: ResourceChange, s: RecordState, side: "before" | "after") => {
    const { zone, name } = place(s);
    const values = s.values.map((v) => shown(v, name, s.type, notes));
    const groups = new Map<string, string[]>();
    for (const v of values.length === 0 ? [""] : values) {
      const f = family(name, s.type, v);
      groups.set(f, [...(groups.get(f) ?? []), v]);
    }
    for (const [f, vs] of groups) {
      const k = `${zone}\u0000${name}\u0000${s.type}\u0000${f}`;
      const acc: Acc = slots.get(k) ?? {
        zone,
        name,
        type: s.type,
        before: [],
        after: [],
        urns: new Set(),
        owned: [],
        proxiedAfter: false,
      };
      slots.set(k, acc);
      acc[side].push(...vs.filter((v) => v !== ""));
      const ttlKey = side === "before" ? "ttlBefore" : "ttlAfter";
      if (s.ttl !== undefined) acc[ttlKey] = Math.min(acc[ttlKey] ?? s.ttl, s.ttl);
      acc.urns.add(r.urn);
      acc.owned.push(r.ownedByDms);
      if (s.purposeHint !== undefined) acc.hint = s.purposeHint;
      if (side === "after" && s.proxied === true) acc.proxiedAfter = true;
    }
  };
  for (const r of resources) {
    if (r.before) add(r, r.before, "before");
    if (r.after) add(r, r.after, "after");
  }
  const changes: Change[] = [];
  for (const acc of slots.values()) {
    const purpose =
      acc.hint ?? inferPurpose(acc.name, acc.type, [...acc.after, ...acc.before], mailHosts);
    const slot: Slot = {
      zone: acc.zone,
      name: acc.name,
      type: acc.type,
      ...(purpose === undefined ? {} : { purpose }),
      before: acc.before,
      after: acc.after,
      ...(acc.ttlBefore === undefined ? {} : { ttlBefore: acc.ttlBefore }),
      ...(acc.ttlAfter === undefined ? {} : { ttlAfter: acc.ttlAfter }),
      urns: [...acc.urns].sort(cmp),
      ownedByDms: acc.owned.every((o) => o),
    };
    changes.push(compareSlot(slot));
    const urns = [...acc.urns].sort(cmp);
    const spf = acc.type === "TXT" ? spfRecords(acc.after) : [];
    // Only when every value after the change is SPF: a name that also holds other TXT values is
    // checked by the live path against what is really published.
    if (spf.length > 1 && acc.after.every((v) => txtFamily(v) === "spf")) {
      changes.push(
        conflict(
          acc.zone,
          acc.name,
          acc.type,
          "spf-multiple",
          `${spf.length} SPF records at ${acc.name} after this change: receivers treat this as a permerror and SPF fails (RFC 7208 §3.2)`,
          { after: spf, urns },
        ),
      );
    }
    if (acc.proxiedAfter && (mailHosts.has(acc.name) || purpose === "host-address")) {
      changes.push(
        conflict(
          acc.zone,
          acc.name,
          acc.type,
          "cloudflare-proxied",
          `mail host ${acc.name} is proxied by Cloudflare (proxied: true): SMTP and IMAP cannot pass the proxy; set proxied to false`,
          { after: [...acc.after].sort(cmp), urns },
        ),
      );
    }
  }
  return assembleDiff({ kind: "preview", file: options.file }, changes, [...notes]);
}

/** A value for display and comparison: unknowns and secrets become readable markers. */
function shown(value: string, name: string, type: RecordType, notes: Set<string>): string {
  if (value.includes(UNKNOWN_SENTINEL)) {
    notes.add(
      "Values shown as (known after deploy) are computed during `pulumi up` (a DKIM key generated at deploy, say).",
    );
    // A DKIM key generated at deploy: compare presence, as the live path does.
    if (type === "TXT" && name.includes("._domainkey."))
      return `v=DKIM1; k=rsa; p=${DKIM_PLACEHOLDER}`;
    return KNOWN_AFTER_DEPLOY;
  }
  if (value === SECRET_MARK) {
    notes.add("Values shown as [secret] are Pulumi secrets: the preview does not reveal them.");
  }
  return value;
}
