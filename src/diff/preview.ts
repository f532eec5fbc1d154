/**
 * The preview path of `dmsctl diff --from-preview FILE`: reads the document `pulumi preview --json`
 * prints (the engine's `PreviewDigest`: `steps[]` of `{op, urn, oldState, newState, diffReasons,
 * replaceReasons, detailedDiff}`, each state a `ResourceV3` with `inputs`/`outputs`) and turns the
 * steps of DNS record resources into the same {@link Diff} the live path produces.
 *
 * Each DNS provider folder reads its own record resources (`../providers/dns/readers.ts`:
 * Cloudflare's `DnsRecord` and older `Record`, one resource per value; Route53's `Record`, one per
 * record set, long TXT values joined back); this module groups what they read into record sets
 * and compares them. Every record resource in the preview is rendered, whether a pulumi-docker-mailserver component (`dms:` in the URN's
 * type chain) created it or not. Ownership is known from Pulumi state here, so a `delete` step is
 * a real deletion.
 *
 * The document is read a piece at a time (`./preview-document.ts`): each step is checked, the
 * record resources among them are read, and the step is dropped, so a preview of a large stack
 * costs memory for its DNS records only ({@link diffFromPreviewStream}; the CLI reads files so).
 *
 * Secrets appear as `"[secret]"` in the document (the engine masks them, `--show-secrets` does
 * not unmask JSON); values computed at deploy appear as Pulumi's unknown sentinel.
 *
 * @see https://www.pulumi.com/docs/iac/cli/commands/pulumi_preview/
 * @see https://github.com/pulumi/pulumi/blob/master/pkg/display/json.go (`PreviewDigest`, `PreviewStep`)
 */
import type { RecordPurpose, RecordType } from "../records/types";
import { isInZone, longestZone } from "../records/names";
import { DKIM_PLACEHOLDER, mxExchange, txtFamily } from "../records/values";
import {
  isJsonObject,
  SECRET_MARK,
  UNKNOWN_SENTINEL,
  type Json,
  type JsonObject,
  type PreviewRecordState,
} from "../providers/dns/preview-reader";
import { previewReaderFor } from "../providers/dns/readers";
import { cmp } from "../spec/findings";
import { assembleDiff, compareSlot, conflict, spfRecords, type Slot } from "./compute";
import { readPreviewStream, readPreviewText } from "./preview-document";
import type { Change, Diff } from "./types";
import { pushTo } from "../spec/order";

export { SECRET_MARK, UNKNOWN_SENTINEL } from "../providers/dns/preview-reader";
export { PreviewError } from "./preview-document";
export { RECORD_RESOURCE_TYPES } from "../providers/dns/readers";

/** How an unknown value is shown. */
export const KNOWN_AFTER_DEPLOY = "(known after deploy)";

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

/**
 * Parses the text of `pulumi preview --json` and checks its shape; returns every step (for a
 * large document, {@link diffFromPreviewStream} keeps only what the diff needs). Throws
 * {@link PreviewError} naming the file and the problem.
 */
export function parsePreview(text: string, file: string): JsonObject[] {
  const steps: JsonObject[] = [];
  readPreviewText(text, file, (s) => steps.push(s));
  return steps;
}

/** The parts of a URN: `urn:pulumi:<stack>::<project>::<parent$...$type>::<name>`. */
export function parseUrn(urn: string): { type: string; chain: string[]; name: string } {
  const rest = urn.replace(/^urn:pulumi:/, "").split("::");
  const qualified = rest[2] ?? "";
  const chain = qualified.split("$");
  return { type: chain[chain.length - 1] ?? "", chain, name: rest.slice(3).join("::") };
}

/** The properties of a state: inputs for the desired side, provider outputs for what exists. */
function props(state: Json | undefined, side: "old" | "new"): JsonObject | undefined {
  if (!isJsonObject(state)) return undefined;
  const inputs = isJsonObject(state.inputs) ? state.inputs : undefined;
  const outputs =
    isJsonObject(state.outputs) && Object.keys(state.outputs).length > 0
      ? state.outputs
      : undefined;
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
  if (type === "CNAME" && name.startsWith("_dmarc.")) return "dmarc";
  if (type === "CNAME" && name.includes("._domainkey.")) return "dkim";
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
  before?: PreviewRecordState;
  after?: PreviewRecordState;
}

const AFTER_OPS = new Set(["create", "create-replacement", "update", "replace", "same", "import"]);
const BEFORE_OPS = new Set(["delete", "delete-replaced", "update", "replace", "same", "import"]);

/**
 * The note of a preview that lists no unchanged resource: `pulumi preview --json` leaves "same"
 * steps out unless given `--show-sames`, and without them records that stay as they are (our SPF,
 * another program's proxied host) are invisible, so conflicts with them cannot be found.
 */
export const NO_SAMES_NOTE =
  "The preview lists no unchanged (same) resources besides the stack: run `pulumi preview --json --show-sames`, or conflicts with unchanged records (a second SPF, a proxied mail host) are missed.";

/**
 * What the diff keeps of the steps while a document is read: the record resources, and whether
 * the preview lists unchanged resources (for {@link NO_SAMES_NOTE}). Every other step is looked at
 * once and forgotten, so memory grows with the DNS records, not with the document.
 */
class StepCollector {
  readonly byUrn = new Map<string, ResourceChange>();
  private steps = 0;
  private stackCreated = false;
  private sameSeen = false;

