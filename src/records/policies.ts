/**
 * The TXT policy texts of mail authentication: SPF, DKIM, DMARC, MTA-STS and TLS-RPT. Pure string
 * builders with one canonical form each, so the same spec always yields the same text and `dmsctl
 * diff` can compare planned and live values as strings.
 */
import { createHash, createPublicKey } from "node:crypto";

// ---------------------------------------------------------------------------------------------
// SPF (RFC 7208)
// ---------------------------------------------------------------------------------------------

/** Inputs of a domain's SPF record. */
export interface SpfInput {
  /** Authorise the domain's MX hosts with `mx`. */
  readonly mx: boolean;
  /** The mail host's addresses, written as `ip4:` / `ip6:` so no lookup is needed. */
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** Extra mechanisms, in the spec's order (order matters in SPF evaluation); duplicates dropped. */
  readonly mechanisms: readonly string[];
  /** The terminal mechanism. */
  readonly all: "-all" | "~all";
}

/**
 * `v=spf1 mx ip4:192.0.2.10 ip6:2001:db8::10 include:_spf.example.net -all`. The host's own
 * addresses are listed even with `mx`, because mail leaves from them whatever the MX lookup
 * says, and `ip4`/`ip6` cost no DNS lookup against the limit of 10 (RFC 7208 §4.6.4).
 * @see https://www.rfc-editor.org/rfc/rfc7208#section-4.6
 */
export function spfText(input: SpfInput): string {
  const terms = ["v=spf1"];
  if (input.mx) terms.push("mx");
  if (input.ipv4 !== undefined) terms.push(`ip4:${input.ipv4}`);
  if (input.ipv6 !== undefined) terms.push(`ip6:${input.ipv6}`);
  for (const m of input.mechanisms) if (!terms.includes(m)) terms.push(m);
  terms.push(input.all);
  return terms.join(" ");
}

/**
 * The SPF record at the mail host's name, checked against the HELO identity (RFC 7208 §2.3):
 * `v=spf1 ip4:... ip6:... -all` when the addresses are known, else `v=spf1 a -all`.
 */
export function heloSpfText(ipv4?: string, ipv6?: string): string {
  const terms = ["v=spf1"];
  if (ipv4 !== undefined) terms.push(`ip4:${ipv4}`);
  if (ipv6 !== undefined) terms.push(`ip6:${ipv6}`);
  if (terms.length === 1) terms.push("a");
  terms.push("-all");
  return terms.join(" ");
}

// ---------------------------------------------------------------------------------------------
// DKIM (RFC 6376)
// ---------------------------------------------------------------------------------------------

/** The owner name of a DKIM key: `<selector>._domainkey.<domain>` (RFC 6376 §3.6.2.1). */
export function dkimName(selector: string, domain: string): string {
  return `${selector}._domainkey.${domain}`;
}

/**
 * `v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>`, the form DMS's OpenDKIM and Rspamd
 * generators publish (dms-reference.md §2).
 * @see https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1
 */
