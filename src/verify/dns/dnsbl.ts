/** The DNSBL check: the host's addresses, hostname and domains are not on the given lists. */
import { cmp } from "../../spec/findings";
import { reverseName } from "../../records/names";
import { fail, pass, skip, type Check } from "../checks";
import { declaredIps, lookupProblem, type DnsCheckContext } from "./context";

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
