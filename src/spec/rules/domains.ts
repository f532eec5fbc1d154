/** Declared mail domains: each once, and none equal to the hostname without `bareDomain`. */
import type { MailServerSpec } from "../schema";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "domain-duplicate": {
    level: "error",
    summary: "A domain is declared twice, which would publish two MX, SPF and DMARC record sets.",
    remediation: "Keep one entry per domain and merge their settings.",
  },
  "domain-is-hostname": {
    level: "error",
    summary:
      "A mail domain equals the hostname without `bareDomain: true`: Postfix lists it in mydestination and rejects its mail.",
    remediation:
      "Set `bareDomain: true` (the mydestination override is then written for you) or use a hostname such as `mail.<domain>` (docs/dms-contract.md#bare-domain).",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Declared domains. */
export const DOMAIN_RULES = ruleGroup({ rules, check: checkDomains });

function checkDomains(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  spec.domains.forEach((d, i) => {
    const first = ctx.domainIndex.get(d.name)!;
    if (first !== i) {
      r.report(
        "domain-duplicate",
        ["domains", i, "name"],
        `${show(d.name)} is already declared at ${r.where(["domains", first])}; two entries would publish two MX, SPF and DMARC record sets`,
      );
    }
    if (d.name === spec.hostname && !spec.bareDomain) {
      r.report(
        "domain-is-hostname",
        ["domains", i, "name"],
        `${show(d.name)} is the hostname, which Postfix lists in mydestination, so its mail is rejected as "User unknown in local recipient table"; set bareDomain: true or use a hostname such as "mail.${d.name}"`,
      );
    }
  });
}