export function dkimText(publicKeyBase64: string): string {
  return `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
}

/** The base64 body of a PEM SubjectPublicKeyInfo: the DKIM `p=` value (RFC 6376 §3.6.1). */
export function spkiBase64FromPem(pem: string): string {
  return pem
    .split("\n")
    .filter((l) => l.length > 0 && !l.startsWith("-----"))
    .join("")
    .trim();
}

/**
 * The `p=` value of a PEM private key (PKCS#1 or PKCS#8): the base64 DER SubjectPublicKeyInfo.
 * @throws Error when the PEM is not an RSA private key (the message never contains key material).
 */
export function dkimPublicKeyBase64(privateKeyPem: string): string {
  let key;
  try {
    key = createPublicKey(privateKeyPem);
  } catch {
    throw new Error("not a PEM private key");
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new Error(`must be an RSA key, got ${String(key.asymmetricKeyType)}`);
  }
  return key.export({ type: "spki", format: "der" }).toString("base64");
}

// ---------------------------------------------------------------------------------------------
// DMARC (RFC 7489)
// ---------------------------------------------------------------------------------------------

/** Inputs of a DMARC record (the spec's `dmarc`). */
export interface DmarcInput {
  readonly policy: "none" | "quarantine" | "reject";
  readonly subdomainPolicy?: "none" | "quarantine" | "reject";
  readonly rua: readonly string[];
  readonly ruf: readonly string[];
  readonly pct: number;
  readonly adkim: "r" | "s";
  readonly aspf: "r" | "s";
}

/**
 * `v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:a@x,mailto:b@x; ruf=...; adkim=s; aspf=s`.
 * Tags equal to their RFC default (`pct=100`, `adkim=r`, `aspf=r`) are omitted, so the record
 * stays short and only says what differs. URIs keep the spec's order (RFC 7489 §6.2 lets
 * receivers stop at a size limit, so order carries the user's priority).
 * @see https://www.rfc-editor.org/rfc/rfc7489#section-6.3
 */
export function dmarcText(d: DmarcInput): string {
  const tags = ["v=DMARC1", `p=${d.policy}`];
  if (d.subdomainPolicy !== undefined) tags.push(`sp=${d.subdomainPolicy}`);
  if (d.pct !== 100) tags.push(`pct=${d.pct}`);
  if (d.rua.length > 0) tags.push(`rua=${unique(d.rua).join(",")}`);
  if (d.ruf.length > 0) tags.push(`ruf=${unique(d.ruf).join(",")}`);
  if (d.adkim !== "r") tags.push(`adkim=${d.adkim}`);
  if (d.aspf !== "r") tags.push(`aspf=${d.aspf}`);
  return tags.join("; ");
}

/**
 * The domain a `mailto:` report URI delivers to (`mailto:dmarc@example.net!10m` ->
 * `example.net`), lowercase; undefined for anything else.
 */
export function mailtoDomain(uri: string): string | undefined {
  const m = /^mailto:[^@!?]+@([^!?]+)/i.exec(uri);
  return m ? m[1]!.toLowerCase() : undefined;
}

/**
 * The name where `reportDomain` authorises receiving DMARC reports for `domain`:
 * `<domain>._report._dmarc.<reportDomain>`, TXT `v=DMARC1` (RFC 7489 §7.1).
 */
export function dmarcReportAuthName(domain: string, reportDomain: string): string {
  return `${domain}._report._dmarc.${reportDomain}`;
}

/** The TXT value of a DMARC external report authorization (RFC 7489 §7.1). */
export const DMARC_REPORT_AUTH_TEXT = "v=DMARC1";

// ---------------------------------------------------------------------------------------------
// MTA-STS (RFC 8461) and TLS-RPT (RFC 8460)
// ---------------------------------------------------------------------------------------------

/** Inputs of an MTA-STS policy. */
export interface MtaStsInput {
  readonly mode: "enforce" | "testing" | "none";
  /** MX host patterns the policy allows. */
  readonly mx: readonly string[];
  readonly maxAge: number;
}

/**
 * The policy file served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`: CRLF-separated
 * `key: value` lines (RFC 8461 §3.2), `mx` lines sorted.
 */
export function mtaStsPolicyText(p: MtaStsInput): string {
  const lines = ["version: STSv1", `mode: ${p.mode}`];
  for (const mx of unique([...p.mx].sort())) lines.push(`mx: ${mx}`);
  lines.push(`max_age: ${p.maxAge}`);
  return lines.map((l) => `${l}\r\n`).join("");
}

/**
 * A policy id derived from the policy text: the first 20 hex digits of its SHA-256. It changes
 * exactly when the policy changes, which is what RFC 8461 §3.1 asks of `id`, and needs no clock.
 */
export function mtaStsPolicyId(policyText: string): string {
  return createHash("sha256").update(policyText).digest("hex").slice(0, 20);
}

/** `_mta-sts` TXT: `v=STSv1; id=<id>` (RFC 8461 §3.1). */
export function mtaStsText(id: string): string {
  return `v=STSv1; id=${id}`;
}

/** `_smtp._tls` TXT: `v=TLSRPTv1; rua=<uri>[,<uri>]` (RFC 8460 §3). */
export function tlsRptText(rua: readonly string[]): string {
  if (rua.length === 0) throw new Error("TLS-RPT needs at least one rua URI");
  return `v=TLSRPTv1; rua=${unique(rua).join(",")}`;
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}

/** The `p=` shown when the key will only exist after deploy (dmsctl without a key). */
export const DKIM_PLACEHOLDER = "<generated-at-deploy>";
