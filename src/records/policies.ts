/**
 * The TXT policy texts of mail authentication: SPF, DKIM, DMARC, MTA-STS and TLS-RPT. Pure string
 * builders from the spec's inputs with one canonical form each, so the same spec always yields the
 * same text and `dmsctl diff` can compare planned and live values as strings. Each renders through
 * the value module of its record (`./values/`), which also parses it back.
 */
import { createHash, createPublicKey } from "node:crypto";
import { renderDkim } from "./values/dkim";
import { renderDmarc, type DmarcValue } from "./values/dmarc";
import { renderMtaSts } from "./values/mta-sts";
import { renderSpf } from "./values/spf";
import { renderTlsRpt } from "./values/tls-rpt";

export { DKIM_PLACEHOLDER } from "./values/dkim";

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
  const terms: string[] = [];
  if (input.mx) terms.push("mx");
  if (input.ipv4 !== undefined) terms.push(`ip4:${input.ipv4}`);
  if (input.ipv6 !== undefined) terms.push(`ip6:${input.ipv6}`);
  for (const m of input.mechanisms) if (!terms.includes(m)) terms.push(m);
  terms.push(input.all);
  return renderSpf({ terms });
}

/**
 * The SPF record at the mail host's name, checked against the HELO identity (RFC 7208 §2.3):
 * `v=spf1 ip4:... ip6:... -all` when the addresses are known, else `v=spf1 a -all`.
 */
export function heloSpfText(ipv4?: string, ipv6?: string): string {
  const terms: string[] = [];
  if (ipv4 !== undefined) terms.push(`ip4:${ipv4}`);
  if (ipv6 !== undefined) terms.push(`ip6:${ipv6}`);
  if (terms.length === 0) terms.push("a");
  terms.push("-all");
  return renderSpf({ terms });
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
 * generators publish (docs/dms-contract.md#dkim-keys).
 * @see https://www.rfc-editor.org/rfc/rfc6376#section-3.6.1
 */
export function dkimText(publicKeyBase64: string): string {
  return renderDkim({ keyType: "rsa", publicKey: publicKeyBase64 });
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

/** Inputs of a DMARC record (the spec's `dmarc`): the record's value itself. */
export type DmarcInput = DmarcValue;

/**
 * `v=DMARC1; p=reject; sp=quarantine; pct=50; rua=mailto:a@x,mailto:b@x; ruf=...; adkim=s; aspf=s`
 * (see {@link renderDmarc}: tags at their RFC default are omitted, URIs keep the spec's order).
 * @see https://www.rfc-editor.org/rfc/rfc7489#section-6.3
 */
export function dmarcText(d: DmarcInput): string {
  return renderDmarc(d);
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
  return renderMtaSts({ id });
}

/** `_smtp._tls` TXT: `v=TLSRPTv1; rua=<uri>[,<uri>]` (RFC 8460 §3). */
export function tlsRptText(rua: readonly string[]): string {
  return renderTlsRpt({ rua });
}

function unique(items: readonly string[]): string[] {
  return [...new Set(items)];
}
