/**
 * DNS checks: what a receiving server looks up about us, asked of one DNS server (the `DnsClient`,
 * `--resolver HOST:PORT`) and compared with the plan. SPF is evaluated and DKIM signatures are
 * verified with `mailauth`, given a resolver that asks the same server, so the verdict is the one a
 * receiver running the same library would reach.
 *
 * A check whose precondition failed is skipped, not failed, so a broken record names exactly one
 * failing check (two SPF records fail `spf-single-record`; `spf-pass` is then skipped).
 */
import { isIPv4 } from "node:net";
import type { DnsAnswer, DnsClient } from "../net/dns";
import type { DomainSpec, MailServerSpec } from "../spec/schema";
import type { DnsRecord } from "../records/types";
import type { Plan } from "../plan/types";
import { cmp } from "../spec/findings";
import { reverseName } from "../records/names";
import { canonicalIpv6 } from "../spec/ip";
import { dkimName, dmarcReportAuthName, mailtoDomain } from "../records/policies";
import {
  DKIM_PLACEHOLDER,
  dkimKeyInfo,
  mxExchange,
  parseDkim,
  parseSpf,
  parseTags,
  spfTerm,
  splitUris,
  txtFamily,
} from "../records/values";
import { fail, pass, skip, type Check } from "./checks";
// mailauth is loaded on first use, not at import: it (with joi, libmime, ...) costs ~50 ms, and
// importing the package must stay cheap for Pulumi programs that never verify (bench/import).
// Sub-modules only: the top-level module also loads BIMI and its HTTP client (undici), unused here.
import type * as MailauthSpf from "mailauth/lib/spf";
import type * as MailauthDkimSign from "mailauth/lib/dkim/sign";
import type * as MailauthDkimVerify from "mailauth/lib/dkim/verify";
/* eslint-disable @typescript-eslint/no-require-imports */
const spf: typeof MailauthSpf.spf = (...args) =>
  (require("mailauth/lib/spf") as typeof MailauthSpf).spf(...args);
const dkimSign: typeof MailauthDkimSign.dkimSign = (...args) =>
  (require("mailauth/lib/dkim/sign") as typeof MailauthDkimSign).dkimSign(...args);
const dkimVerify: typeof MailauthDkimVerify.dkimVerify = (...args) =>
  (require("mailauth/lib/dkim/verify") as typeof MailauthDkimVerify).dkimVerify(...args);
const dmarcRecord = () =>
  require("mailauth/lib/dmarc/get-dmarc-record") as {
    getOrgDomain(domain: string, lookup: unknown): Promise<string>;
    createRecordLookup(resolver: unknown, opts: unknown): unknown;
  };
/* eslint-enable @typescript-eslint/no-require-imports */

/** What the DNS checks need. */
export interface DnsCheckContext {
  readonly spec: MailServerSpec;
  readonly plan: Plan;
  readonly dns: DnsClient;
  /** PEM private keys by domain, for `dkim-key-matches`. */
  readonly dkimPrivateKeys: ReadonlyMap<string, string>;
  /** Bound on one SPF evaluation, in milliseconds. @default 10000 */
  readonly spfTimeoutMs?: number;
}

/** RFC 7208 §4.6.4: at most 10 DNS-querying terms per SPF evaluation. */
export const SPF_LOOKUP_LIMIT = 10;

/** The host's declared addresses, IPv4 first. */
export function declaredIps(spec: MailServerSpec): string[] {
  return [
    ...(spec.ipv4 !== undefined ? [spec.ipv4] : []),
    ...(spec.ipv6 !== undefined ? [canonicalIpv6(spec.ipv6)] : []),
  ];
}

/** The mailauth `resolver` over the shared client. */
export function mailauthResolver(dns: DnsClient) {
  return (name: string, rrtype: string) =>
    dns.resolve(name, rrtype) as Promise<string[][] | string[]>;
}

