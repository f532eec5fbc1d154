/**
 * The steps `MailServer` (Docker) and `KubernetesMailServer` take alike: the real plan material,
 * and the PTR, port rules and secret-free outputs that follow from the plan. Only where the mail
 * server runs differs between the two; everything here is about what it is.
 */
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../../plan/types";
import type { DnsRecord, PtrExpectation } from "../../records/types";
import type { PortRule } from "../../dms/types";
import type { FindingId } from "../../spec/rules";
import { sortFindings, type Finding } from "../../spec/findings";
import type { DkimKeyMaterial, PlanMaterial } from "../../spec/material";
import type { MailServerSpec } from "../../spec/schema";
import type { MailServerArgs } from "../args";
import { clientSettings, type ClientSettings } from "../client-settings";
import { zoneFileTexts } from "../dns";
import { portsAndPtr } from "./host-rules";
import { once } from "./once";
import type { publishDns } from "./publish-dns";
import type { DkimMaterial } from "./secrets";

/** Findings the components act on themselves (a key generated at deploy), so never warnings. */
const HANDLED_FINDINGS: ReadonlySet<FindingId> = new Set<FindingId>(["dkim-generated-at-deploy"]);

/**
 * The plan material with the real secrets: password hashes, DKIM keys with their private parts,
 * the relay password. Secret, because `hashes` is: an Output derived from a secret one is secret.
 */
export function secretMaterial(
  hashes: pulumi.Output<Record<string, string>>,
  dkim: Pick<DkimMaterial, "withPrivate" | "retiringWithPrivate">,
  relayPassword: pulumi.Input<string> | undefined,
  placeholder: PlanMaterial,
  gate: pulumi.Output<string>,
): pulumi.Output<{
  passwordHashes: Record<string, string>;
  dkimKeys: Record<string, DkimKeyMaterial>;
  retiringDkimKeys: Record<string, DkimKeyMaterial>;
  relayPassword?: string;
}> {
  // `gate` resolves once the signing selectors' records are published (./publish-wait.ts): the
  // files that switch signing are built from this material, so they wait for it.
  return pulumi
    .all([hashes, dkim.withPrivate, dkim.retiringWithPrivate, relayPassword, gate])
    .apply(([h, d, r, relay]) => {
      const password = relay ?? placeholder.relayPassword;
      return {
        passwordHashes: h,
        dkimKeys: d,
        retiringDkimKeys: r,
        ...(password !== undefined ? { relayPassword: password } : {}),
      };
    });
}

/** What {@link hostOutputs} declares and computes. */
export interface HostOutputs {
  readonly ptr: pulumi.Output<PtrExpectation[]>;
  /** The DNS records, then the PTR and firewall resources. */
  readonly networkResources: pulumi.Resource[];
  readonly ports: pulumi.Output<PortRule[]>;
  readonly warnings: pulumi.Output<Finding[]>;
  /** Outputs computed on first read, each at most once. */
  readonly onRead: {
    readonly records: () => pulumi.Output<DnsRecord[]>;
    readonly zoneFiles: () => pulumi.Output<Record<string, string>>;
    readonly clientSettings: () => pulumi.Output<ClientSettings[]>;
  };
}

/**
 * The PTR and port-rule resources, and the outputs free of secrets: ports, PTR, warnings (the
 * spec's, the plan's and the DNS audit's, with the real IPs when they are Outputs) and the
 * on-read builders of records, zone files and client settings.
 */
export function hostOutputs(
  parent: pulumi.ComponentResource,
  what: string,
  name: string,
  args: MailServerArgs,
  spec: MailServerSpec,
  plan: Plan,
  publicPlan: pulumi.Output<Plan> | undefined,
  dns: ReturnType<typeof publishDns>,
  validation: readonly Finding[],
): HostOutputs {
  const ptr =
    publicPlan === undefined
      ? pulumi.output(plan.ptr.map((p) => ({ ...p })))
      : publicPlan.apply((p) => p.ptr.map((x) => ({ ...x })));
  const networkResources = [
    ...dns.resources,
    ...portsAndPtr(parent, what, name, args, spec, plan, ptr, dns.resources),
  ];
  const warningsOf = (planWarnings: readonly Finding[]) =>
    sortFindings(
      [...validation, ...planWarnings, ...dns.audit].filter((f) => !HANDLED_FINDINGS.has(f.id)),
    );
  return {
    ptr,
    networkResources,
    ports: pulumi.output(plan.ports.map((p) => ({ ...p }))),
    warnings:
      publicPlan === undefined
        ? pulumi.output(warningsOf(plan.warnings))
        : publicPlan.apply((p) => warningsOf(p.warnings)),
    onRead: {
      records: dns.records,
      zoneFiles: once(() => zoneFileTexts(plan.zones, dns.records())),
      clientSettings: once(() =>
        pulumi.output(
          clientSettings(
            spec.hostname,
            plan.ports,
            spec.accounts.map((a) => a.address),
          ),
        ),
      ),
    },
  };
}
