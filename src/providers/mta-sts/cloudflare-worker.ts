/**
 * MTA-STS hosting on Cloudflare: a Worker serving the policy (./worker-script.ts) bound to the
 * custom domain `mta-sts.<domain>`. A Workers Custom Domain makes Cloudflare create the DNS
 * record and issue the certificate for that name itself (verified 2026-11-30 against the
 * `cloudflare_workers_custom_domain` docs of provider 6.22), so no certificate is managed here.
 *
 * `@pulumi/cloudflare` is an optional peer dependency, loaded only when a domain uses this.
 */
import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { loadCloudflare } from "../optional-peer";
import { slug } from "../dns/common";
import { MTA_STS_WORKER_MODULE, mtaStsWorkerScript } from "./worker-script";

/** What one domain's Worker needs. */
export interface CloudflareWorkerHosting {
  /** The owning component's name: child names start with it. */
  readonly name: string;
  readonly domain: string;
  readonly policyText: string;
  readonly accountId: string;
  /** The Cloudflare zone holding `mta-sts.<domain>`. */
  readonly zoneId: pulumi.Input<string>;
  readonly opts: pulumi.CustomResourceOptions;
}

/**
 * The Worker's script name: `mta-sts-<domain slug>`, or a hash-based name when that would
 * exceed the 63 characters Cloudflare allows.
 */
export function mtaStsWorkerName(domain: string): string {
  const name = `mta-sts-${slug(domain)}`;
  if (name.length <= 63) return name;
  return `mta-sts-${createHash("sha256").update(domain).digest("hex").slice(0, 32)}`;
}

/**
 * Registers the Worker and its custom domain. Returns both: the policy is live once the custom
 * domain exists (it routes to the script), so the `_mta-sts` TXT depends on both.
 */
export function cloudflareWorkerHosting(h: CloudflareWorkerHosting): pulumi.Resource[] {
  const cloudflare = loadCloudflare();
  const host = `mta-sts.${h.domain}`;
  const scriptName = mtaStsWorkerName(h.domain);
  const base = `${h.name}-mta-sts-${slug(h.domain)}`;
  const script = new cloudflare.WorkersScript(
    `${base}-worker`,
    {
      accountId: h.accountId,
      scriptName,
      content: mtaStsWorkerScript(host, h.policyText),
      mainModule: MTA_STS_WORKER_MODULE,
      // A fixed date: the runtime behaviour the script was tested against (Request/Response/URL).
      compatibilityDate: "2026-11-01",
    },
    h.opts,
  );
  const customDomain = new cloudflare.WorkersCustomDomain(
    `${base}-domain`,
    { accountId: h.accountId, hostname: host, service: scriptName, zoneId: h.zoneId },
    { ...h.opts, dependsOn: [script] },
  );
  return [script, customDomain];
}