/** Why a lookup gave nothing, for messages: `nxdomain`, `no TXT record`, `timeout (...)`. */
function lookupProblem(a: DnsAnswer): string {
  switch (a.status) {
    case "ok":
      return "ok";
    case "nxdomain":
      return `${a.name} does not exist (NXDOMAIN)`;
    case "nodata":
      return `no ${a.type} record at ${a.name}`;
    case "servfail":
      return `lookup of ${a.name} ${a.type} failed: SERVFAIL`;
    case "refused":
      return `lookup of ${a.name} ${a.type} was refused by the server`;
    case "timeout":
      return `lookup of ${a.name} ${a.type} timed out`;
    case "unreachable":
      return `lookup of ${a.name} ${a.type} failed: the DNS server is unreachable`;
    case "error":
      return `lookup of ${a.name} ${a.type} failed: ${a.detail ?? "error"}`;
    default: {
      const _: never = a.status;
      return String(_);
    }
  }
}

function planned(plan: Plan, purpose: DnsRecord["purpose"], domain: string): DnsRecord[] {
  return plan.records.filter((r) => r.purpose === purpose && r.domain === domain);
}

function sameIp(a: string, b: string): boolean {
  if (isIPv4(a) || isIPv4(b)) return a === b;
  try {
    return canonicalIpv6(a) === canonicalIpv6(b);
  } catch {
    return false;
  }
}

function quote(values: readonly string[]): string {
  return values.map((v) => JSON.stringify(v)).join(", ");
}

// -------------------------------------------------------------------------------------------
// MX, A/AAAA, PTR
// -------------------------------------------------------------------------------------------

/** `mx-points-to-host`: the domain's MX includes the hostname. */
export async function checkMx(ctx: DnsCheckContext, domain: DomainSpec): Promise<Check> {
  const host = `${ctx.plan.hostname}.`;
  const want = planned(ctx.plan, "mx", domain.name).flatMap((r) => r.values);
  const fix = `Publish MX ${want.join(", ") || `10 ${host}`} for ${domain.name} (dmsctl plan shows every record).`;
  const a = await ctx.dns.query(domain.name, "MX");
  if (a.status !== "ok") return fail("mx-points-to-host", domain.name, lookupProblem(a), fix);
  const exchanges = a.values.map(mxExchange);
  if (exchanges.includes(ctx.plan.hostname.toLowerCase())) {
    return pass("mx-points-to-host", domain.name, `MX ${a.values.join(", ")}`);
  }
  return fail(
    "mx-points-to-host",
    domain.name,
    `MX ${a.values.join(", ")} does not name ${host}`,
    fix,
  );
}

/** `host-a-matches`: A and AAAA of the hostname are exactly the declared addresses. */
export async function checkHostAddresses(ctx: DnsCheckContext): Promise<Check[]> {
  const host = ctx.plan.hostname;
  const out: Check[] = [];
  for (const [type, declared] of [
    ["A", ctx.spec.ipv4],
    ["AAAA", ctx.spec.ipv6 === undefined ? undefined : canonicalIpv6(ctx.spec.ipv6)],
  ] as const) {
    const subject = `${host} ${type}`;
    const a = await ctx.dns.query(host, type);
    if (declared === undefined) {
      out.push(
        skip(
          "host-a-matches",
          subject,
          `the spec declares no ${type === "A" ? "ipv4" : "ipv6"}; ${a.status === "ok" ? `found ${a.values.join(", ")}` : lookupProblem(a)}`,
        ),
      );
      continue;
    }
    const fix = `Publish ${host} ${type} ${declared} (and no other ${type} value).`;
    if (a.status !== "ok") {
      out.push(fail("host-a-matches", subject, lookupProblem(a), fix));
    } else if (a.values.length === 1 && sameIp(a.values[0]!, declared)) {
      out.push(pass("host-a-matches", subject, `${type} ${declared}`));
    } else {
      out.push(
        fail(
          "host-a-matches",
          subject,
          `${type} ${a.values.join(", ")}, declared ${declared}`,
          fix,
        ),
      );
    }
  }
  return out;
}

