/**
 * Serving each domain's MTA-STS policy (spec `mtaSts.hosting`) from the components: the resource
 * set of the chosen hosting (./../providers/mta-sts/), and for each domain the resources the
 * `_mta-sts` TXT record must wait for, so the id is announced only once the policy it names is
 * live (RFC 8461 §3.1: senders refetch only when the id changes). Files-only hosting creates no
 * resource: the policy and the web server snippets are outputs.
 */
import * as pulumi from "@pulumi/pulumi";
import type { DnsRecord, MtaStsPolicyPlan } from "../records/types";
import type { MtaStsHostingSpec } from "../spec/schema";
import type { z } from "zod";
import type { DomainArgs } from "./args";
import { loadAws } from "../providers/optional-peer";
import { cloudflareWorkerHosting } from "../providers/mta-sts/cloudflare-worker";
import { awsHosting } from "../providers/mta-sts/aws";
import { mtaStsCaddySnippet, mtaStsNginxSnippet } from "../providers/mta-sts/files";

type Hosting = z.output<typeof MtaStsHostingSpec>;

/** A served (or to-be-served) policy, as the components output it. No secrets. */
export interface MtaStsPolicyOutput {
  readonly domain: string;
  readonly url: string;
  readonly id: string;
  readonly text: string;
  /** How it is served: `cloudflare-worker`, `aws`, `files`, or `none` (no hosting declared). */
  readonly hosting: Hosting["type"] | "none";
  /** With `files` hosting: an nginx `server` block for `mta-sts.<domain>`. */
  readonly nginx?: string;
  /** With `files` hosting: a Caddyfile site block for `mta-sts.<domain>`. */
  readonly caddy?: string;
}

/** What {@link hostMtaStsPolicies} registered. */
export interface MtaStsHostingResult {
  /** By domain: the resources after which its policy is live (the TXT depends on them). */
  readonly liveAfter: ReadonlyMap<string, readonly pulumi.Resource[]>;
  /** Every resource registered (for the component's resource lists). */
  readonly resources: readonly pulumi.Resource[];
  readonly policies: readonly MtaStsPolicyOutput[];
}

/**
 * Registers the hosting of every policy whose domain declares one. `domains` are the component
 * arguments (zone ids may be Outputs); the rules (`mta-sts-hosting-dns`) have already checked that
 * a Cloudflare or AWS hosting's domain publishes its DNS on that provider.
 */
export function hostMtaStsPolicies(
  name: string,
  domains: readonly DomainArgs[],
  policies: readonly MtaStsPolicyPlan[],
  parent: pulumi.Resource,
): MtaStsHostingResult {
  const byName = new Map(domains.map((d) => [d.name, d] as const));
  const liveAfter = new Map<string, pulumi.Resource[]>();
  const resources: pulumi.Resource[] = [];
  const out: MtaStsPolicyOutput[] = [];
  let usEast1: pulumi.ProviderResource | undefined;
  const opts: pulumi.CustomResourceOptions = { parent };
  for (const p of policies) {
    const d = byName.get(p.domain);
    const hosting = d?.mtaSts?.hosting as Hosting | undefined;
    const base = { domain: p.domain, url: p.url, id: p.id, text: p.text };
    if (d === undefined || hosting === undefined) {
      out.push({ ...base, hosting: "none" });
      continue;
    }
    const zoneId = d.dns !== undefined && "zoneId" in d.dns ? d.dns.zoneId : undefined;
    switch (hosting.type) {
      case "files":
        out.push({
          ...base,
          hosting: "files",
          nginx: mtaStsNginxSnippet(p.domain),
          caddy: mtaStsCaddySnippet(p.domain),
        });
        continue;
      case "cloudflare-worker": {
        if (zoneId === undefined) throw new Error(`${p.domain}: no Cloudflare zone id`);
        const rs = cloudflareWorkerHosting({
          name,
          domain: p.domain,
          policyText: p.text,
          accountId: hosting.accountId,
          zoneId,
          opts,
        });
        liveAfter.set(p.domain, rs);
        resources.push(...rs);
        break;
      }
      case "aws": {
        if (zoneId === undefined) throw new Error(`${p.domain}: no Route53 hosted zone id`);
        // One us-east-1 provider per component, created only when a domain needs it. It reads
        // credentials as a default provider does (environment, shared config).
        usEast1 ??= new (loadAws().Provider)(
          `${name}-mta-sts-us-east-1`,
          { region: "us-east-1" },
          { parent },
        );
        const rs = awsHosting({
          name,
          domain: p.domain,
          policyText: p.text,
          zoneId,
          usEast1,
          opts,
        });
        liveAfter.set(p.domain, rs);
        resources.push(...rs);
        break;
      }
      default: {
        const _: never = hosting;
        throw new Error(`unknown MTA-STS hosting ${JSON.stringify(_)}`);
      }
    }
    out.push({ ...base, hosting: hosting.type });
  }
  if (usEast1 !== undefined) resources.push(usEast1);
  return { liveAfter, resources, policies: out };
}

/** The `dependsOn` hook of `publishRecords`: a domain's `_mta-sts` TXT waits for its policy. */
export function waitForPolicies(
  result: MtaStsHostingResult,
): (r: DnsRecord) => readonly pulumi.Resource[] | undefined {
  return (r) => (r.purpose === "mta-sts" ? result.liveAfter.get(r.domain) : undefined);
}
