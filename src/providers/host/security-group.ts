/**
 * AWS security group rules for exactly the public services: one
 * `aws.vpc.SecurityGroupIngressRule` per service and source CIDR (the per-rule resource AWS
 * recommends over inline `ingress` blocks, so rules added outside this library are left alone).
 * `@pulumi/aws` is loaded only when this is used.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PortRule } from "../../dms/types";
import { slug } from "../dns/common";
import { loadAws } from "../optional-peer";
import { RSPAMD_UI_PORT } from "./nftables";

/** One planned ingress rule, as data. */
export interface IngressRulePlan {
  /** Child name suffix: `sg-<service>-<cidr>`. */
  readonly key: string;
  readonly port: number;
  readonly cidr: string;
  readonly family: "ipv4" | "ipv6";
  readonly description: string;
}

/** The ingress rules for the public port rules, sorted by port then CIDR. Pure. */
export function ingressRules(ports: readonly PortRule[]): IngressRulePlan[] {
  const out: IngressRulePlan[] = [];
  for (const p of [...ports].sort((a, b) => a.port - b.port)) {
    if (p.expose !== "public") continue;
    if (p.port === RSPAMD_UI_PORT) throw new Error("port 11334 (rspamd UI) is never opened");
    for (const cidr of p.allowFrom) {
      out.push({
        key: `sg-${p.service}-${cidrSlug(cidr)}`,
        port: p.port,
        cidr,
        family: cidr.includes(":") ? "ipv6" : "ipv4",
        description: `${p.service} (${p.port}/tcp): ${p.description}`,
      });
    }
  }
  return out;
}

/** Registers the ingress rules. */
export function createIngressRules(
  name: string,
  securityGroupId: pulumi.Input<string>,
  ports: readonly PortRule[],
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource[] {
  const rules = ingressRules(ports);
  if (rules.length === 0) return [];
  const aws = loadAws();
  return rules.map(
    (r) =>
      new aws.vpc.SecurityGroupIngressRule(
        `${name}-${r.key}`,
        {
          securityGroupId,
          ipProtocol: "tcp",
          fromPort: r.port,
          toPort: r.port,
          ...(r.family === "ipv4" ? { cidrIpv4: r.cidr } : { cidrIpv6: r.cidr }),
          description: r.description,
        },
        opts,
      ),
  );
}

/** `0.0.0.0/0` -> `v4-0-0-0-0-0`, `::/0` -> `v6-xx-0`, `2001:db8::/32` -> `v6-2001xdb8xx-32`. */
export function cidrSlug(cidr: string): string {
  return cidr.includes(":") ? `v6-${slug(cidr.replace(/:/g, "x"))}` : `v4-${slug(cidr)}`;
}
