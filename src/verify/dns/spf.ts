/**
 * SPF checks: one SPF record per domain, SPF passes for each declared address (evaluated by
 * `mailauth` against the same DNS server), the lookup limit, and SPF for the HELO name.
 */
import type { DnsAnswer } from "../../net/dns";
import type { DomainSpec } from "../../spec/schema";
import { parseSpf, spfTerm, txtFamily } from "../../records/values";
import { fail, pass, skip, type Check } from "../checks";
import {
  declaredIps,
  lookupProblem,
  mailauthResolver,
  planned,
  quote,
  type DnsCheckContext,
} from "./context";
import { spf } from "./mailauth";

/** RFC 7208 §4.6.4: at most 10 DNS-querying terms per SPF evaluation. */
export const SPF_LOOKUP_LIMIT = 10;

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
