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
import { dkimRecordKey } from "../dns";
import { selectorKey } from "../../spec/material";
import type { RecordBinding } from "../../providers/dns/types";
import { signingGate } from "./publish-wait";
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
  // The signing selectors' DKIM records on their own: what switches signing depends on them
  // (publish before sign). Child names depend on the record only, so this renames nothing.
  const isSigning = (b: RecordBinding) =>
    b.record.purpose === "dkim" &&
    dkimRecordKey(b.record) ===
      selectorKey(b.record.domain, dkim.signingSelectors.get(b.record.domain) ?? "");
  const signingBindings = bindings.filter(isSigning);
  const signingRecords = publishRecords(name, signingBindings, targets, parent);
  const resources = [
    ...hosting.resources,
    ...signingRecords,
    ...publishRecords(
      name,
      bindings.filter((b) => !isSigning(b)),
      targets,
      parent,
      waitForPolicies(hosting),
    ),
  ];
  // The wait covers rotating domains in zones a resource publishes.
  const rotating = new Set(
    args.domains
      .filter((d) => (d.dkim?.retiring ?? []).length > 0 && d.dns?.provider !== undefined)
      .filter((d) => d.dns?.provider !== "zonefile")
      .map((d) => d.name),
  );
  const waited = signingBindings.filter((b) => rotating.has(b.record.domain));
  const gate = signingGate(
    what,
    waited,
    waited.length === 0 ? [] : signingRecords,
    args.dkimPublishWait,
  );
  const records = once(() =>
    resolvedRecords(
      plan.records,
      publicIndex,
      // The public values of all domains, out of the one combined Output the config files read
      // too; not secret (built only when `records` is read).
      dkim.sources.size === 0
        ? undefined
        : pulumi.unsecret(
            pulumi.all([dkim.withPrivate, dkim.retiringWithPrivate]).apply(([keys, retiring]) => {
              const out: Record<string, string> = {};
              for (const [d, k] of Object.entries(keys)) {
                out[selectorKey(d, dkim.signingSelectors.get(d)!)] = k.publicKeyBase64;
              }
              for (const [id, k] of Object.entries(retiring)) out[id] = k.publicKeyBase64;
              return out;
            }),
          ),
    ),
  );
  const mtaStsPolicies = pulumi.output(hosting.policies.map((p) => ({ ...p })));
  return { resources, audit, records, mtaStsPolicies, signingRecords, gate };
}