  readonly add = (step: JsonObject): void => {
    const urn = step.urn as string;
    const op = step.op as string;
    const { type, chain } = parseUrn(urn);
    this.steps++;
    if (type === "pulumi:pulumi:Stack") {
      if (op === "create") this.stackCreated = true;
    } else if (op === "same") this.sameSeen = true;
    const reader = previewReaderFor(type);
    if (reader === undefined) return;
    const byUrn = this.byUrn;
    const rc: ResourceChange = byUrn.get(urn) ?? {
      urn,
      ownedByDms: chain.slice(0, -1).some((t) => t.startsWith("dms:")),
    };
    byUrn.set(urn, rc);
    if (BEFORE_OPS.has(op)) {
      const p =
        props(step.oldState, "old") ??
        (op === "same" || op === "import" ? props(step.newState, "new") : undefined);
      const s = p && reader.readState(p);
      if (s) rc.before = s;
    }
    if (AFTER_OPS.has(op)) {
      const p = props(step.newState, "new");
      const s = p && reader.readState(p);
      if (s) rc.after = s;
    }
  };

  /**
   * Whether the preview could list unchanged resources and does (`--show-sames` was given): true
   * for an empty program or a new stack (nothing exists yet, so nothing can be unchanged).
   */
  get hasSameSteps(): boolean {
    return this.steps === 0 || this.stackCreated || this.sameSeen;
  }
}

/**
 * Builds the diff of the DNS record steps of a `pulumi preview --json` document held as text.
 * Throws {@link PreviewError} for a document that is not one.
 */
export function diffFromPreview(text: string, options: PreviewDiffOptions): Diff {
  const steps = new StepCollector();
  readPreviewText(text, options.file, steps.add);
  return diffOfSteps(steps, options);
}

/**
 * {@link diffFromPreview} of a document read piece by piece (a file's or stdin's chunks, as
 * `fs.createReadStream` gives them): only the record resources are kept, so memory stays bounded
 * by the largest step, whatever the document's size. Rejects with {@link PreviewError}.
 */
export async function diffFromPreviewStream(
  source: AsyncIterable<Uint8Array | string>,
  options: PreviewDiffOptions,
): Promise<Diff> {
  const steps = new StepCollector();
  await readPreviewStream(source, options.file, steps.add);
  return diffOfSteps(steps, options);
}

function diffOfSteps(steps: StepCollector, options: PreviewDiffOptions): Diff {
  const zones = options.zones ?? new Map<string, string>();
  const resources = [...steps.byUrn.values()];
  const apexes = [...new Set(zones.values())];
  const notes = new Set<string>();
  if (!steps.hasSameSteps) notes.add(NO_SAMES_NOTE);
  const place = (s: PreviewRecordState): { zone: string; name: string } => {
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
      if (s?.type !== "MX") continue;
      for (const v of s.values) {
        const host = mxExchange(v);
        if (host !== undefined) mailHosts.add(host);
      }
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
  const add = (r: ResourceChange, s: PreviewRecordState, side: "before" | "after") => {
    const { zone, name } = place(s);
    const values = s.values.map((v) => shown(v, name, s.type, notes));
    const groups = new Map<string, string[]>();
    for (const v of values.length === 0 ? [""] : values) {
      const f = family(name, s.type, v);
      pushTo(groups, f, v);
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
  changes.push(...cnameConflicts([...slots.values()]));
  return assembleDiff({ kind: "preview", file: options.file }, changes, [...notes]);
}

/**
 * A CNAME and other records at one name after the change: no DNS host publishes the pair (RFC 1034
 * §3.6.2), so the apply fails or, where a host keeps an older CNAME, receivers read the target's
 * records instead of ours. One conflict per other record set, naming both values and resources.
 */
function cnameConflicts(
  slots: readonly {
    zone: string;
    name: string;
    type: RecordType;
    after: string[];
    urns: Set<string>;
    hint?: RecordPurpose;
  }[],
): Change[] {
  const cnames = new Map<string, (typeof slots)[number]>();
  for (const s of slots) {
    if (s.type === "CNAME" && s.after.length > 0) cnames.set(`${s.zone}\u0000${s.name}`, s);
  }
  const out: Change[] = [];
  for (const s of slots) {
    const c = cnames.get(`${s.zone}\u0000${s.name}`);
    if (c === undefined || s.type === "CNAME" || s.after.length === 0) continue;
    const targets = [...new Set(c.after)].sort(cmp);
    const values = [...new Set(s.after)].sort(cmp);
    const shown = values.map((v) => (s.type === "TXT" ? JSON.stringify(v) : v)).join(", ");
    out.push(
      conflict(
        s.zone,
        s.name,
        s.type,
        "cname-conflict",
        `${s.name} is a CNAME to ${targets.map((t) => t.replace(/\.$/, "")).join(", ")} and after this change also holds ${s.type} ${shown}: a CNAME cannot share its name (RFC 1034 §3.6.2), so the DNS host refuses one of them; keep the CNAME (a delegated record, dmarc.cname or dkim.cname in the spec) or the ${s.type}`,
        {
          before: targets.map((t) => `CNAME ${t}`),
          after: values,
          urns: [...new Set([...c.urns, ...s.urns])].sort(cmp),
        },
      ),
    );
  }
  return out;
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
