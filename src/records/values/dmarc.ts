/**
 * DMARC records (RFC 7489 §6.3): rendered from the policy and parsed back into it.
 */
import { parseTagList, renderTags, splitUris } from "./tags";
import { txtFamily } from "./family";

/** A DMARC policy: what receivers do with mail that fails. */
export type DmarcPolicy = "none" | "quarantine" | "reject";

/** A DMARC record's value (the spec's `dmarc`). */
export interface DmarcValue {
  readonly policy: DmarcPolicy;
  readonly subdomainPolicy?: DmarcPolicy;
  readonly rua: readonly string[];
  readonly ruf: readonly string[];
  readonly pct: number;
  readonly adkim: "r" | "s";
  readonly aspf: "r" | "s";
}

/**
 * `v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:a@x,mailto:b@x; ruf=...; adkim=s; aspf=s`.
 * Tags equal to their RFC default (`pct=100`, `adkim=r`, `aspf=r`) are omitted, so the record
 * stays short and only says what differs. URIs keep their order, duplicates dropped (RFC 7489
 * §6.2 lets receivers stop at a size limit, so order carries the user's priority).
 * @see https://www.rfc-editor.org/rfc/rfc7489#section-6.3
 */
export function renderDmarc(d: DmarcValue): string {
  const tags: [string, string][] = [
    ["v", "DMARC1"],
    ["p", d.policy],
  ];
  if (d.subdomainPolicy !== undefined) tags.push(["sp", d.subdomainPolicy]);
  if (d.pct !== 100) tags.push(["pct", String(d.pct)]);
  if (d.rua.length > 0) tags.push(["rua", [...new Set(d.rua)].join(",")]);
  if (d.ruf.length > 0) tags.push(["ruf", [...new Set(d.ruf)].join(",")]);
  if (d.adkim !== "r") tags.push(["adkim", d.adkim]);
  if (d.aspf !== "r") tags.push(["aspf", d.aspf]);
  return renderTags(tags);
}

const POLICIES: readonly string[] = ["none", "quarantine", "reject"];

/**
 * Reads a DMARC record into its policy, RFC defaults filled in (`pct` 100, `adkim`/`aspf` `r`).
 * Tag names and the policy words are case-insensitive (RFC 7489 §6.4 ABNF). `undefined` when the
 * text is not a DMARC record, its tag list is invalid, or a tag this type models has a value
 * outside its grammar (a receiver would discard such a record, §6.6.3).
 */
export function parseDmarc(text: string): DmarcValue | undefined {
  if (txtFamily(text) !== "dmarc") return undefined;
  const { tags, problems } = parseTagList(text, "fold");
  if (problems.length > 0) return undefined;
  const policy = tags.get("p")?.toLowerCase();
  const sp = tags.get("sp")?.toLowerCase();
  const pctText = tags.get("pct") ?? "100";
  const adkim = (tags.get("adkim") ?? "r").toLowerCase();
  const aspf = (tags.get("aspf") ?? "r").toLowerCase();
  if (policy === undefined || !POLICIES.includes(policy)) return undefined;
  if (sp !== undefined && !POLICIES.includes(sp)) return undefined;
  if (!/^\d{1,3}$/.test(pctText) || Number(pctText) > 100) return undefined;
  if ((adkim !== "r" && adkim !== "s") || (aspf !== "r" && aspf !== "s")) return undefined;
  return {
    policy: policy as DmarcPolicy,
    ...(sp !== undefined ? { subdomainPolicy: sp as DmarcPolicy } : {}),
    rua: splitUris(tags.get("rua")),
    ruf: splitUris(tags.get("ruf")),
    pct: Number(pctText),
    adkim,
    aspf,
  };
}
