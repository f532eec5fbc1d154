/**
 * Reverse DNS (PTR) of the mail host: an AWS Elastic IP's reverse name, or a record in a reverse
 * zone hosted on Cloudflare. Receivers check that the PTR names the host and that the host
 * resolves back to the address (forward-confirmed reverse DNS); the names come from the plan's
 * `ptr` expectations, so nothing is re-derived here.
 */
import * as pulumi from "@pulumi/pulumi";
import type { PtrExpectation } from "../../records/types";
import { loadAws, loadCloudflare } from "../optional-peer";

/**
 * `aws.ec2.EipDomainName` for the IPv4 address. AWS refuses it until the forward A record
 * resolves to the Elastic IP, so pass the host records in `dependsOn`.
 */
export function createEipPtr(
  name: string,
  allocationId: pulumi.Input<string>,
  hostname: string,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource {
  const aws = loadAws();
  return new aws.ec2.EipDomainName(`${name}-ptr`, { allocationId, domainName: hostname }, opts);
}

/** A PTR record in a Cloudflare-hosted reverse zone for one address family. */
export function createCloudflarePtr(
  name: string,
  family: "ipv4" | "ipv6",
  zoneId: pulumi.Input<string>,
  expectation: pulumi.Input<PtrExpectation>,
  ttl: number,
  opts: pulumi.CustomResourceOptions,
): pulumi.Resource {
  const cloudflare = loadCloudflare();
  const e = pulumi.output(expectation);
  return new cloudflare.DnsRecord(
    `${name}-ptr-${family}`,
    {
      zoneId,
      name: e.name,
      type: "PTR",
      content: e.hostname,
      ttl,
      proxied: false,
      comment: "pulumi-docker-mailserver: reverse DNS of the mail host",
    },
    opts,
  );
}
