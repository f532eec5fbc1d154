/**
 * SPF mechanisms as the spec writes them: one valid mechanism each, no second record, and at most
 * the 10 DNS lookups RFC 7208 §4.6.4 allows, counting includes of domains managed here.
 */
import type { MailServerSpec } from "../schema";
import { parseIpv4, parseIpv6 } from "../ip";
import { cmp } from "../order";
import { ruleGroup, show, type Context, type Path, type Reporter, type RuleTable } from "./context";

const rules = {
  "spf-mechanism": {
    level: "error",
    summary:
      "An SPF mechanism is malformed, is `all` (use `spf.all`) or is an ignored `redirect=`.",
    remediation:
      "Write one RFC 7208 mechanism per item, such as `include:_spf.example.net` or `ip4:192.0.2.0/24`.",
  },
  "spf-multiple-records": {
    level: "error",
    summary:
      "A whole `v=spf1` record written as a mechanism; it would yield two SPF records for one name, which is a permerror (RFC 7208 §3.2).",
    remediation:
      "List only the mechanisms (without `v=spf1` and `all`); the record is built for you.",
  },
  "spf-lookup-limit": {
    level: "error",
    summary:
      "An SPF record needs more than 10 DNS lookups, so receivers return permerror (RFC 7208 §4.6.4).",
    remediation: "Replace `include:`s by `ip4:`/`ip6:` ranges, or drop unused mechanisms.",
  },
  "spf-include-loop": {
    level: "error",
    summary: "Domains of this spec `include:` each other in a cycle.",
    remediation: "Remove one `include:` of the cycle.",
  },
  "spf-ptr": {
    level: "warn",
    summary: "The `ptr` mechanism is slow and unreliable; RFC 7208 §5.5 says not to use it.",
    remediation: "Use `a`, `mx`, `ip4:` or `ip6:` instead.",
  },
  "spf-duplicate-mechanism": {
    level: "warn",
    summary: "An SPF mechanism is listed twice (or `mx` while `spf.mx` already adds it).",
    remediation: "Remove the duplicate.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** SPF mechanisms and lookup counts. */
export const SPF_RULES = ruleGroup({ rules, check: checkSpf });

const SPF_DOMAIN_SPEC = "[^\\s/]+";
const SPF_TERM = new RegExp(
  `^[+?~-]?(?:all|include:(${SPF_DOMAIN_SPEC})|exists:${SPF_DOMAIN_SPEC}|` +
    `(?:a|mx)(?::${SPF_DOMAIN_SPEC})?(?:/[0-9]{1,2})?(?://[0-9]{1,3})?|ptr(?::${SPF_DOMAIN_SPEC})?|` +
    `ip4:([0-9.]+)(?:/([0-9]{1,2}))?|ip6:([0-9a-f:.]+)(?:/([0-9]{1,3}))?)$|` +
    `^(redirect|exp)=${SPF_DOMAIN_SPEC}$|^[a-z][a-z0-9_.-]*=\\S*$`,
  "i",
);

/** The DNS lookups one mechanism costs (RFC 7208 §4.6.4), and the managed domain it includes. */
function spfCost(term: string): number {
  const t = term.toLowerCase().replace(/^[+?~-]/, "");
  if (/^(?:a|mx|ptr)(?:[:/]|$)/.test(t)) return 1;
  if (/^(?:include|exists):/.test(t) || t.startsWith("redirect=")) return 1;
  return 0;
}

function checkSpf(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  /** Own lookups (excluding included managed domains), and managed domains included. */
  const own = new Map<string, { cost: number; terms: string[]; includes: string[] }>();
  spec.domains.forEach((d, i) => {
    if (ctx.domainIndex.get(d.name) !== i) return;
    const terms: string[] = d.spf.mx ? ["mx"] : [];
    const includes: string[] = [];
    let cost = d.spf.mx ? 1 : 0;
    const seen = new Set<string>(d.spf.mx ? ["mx"] : []);
    d.spf.mechanisms.forEach((mech, k) => {
      const path: Path = ["domains", i, "spf", "mechanisms", k];
      const lower = mech.toLowerCase();
      if (/^v=spf1(?:\s|$)/.test(lower) || /\sv=spf1(?:\s|$)/.test(lower)) {
        r.report(
          "spf-multiple-records",
          path,
          `is a whole SPF record, got ${show(mech)}; it would make a second "v=spf1" record for ${show(d.name)} (RFC 7208 §3.2 permerror): list only its mechanisms`,
        );
        return;
      }
      const m = SPF_TERM.exec(mech);
      const badIp =
        m !== null &&
        ((m[2] !== undefined && (parseIpv4(m[2]) === undefined || Number(m[3] ?? 32) > 32)) ||
          (m[4] !== undefined && (parseIpv6(m[4]) === undefined || Number(m[5] ?? 128) > 128)));
      if (m === null || badIp) {
        r.report(
          "spf-mechanism",
          path,
          `must be one SPF mechanism such as "include:_spf.example.net" or "ip4:192.0.2.0/24", got ${show(mech)}`,
        );
        return;
      }
      const bare = lower.replace(/^[+?~-]/, "");
      if (bare === "all") {
        r.report(
          "spf-mechanism",
          path,
          `must not be "all", got ${show(mech)}: set spf.all instead`,
        );
        return;
      }
      if (bare.startsWith("redirect=")) {
        r.report(
          "spf-mechanism",
          path,
          `is ignored, got ${show(mech)}: the record always ends in spf.all, and RFC 7208 §6.1 ignores redirect= when "all" is present`,
        );
        return;
      }
      if (seen.has(bare)) {
        r.report(
          "spf-duplicate-mechanism",
          path,
          bare === "mx" && d.spf.mx
            ? `repeats "mx", which spf.mx already adds, costing one more DNS lookup`
            : `repeats ${show(mech)}, costing one more DNS lookup`,
        );
      }
      seen.add(bare);
      if (/^ptr(?::|$)/.test(bare)) {
        r.report(
          "spf-ptr",
          path,
          `uses "ptr", which RFC 7208 §5.5 says not to use, got ${show(mech)}`,
        );
      }
      const lookups = spfCost(mech);
      if (lookups > 0) {
        terms.push(mech);
        cost += lookups;
      }
      // An include of a domain managed here can be expanded: its total is added below.
      const included = m[1]?.toLowerCase();
      if (included !== undefined && ctx.domainIndex.has(included)) includes.push(included);
    });
    own.set(d.name, { cost, terms, includes });
  });

  // Total lookups per domain: own cost plus the totals of included managed domains, memoised,
  // so the whole pass is linear; a cycle of includes is reported once.
  const total = new Map<string, number>();
  const onStack = new Set<string>();
  const loops = new Set<string>();
  const visit = (name: string, chain: string[]): number => {
    const done = total.get(name);
    if (done !== undefined) return done;
    if (onStack.has(name)) {
      const cycle = [...chain.slice(chain.indexOf(name)), name];
      const first = [...cycle.slice(0, -1)].sort(cmp)[0]!;
      if (!loops.has(first)) {
        loops.add(first);
        const i = ctx.domainIndex.get(first)!;
        const at = cycle.indexOf(first);
        const rotated = [...cycle.slice(at, -1), ...cycle.slice(0, at), first];
        r.report(
          "spf-include-loop",
          ["domains", i, "spf", "mechanisms"],
          `includes itself through ${rotated.join(" -> ")}; receivers return permerror`,
        );
      }
      return Infinity;
    }
    const entry = own.get(name)!;
    onStack.add(name);
    chain.push(name);
    let sum = entry.cost;
    for (const inc of entry.includes) sum += visit(inc, chain);
    chain.pop();
    onStack.delete(name);
    total.set(name, sum);
    return sum;
  };
  spec.domains.forEach((d, i) => {
    if (ctx.domainIndex.get(d.name) !== i) return;
    const n = visit(d.name, []);
    if (n > 10 && Number.isFinite(n)) {
      const entry = own.get(d.name)!;
      const parts = entry.terms.map((t) => {
        const inc = /^[+?~-]?include:(.+)$/i.exec(t)?.[1]?.toLowerCase();
        const extra = inc !== undefined ? total.get(inc) : undefined;
        return extra !== undefined && Number.isFinite(extra) ? `${t} (+${extra})` : t;
      });
      r.report(
        "spf-lookup-limit",
        ["domains", i, "spf", "mechanisms"],
        `need ${n} DNS lookups (${parts.join(", ")}), more than the 10 RFC 7208 §4.6.4 allows; receivers return permerror`,
      );
    }
  });
}
