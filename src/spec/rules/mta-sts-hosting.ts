/**
 * MTA-STS hosting: a Cloudflare or AWS hosting puts `mta-sts.<domain>` (its name and certificate)
 * in the domain's own zone, so the domain's DNS must be on that provider.
 */
import type { MailServerSpec } from "../schema";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "mta-sts-hosting-dns": {
    level: "error",
    summary:
      "MTA-STS hosting on Cloudflare or AWS needs the domain's DNS on the same provider (the policy host's name and certificate live in that zone).",
    remediation:
      "Use `hosting.type: files` with your own web server, or publish the domain's DNS on the hosting's provider.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** The DNS provider each MTA-STS hosting needs. */
const HOSTING_DNS = { "cloudflare-worker": "cloudflare", aws: "route53" } as const;

/** MTA-STS hosting. */
export const MTA_STS_HOSTING_RULES = ruleGroup({ rules, check: checkMtaStsHosting });

function checkMtaStsHosting(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  spec.domains.forEach((d, i) => {
    const hosting = d.mtaSts?.hosting;
    if (hosting === undefined || hosting.type === "files") return;
    const need = HOSTING_DNS[hosting.type];
    const have = d.dns.provider;
    if (have !== need) {
      r.report(
        "mta-sts-hosting-dns",
        ["domains", i, "mtaSts", "hosting", "type"],
        `is ${show(hosting.type)}, which needs dns.provider ${show(need)}, got ${show(have)}`,
      );
    }
  });
}
