/** The DNS step of `MailServer`: every domain's records through its zone's adapter. */
import { hostMtaStsPolicies, waitForPolicies } from "../mta-sts-hosting";
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../../plan/types";
import type { MailServerArgs } from "../args";
import {
  auditRecords,
  bindRecords,
  publishRecords,
  recordKey,
  resolvedRecords,
  zoneTargets,
} from "../dns";
import { describeErrors } from "../resolve";
import { once } from "./once";
import type { DkimMaterial } from "./secrets";

/**
 * The DNS records of every domain, published through each zone's adapter, after the adapters'
 * audit; and the builder of the `records` output.
 */
export function publishDns(
  parent: pulumi.ComponentResource,
  what: string,
  name: string,
  args: MailServerArgs,
  plan: Plan,
  publicPlan: pulumi.Output<Plan> | undefined,
  dkim: DkimMaterial,
) {
  const targets = zoneTargets(args.domains);
  const publicIndex = publicPlan?.apply((p) =>
    Object.fromEntries(p.records.map((r) => [recordKey(r), r] as const)),
  );
  const bindings = bindRecords(plan.records, publicIndex, dkim.sources, targets);
  const audit = auditRecords(bindings, targets);
  if (audit.some((f) => f.level === "error")) {
    throw new pulumi.ResourceError(describeErrors(what, audit), parent);
  }
  // MTA-STS hosting first: each `_mta-sts` TXT depends on its policy being served.
  const hosting = hostMtaStsPolicies(name, args.domains, plan.mtaStsPolicies ?? [], parent);
  const resources = [
    ...hosting.resources,
    ...publishRecords(name, bindings, targets, parent, waitForPolicies(hosting)),
  ];
  const records = once(() =>
    resolvedRecords(
      plan.records,
      publicIndex,
      // The public values of all domains, out of the one combined Output the config files read
      // too; not secret (built only when `records` is read).
      dkim.sources.size === 0
        ? undefined
        : pulumi.unsecret(
            dkim.withPrivate.apply((keys) => {
              const out: Record<string, string> = {};
              for (const [d, k] of Object.entries(keys)) out[d] = k.publicKeyBase64;
              return out;
            }),
          ),
    ),
  );
  const mtaStsPolicies = pulumi.output(hosting.policies.map((p) => ({ ...p })));
  return { resources, audit, records, mtaStsPolicies };
}
