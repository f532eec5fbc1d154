/** The host step of `MailServer`: security group rules and the PTR. */
import * as pulumi from "@pulumi/pulumi";
import type { Plan } from "../../plan/types";
import type { PtrExpectation } from "../../records/types";
import type { MailServerSpec } from "../../spec/schema";
import { createCloudflarePtr, createEipPtr } from "../../providers/host/ptr";
import { createIngressRules } from "../../providers/host/security-group";
import type { MailServerArgs } from "../args";

/** Security group ingress rules (with `awsSecurityGroupId`) and the PTR (`ptr`). */
export function portsAndPtr(
  parent: pulumi.ComponentResource,
  what: string,
  name: string,
  args: MailServerArgs,
  spec: MailServerSpec,
  plan: Plan,
  ptrPlan: pulumi.Output<PtrExpectation[]>,
  hostRecords: readonly pulumi.Resource[],
): pulumi.Resource[] {
  const opts = { parent };
  const out: pulumi.Resource[] = [];
  if (args.awsSecurityGroupId !== undefined) {
    out.push(...createIngressRules(name, args.awsSecurityGroupId, plan.ports, opts));
  }
  const ptr = args.ptr ?? { kind: "expected" as const };
  switch (ptr.kind) {
    case "aws-eip":
      // AWS checks the forward record before accepting a PTR.
      out.push(
        createEipPtr(name, ptr.allocationId, spec.hostname, {
          parent,
          dependsOn: [...hostRecords],
        }),
      );
      break;
    case "cloudflare": {
      const byFamily = (family: "ipv4" | "ipv6") =>
        ptrPlan.apply((ps) => ps.find((p) => p.ip.includes(":") === (family === "ipv6"))!);
      if (spec.ipv4 !== undefined) {
        out.push(createCloudflarePtr(name, "ipv4", ptr.zoneId, byFamily("ipv4"), 3600, opts));
      }
      if (spec.ipv6 !== undefined && ptr.ipv6ZoneId !== undefined) {
        out.push(createCloudflarePtr(name, "ipv6", ptr.ipv6ZoneId, byFamily("ipv6"), 3600, opts));
      }
      break;
    }
    case "expected":
      break;
    default: {
      const _: never = ptr;
      throw new pulumi.ResourceError(`${what}: unknown ptr kind ${JSON.stringify(_)}`, parent);
    }
  }
  return out;
}