/** `ptr-matches-hostname` and `ptr-forward-confirmed` for each declared address. */
export async function checkPtr(ctx: DnsCheckContext): Promise<Check[]> {
  const host = `${ctx.plan.hostname}.`;
  const out: Check[] = [];
  for (const p of ctx.plan.ptr) {
    const fix =
      `Set the reverse DNS of ${p.ip} to ${p.hostname} at the provider that owns the address ` +
      `(cloud console or support ticket; PTR ${p.name} -> ${host}).`;
    const a = await ctx.dns.query(p.name, "PTR");
    if (a.status !== "ok") {
      out.push(fail("ptr-matches-hostname", p.ip, `no PTR: ${lookupProblem(a)}`, fix));
      out.push(skip("ptr-forward-confirmed", p.ip, "skipped: no PTR to confirm"));
      continue;
    }
    if (a.values.length === 1 && a.values[0] === host) {
      out.push(pass("ptr-matches-hostname", p.ip, `PTR ${host}`));
    } else {
      out.push(
        fail("ptr-matches-hostname", p.ip, `PTR ${a.values.join(", ")}, expected ${host}`, fix),
      );
    }
    // Forward-confirmed reverse DNS (RFC 8601 §3, "iprev"): a PTR name must resolve back to the IP.
    const type = isIPv4(p.ip) ? "A" : "AAAA";
    const confirmed: string[] = [];
    const problems: string[] = [];
    for (const name of a.values) {
      const f = await ctx.dns.query(name.replace(/\.$/, ""), type);
      if (f.status === "ok" && f.values.some((v) => sameIp(v, p.ip))) confirmed.push(name);
      else
        problems.push(
          f.status === "ok" ? `${name} ${type} ${f.values.join(", ")}` : lookupProblem(f),
        );
    }
    if (confirmed.length > 0) {
      out.push(
        pass("ptr-forward-confirmed", p.ip, `${confirmed.join(", ")} resolves back to ${p.ip}`),
      );
    } else {
      out.push(
        fail(
          "ptr-forward-confirmed",
          p.ip,
          `the PTR name does not resolve back to ${p.ip}: ${problems.join("; ")}`,
          `Make ${a.values[0] ?? host} resolve to ${p.ip} (${type} record), or set the PTR to a name that does.`,
        ),
      );
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// SPF
// -------------------------------------------------------------------------------------------

/** Whether a TXT value is an SPF record (RFC 7208 §4.5: `v=spf1` then a space or the end). */
export function isSpf(txt: string): boolean {
  return txtFamily(txt) === "spf";
}

/**
 * Counts the DNS-querying terms of an SPF record, following `include:` and `redirect=` (RFC 7208
 * §4.6.4): `include`, `a`, `mx`, `ptr`, `exists`, `redirect`. Stops once past the limit. Targets
 * with macros are counted but not followed.
 */
export async function countSpfLookups(
  record: string,
  fetch: (domain: string) => Promise<string | undefined>,
  budget = { count: 0, depth: 0 },
): Promise<number> {
  for (const raw of parseSpf(record)?.terms ?? []) {
    if (budget.count > SPF_LOOKUP_LIMIT) break;
    const term = spfTerm(raw);
    const include =
      (term.name === "include" && term.rest.startsWith(":")) ||
      (term.name === "redirect" && term.rest.startsWith("="));
    if (include && term.rest.length > 1) {
      budget.count++;
      const target = term.rest.slice(1);
      if (target.includes("%") || budget.depth >= 10) continue;
      const sub = await fetch(target.replace(/\.$/, ""));
      if (sub !== undefined) {
        budget.depth++;
        await countSpfLookups(sub, fetch, budget);
        budget.depth--;
      }
    } else if (
      (["a", "mx", "ptr"].includes(term.name) && /^([:/]|$)/.test(term.rest)) ||
      (term.name === "exists" && term.rest.startsWith(":"))
    ) {
      budget.count++;
    }
  }
  return budget.count;
}

async function spfRecords(ctx: DnsCheckContext, name: string): Promise<[DnsAnswer, string[]]> {
  const a = await ctx.dns.query(name, "TXT");
  return [a, a.status === "ok" ? a.values.filter(isSpf) : []];
}

interface SpfVerdict {
  readonly result: string;
  readonly comment: string;
}

async function evaluateSpf(ctx: DnsCheckContext, sender: string, ip: string): Promise<SpfVerdict> {
  const r = await spf({
    sender,
    ip,
    helo: ctx.plan.hostname,
    mta: "dmsctl-verify",
    resolver: mailauthResolver(ctx.dns),
    maxElapsedTime: ctx.spfTimeoutMs ?? 10_000,
  } as Parameters<typeof spf>[0]);
  return { result: r.status.result, comment: r.status.comment ?? "" };
}

/** `spf-single-record`, `spf-pass` (per IP) and `spf-lookup-limit` for one domain. */
export async function checkSpf(ctx: DnsCheckContext, domain: DomainSpec): Promise<Check[]> {
  const d = domain.name;
  const want = planned(ctx.plan, "spf", d).flatMap((r) => r.values);
  const [answer, records] = await spfRecords(ctx, d);
  const out: Check[] = [];
  const fixOne = `Publish exactly one SPF record at ${d}: ${quote(want)} (RFC 7208 §3.2: two records make SPF fail with permerror).`;
  if (answer.status !== "ok" && answer.status !== "nodata" && answer.status !== "nxdomain") {
    out.push(fail("spf-single-record", d, lookupProblem(answer), fixOne));
  } else if (records.length === 1) {
    out.push(pass("spf-single-record", d, records[0]!));
  } else {
    out.push(
      fail(
        "spf-single-record",
        d,
        records.length === 0 ? "no SPF record" : `${records.length} SPF records: ${quote(records)}`,
        fixOne,
      ),
    );
  }
  const single = records.length === 1 ? records[0]! : undefined;
  const ips = declaredIps(ctx.spec);
  if (single === undefined) {
    out.push(skip("spf-pass", d, "skipped: the domain does not have exactly one SPF record"));
    out.push(
      skip("spf-lookup-limit", d, "skipped: the domain does not have exactly one SPF record"),
    );
    return out;
  }
  if (ips.length === 0) out.push(skip("spf-pass", d, "skipped: the spec declares no ipv4 or ipv6"));
  for (const ip of ips) {
    const v = await evaluateSpf(ctx, `postmaster@${d}`, ip);
    const subject = `${d} ${ip}`;
    if (v.result === "pass") out.push(pass("spf-pass", subject, `pass for ${ip}`));
    else {
      out.push(
        fail(
          "spf-pass",
          subject,
          `${v.result} for ${ip}: ${v.comment.replace(/^dmsctl-verify: /, "")}`,
          `Authorize ${ip} in the SPF record of ${d}; the plan publishes ${quote(want)}, whose \`mx\` covers the MX host ${ctx.plan.hostname} when its A/AAAA is right.`,
        ),
      );
    }
  }
  const count = await countSpfLookups(single, async (name) => {
    const [, found] = await spfRecords(ctx, name);
    return found.length === 1 ? found[0] : undefined;
  });
  if (count <= SPF_LOOKUP_LIMIT) {
    out.push(pass("spf-lookup-limit", d, `${count} of ${SPF_LOOKUP_LIMIT} DNS lookups`));
  } else {
    out.push(
      fail(
        "spf-lookup-limit",
        d,
        `more than ${SPF_LOOKUP_LIMIT} DNS lookups (counted ${count} before stopping)`,
        "Flatten includes into ip4:/ip6: mechanisms or drop unused ones: receivers return permerror past 10 lookups (RFC 7208 §4.6.4).",
      ),
    );
  }
  return out;
}

/** `helo-spf`: SPF of the HELO name passes for each declared address (RFC 7208 §2.3). */
export async function checkHeloSpf(ctx: DnsCheckContext): Promise<Check[]> {
  const host = ctx.plan.hostname;
  const want = ctx.plan.records
    .filter((r) => r.name === host && r.type === "TXT")
    .flatMap((r) => r.values);
  const [answer, records] = await spfRecords(ctx, host);
  const fix = `Publish one SPF record at ${host}: ${quote(want.filter(isSpf))}.`;
  if (records.length !== 1) {
    const what =
      answer.status === "ok" || answer.status === "nodata" || answer.status === "nxdomain"
        ? records.length === 0
          ? "no SPF record for the HELO name"
          : `${records.length} SPF records: ${quote(records)}`
        : lookupProblem(answer);
    return [fail("helo-spf", host, what, fix)];
  }
  const ips = declaredIps(ctx.spec);
  if (ips.length === 0)
    return [skip("helo-spf", host, "skipped: the spec declares no ipv4 or ipv6")];
  const out: Check[] = [];
  for (const ip of ips) {
    // An empty sender is a null reverse-path: mailauth then checks the HELO identity.
    const v = await evaluateSpf(ctx, "", ip);
    if (v.result === "pass") out.push(pass("helo-spf", `${host} ${ip}`, `pass for ${ip}`));
    else out.push(fail("helo-spf", `${host} ${ip}`, `${v.result} for ${ip}`, fix));
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// DKIM
// -------------------------------------------------------------------------------------------

const TEST_MESSAGE = (domain: string) =>
  [
    `From: dmsctl verify <postmaster@${domain}>`,
    `To: postmaster@${domain}`,
    "Subject: dmsctl verify DKIM self-test",
    "Date: Thu, 01 Jan 2026 00:00:00 +0000",
    `Message-ID: <dkim-self-test@${domain}>`,
    "",
    "This message is signed with the private key and verified against the published key.",
    "",
  ].join("\r\n");

/** `dkim-record-usable` and `dkim-key-matches` for one domain. */
export async function checkDkim(ctx: DnsCheckContext, domain: DomainSpec): Promise<Check[]> {
  const d = domain.name;
  if (!domain.dkim.enabled) {
    return [
      skip("dkim-record-usable", d, "DKIM is disabled for this domain"),
      skip("dkim-key-matches", d, "DKIM is disabled for this domain"),
    ];
  }
  const selector = domain.dkim.selector;
  const name = dkimName(selector, d);
  const want = planned(ctx.plan, "dkim", d).flatMap((r) => r.values);
  const a = await ctx.dns.query(name, "TXT");
  const keys = a.status === "ok" ? a.values.filter((v) => parseTags(v, "exact").has("p")) : [];
  const fix = `Publish the DKIM key of ${d} at ${name} (TXT; dmsctl plan shows the value once the key is known).`;
  let usable: string | undefined;
  const out: Check[] = [];
  if (a.status !== "ok" && a.status !== "nodata" && a.status !== "nxdomain") {
    out.push(fail("dkim-record-usable", name, lookupProblem(a), fix));
  } else if (keys.length !== 1) {
    out.push(
      fail(
        "dkim-record-usable",
        name,
        keys.length === 0
          ? `no DKIM key record at ${name}`
          : `${keys.length} key records at ${name}`,
        fix,
      ),
    );
  } else {
    const info = dkimKeyInfo(keys[0]!);
    if (info.problem === undefined) {
      usable = keys[0]!;
      const what = info.keyType === "rsa" ? `rsa ${info.bits}-bit key` : `${info.keyType} key`;
      out.push(pass("dkim-record-usable", name, `${what} (selector ${selector})`));
    } else {
      out.push(fail("dkim-record-usable", name, info.problem, fix));
    }
  }
  if (usable === undefined) {
    out.push(skip("dkim-key-matches", name, "skipped: no usable key record"));
    return out;
  }
  const privateKey = ctx.dkimPrivateKeys.get(d);
  const mismatchFix =
    `The published key is not the signing key's: publish ${want.length > 0 ? quote(want) : "the public key of the private key DMS signs with"} at ${name}, ` +
    "or give the key that DMS really uses (dkim.privateKeyFile).";
  if (privateKey === undefined) {
    const plannedP = want.length === 1 ? parseDkim(want[0]!)?.publicKey : undefined;
    if (plannedP === undefined || plannedP === DKIM_PLACEHOLDER) {
      out.push(
        skip("dkim-key-matches", name, "skipped: no private key given (dkim.privateKeyFile)"),
      );
    } else if (parseDkim(usable)?.publicKey === plannedP) {
      out.push(pass("dkim-key-matches", name, "the published key equals the planned key"));
    } else {
      out.push(
        fail(
          "dkim-key-matches",
          name,
          "the published key differs from the planned key",
          mismatchFix,
        ),
      );
    }
    return out;
  }
  // Sign a message with the private key and verify it against the live record: exactly what a
  // receiver does with real mail.
  const signed = await dkimSign(TEST_MESSAGE(d), {
    canonicalization: "relaxed/relaxed",
    signatureData: [{ signingDomain: d, selector, privateKey }],
    // The bundled types declare only the single-signature form; signatureData is the documented one.
  } as unknown as Parameters<typeof dkimSign>[1]);
  if (signed.signatures === "") {
    const why = signed.errors
      .map((e: unknown) => String((e as { err?: Error }).err?.message ?? e))
      .join("; ");
    out.push(
      fail("dkim-key-matches", name, `cannot sign with the private key: ${why}`, mismatchFix),
    );
    return out;
  }
  const verified = await dkimVerify(signed.signatures + TEST_MESSAGE(d), {
    resolver: mailauthResolver(ctx.dns),
  });
  const status = verified.results[0]?.status;
  if (status?.result === "pass") {
    out.push(pass("dkim-key-matches", name, "a test message signed with the private key verifies"));
  } else {
    out.push(
      fail(
        "dkim-key-matches",
        name,
        `a test message signed with the private key does not verify: ${status?.result ?? "no result"}${status?.comment ? ` (${status.comment})` : ""}`,
        mismatchFix,
      ),
    );
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// DMARC, MTA-STS, TLS-RPT
// -------------------------------------------------------------------------------------------

/** Whether a TXT value is a DMARC record (RFC 7489 §6.4: `v=DMARC1` first). */
export function isDmarc(txt: string): boolean {
  return txtFamily(txt) === "dmarc";
}

/** `dmarc-policy` and `dmarc-report-authorized` for one domain. */
export async function checkDmarc(ctx: DnsCheckContext, domain: DomainSpec): Promise<Check[]> {
  const d = domain.name;
  const name = `_dmarc.${d}`;
  const want = planned(ctx.plan, "dmarc", d).flatMap((r) => r.values);
  const fix = `Publish exactly one DMARC record at ${name}: ${quote(want)}.`;
  const a = await ctx.dns.query(name, "TXT");
  const records = a.status === "ok" ? a.values.filter(isDmarc) : [];
  const out: Check[] = [];
  if (a.status !== "ok" && a.status !== "nodata" && a.status !== "nxdomain") {
    out.push(fail("dmarc-policy", d, lookupProblem(a), fix));
  } else if (records.length !== 1) {
    out.push(
      fail(
        "dmarc-policy",
        d,
        records.length === 0
          ? `no DMARC record at ${name}`
          : `${records.length} DMARC records at ${name}: receivers ignore them all`,
        fix,
      ),
    );
  } else {
    const p = parseTags(records[0]!, "fold").get("p")?.toLowerCase();
    if (p === domain.dmarc.policy) out.push(pass("dmarc-policy", d, records[0]!));
    else {
      out.push(
        fail(
          "dmarc-policy",
          d,
          p === undefined
            ? `no p= tag: ${records[0]}`
            : `p=${p}, the spec declares p=${domain.dmarc.policy}`,
          fix,
        ),
      );
    }
  }
  if (records.length !== 1) {
    out.push(skip("dmarc-report-authorized", d, "skipped: no single DMARC record"));
    return out;
  }
  const tags = parseTags(records[0]!, "fold");
  const destinations = [
    ...new Set(
      [tags.get("rua"), tags.get("ruf")]
        .flatMap(splitUris)
        .map(mailtoDomain)
        .filter((x): x is string => x !== undefined),
    ),
  ].sort(cmp);
  const external: string[] = [];
  for (const dest of destinations) {
    if (!(await sameOrganization(ctx, d, dest))) external.push(dest);
  }
  if (external.length === 0) {
    out.push(skip("dmarc-report-authorized", d, "no report destination outside the domain"));
    return out;
  }
  for (const dest of external) {
    const auth = dmarcReportAuthName(d, dest);
    const r = await ctx.dns.query(auth, "TXT");
    const subject = `${d} -> ${dest}`;
    if (r.status === "ok" && r.values.some(isDmarc)) {
      out.push(pass("dmarc-report-authorized", subject, `${auth} TXT "v=DMARC1"`));
    } else {
      out.push(
        fail(
          "dmarc-report-authorized",
          subject,
          `${dest} does not authorize reports for ${d}: ${r.status === "ok" ? `TXT ${quote(r.values)}` : lookupProblem(r)}`,
          `Publish TXT "v=DMARC1" at ${auth} (RFC 7489 §7.1), or receivers drop the reports.`,
        ),
      );
    }
  }
  return out;
}

/**
 * Whether two domains share an Organizational Domain, found with mailauth's DNS Tree Walk
 * (RFC 9989 §4.10). Falls back to "equal or one inside the other" when the walk fails.
 */
async function sameOrganization(ctx: DnsCheckContext, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  try {
    const mod = dmarcRecord();
    const lookup = mod.createRecordLookup(mailauthResolver(ctx.dns), { strict: false });
    const [oa, ob] = await Promise.all([mod.getOrgDomain(a, lookup), mod.getOrgDomain(b, lookup)]);
    return oa === ob;
  } catch {
    return a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
  }
}

/** `mta-sts-record` and `tls-rpt-record`: the live TXT equals the planned one, when declared. */
export async function checkMtaStsAndTlsRpt(
  ctx: DnsCheckContext,
  domain: DomainSpec,
): Promise<Check[]> {
  const d = domain.name;
  const out: Check[] = [];
  const specs = [
    ["mta-sts-record", "mta-sts", `_mta-sts.${d}`, domain.mtaSts !== undefined],
    ["tls-rpt-record", "tls-rpt", `_smtp._tls.${d}`, domain.tlsRpt !== undefined],
  ] as const;
  for (const [id, purpose, name, declared] of specs) {
    if (!declared) {
      out.push(
        skip(id, d, `not declared (domains[].${purpose === "mta-sts" ? "mtaSts" : "tlsRpt"})`),
      );
      continue;
    }
    const want = planned(ctx.plan, purpose, d).flatMap((r) => r.values);
    const fix = `Publish exactly one record at ${name}: ${quote(want)}.`;
    const a = await ctx.dns.query(name, "TXT");
    const found = a.status === "ok" ? a.values.filter((v) => txtFamily(v) === purpose) : [];
    if (a.status !== "ok" && a.status !== "nodata" && a.status !== "nxdomain") {
      out.push(fail(id, d, lookupProblem(a), fix));
    } else if (found.length !== 1) {
      out.push(
        fail(
          id,
          d,
          found.length === 0 ? `no record at ${name}` : `${found.length} records at ${name}`,
          fix,
        ),
      );
    } else if (want.length > 0 && !want.includes(found[0]!)) {
      out.push(fail(id, d, `${found[0]} differs from the planned ${quote(want)}`, fix));
    } else {
      out.push(pass(id, d, found[0]!));
    }
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// DNSBL
// -------------------------------------------------------------------------------------------

/** `dnsbl-listed`: the host's addresses, hostname and domains are not on the given lists. */
export async function checkDnsbls(
  ctx: DnsCheckContext,
  zones: readonly string[],
): Promise<Check[]> {
  if (zones.length === 0) return [skip("dnsbl-listed", "-", "no DNSBL given (--dnsbl ZONE)")];
  const names = [ctx.plan.hostname, ...ctx.spec.domains.map((d) => d.name)].sort(cmp);
  const queries: { subject: string; query: string }[] = [];
  for (const zone of [...zones].sort(cmp)) {
    for (const ip of declaredIps(ctx.spec)) {
      const reversed = reverseName(ip).replace(/\.(in-addr|ip6)\.arpa$/, "");
      queries.push({ subject: `${ip} on ${zone}`, query: `${reversed}.${zone}` });
    }
    for (const n of names) queries.push({ subject: `${n} on ${zone}`, query: `${n}.${zone}` });
  }
  const answers = await ctx.dns.queryAll(
    queries.map((q) => ({ name: q.query, type: "A" as const })),
  );
  return queries.map((q, i) => {
    const a = answers[i]!;
    if (a.status === "nxdomain" || a.status === "nodata") {
      return pass("dnsbl-listed", q.subject, "not listed");
    }
    if (a.status !== "ok") return skip("dnsbl-listed", q.subject, `unknown: ${lookupProblem(a)}`);
    // 127.255.255.x: the list refuses the query (e.g. through a public resolver), not a listing.
    if (a.values.every((v) => v.startsWith("127.255.255."))) {
      return skip("dnsbl-listed", q.subject, `the list refused the query (${a.values.join(", ")})`);
    }
    return fail(
      "dnsbl-listed",
      q.subject,
      `listed: ${q.query} A ${a.values.join(", ")}`,
      "Find out why on the list's website (lookup form), fix the cause (open relay, compromised account), then request delisting.",
    );
  });
}
