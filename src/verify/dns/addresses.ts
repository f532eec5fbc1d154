/** The A/AAAA check: the mail host's name resolves to exactly the declared addresses. */
import { canonicalIpv6 } from "../../spec/ip";
import { fail, pass, skip, type Check } from "../checks";
import { lookupProblem, sameIp, type DnsCheckContext } from "./context";

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
