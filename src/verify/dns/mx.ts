/** The MX check: the domain's mail goes to this host. */
import type { DomainSpec } from "../../spec/schema";
import { mxExchange } from "../../records/values";
import { fail, pass, type Check } from "../checks";
import { lookupProblem, planned, type DnsCheckContext } from "./context";

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
