/**
 * Reverse DNS checks: each declared address has a PTR naming the host, and that name resolves
 * back to the address (forward-confirmed reverse DNS).
 */
import { isIPv4 } from "node:net";
import { fail, pass, skip, type Check } from "../checks";
import { lookupProblem, sameIp, type DnsCheckContext } from "./context";

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
