/** The MTA-STS and TLS-RPT record checks: the live TXT equals the planned one, when declared. */
import type { DomainSpec } from "../../spec/schema";
import { txtFamily } from "../../records/values";
import { fail, pass, skip, type Check } from "../checks";
import { lookupProblem, planned, quote, type DnsCheckContext } from "./context";

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
