/**
 * DMARC checks: one DMARC record with the declared policy, and report destinations outside the
 * domain authorize receiving its reports (RFC 7489 §7.1).
 */
import type { DomainSpec } from "../../spec/schema";
import { cmp } from "../../spec/findings";
import { dmarcReportAuthName, mailtoDomain } from "../../records/policies";
import { parseTags, splitUris, txtFamily } from "../../records/values";
import { fail, pass, skip, type Check } from "../checks";
import {
  bare,
  cnamePath,
  lookupProblem,
  mailauthResolver,
  planned,
  quote,
  throughCnameProblem,
  type DnsCheckContext,
} from "./context";
import { cnameTarget } from "../../spec/derived";
import { dmarcRecord } from "./mailauth";

/** Whether a TXT value is a DMARC record (RFC 7489 §6.4: `v=DMARC1` first). */
export function isDmarc(txt: string): boolean {
  return txtFamily(txt) === "dmarc";
}

/**
 * `dmarc-policy` and `dmarc-report-authorized` for one domain. A CNAME at `_dmarc.<domain>` is
 * followed, as receivers do (DMARC delegated to a provider): the record at its target counts, and
 * the message says it was reached through the CNAME. With `dmarc.cname` in the spec, the CNAME
 * must name that target and any valid DMARC record there passes (the provider sets the policy).
 */
export async function checkDmarc(ctx: DnsCheckContext, domain: DomainSpec): Promise<Check[]> {
  const d = domain.name;
  const name = `_dmarc.${d}`;
  const want = planned(ctx.plan, "dmarc", d).flatMap((r) => r.values);
  const delegated = domain.dmarc.cname === undefined ? undefined : cnameTarget(domain.dmarc.cname);
  const fix =
    delegated === undefined
      ? `Publish exactly one DMARC record at ${name}: ${quote(want)}.`
      : `Publish ${name} CNAME ${delegated}, and have the provider publish one DMARC record there.`;
  const { chain, answer: a } = await ctx.dns.queryFollowing(name, "TXT");
  const records = a.status === "ok" ? a.values.filter(isDmarc) : [];
  const via = chain.length > 0 ? ` (reached through the CNAME ${cnamePath(name, chain)})` : "";
  const out: Check[] = [];
  if (delegated !== undefined && chain[0] !== delegated) {
    out.push(
      fail(
        "dmarc-policy",
        d,
        chain.length === 0
          ? `${name} is not a CNAME; the spec delegates DMARC to ${bare(delegated)}`
          : `${name} is a CNAME to ${bare(chain[0]!)}; the spec delegates DMARC to ${bare(delegated)}`,
        fix,
      ),
    );
  } else if (a.status !== "ok" && a.status !== "nodata" && a.status !== "nxdomain") {
    out.push(
      fail(
        "dmarc-policy",
        d,
        chain.length > 0 ? throughCnameProblem(name, chain, a, "DMARC record") : lookupProblem(a),
        fix,
      ),
    );
  } else if (records.length !== 1) {
    out.push(
      fail(
        "dmarc-policy",
        d,
        records.length === 0
          ? chain.length > 0
            ? throughCnameProblem(name, chain, a, "DMARC record")
            : `no DMARC record at ${name}`
          : `${records.length} DMARC records at ${a.name}${via}: receivers ignore them all`,
        fix,
      ),
    );
  } else if (delegated !== undefined) {
    out.push(pass("dmarc-policy", d, `${records[0]!}${via}`));
  } else {
    const p = parseTags(records[0]!, "fold").get("p")?.toLowerCase();
    if (p === domain.dmarc.policy) out.push(pass("dmarc-policy", d, `${records[0]!}${via}`));
    else {
      out.push(
        fail(
          "dmarc-policy",
          d,
          p === undefined
            ? `no p= tag: ${records[0]}${via}`
            : `p=${p}, the spec declares p=${domain.dmarc.policy}${via}`,
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
