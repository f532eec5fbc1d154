/**
 * `MailDomain` inside a program that already has its own providers and zones, for a mail server
 * managed elsewhere (here: `mx.mail-provider.example`). Two domains show the two ways in:
 *
 * - `example.com` on Cloudflare through this program's own, explicitly configured provider;
 * - `example.net` through a small function: any Pulumi DNS provider can publish the records. The
 *   function below uses Route53 with an explicit AWS provider to stand in for "yours".
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as cloudflare from "@pulumi/cloudflare";
import { MailDomain, route53Value, type CustomRecordRequest } from "pulumi-docker-mailserver";

const config = new pulumi.Config();

// The program's existing providers and zones.
const cf = new cloudflare.Provider("dns", { apiToken: config.requireSecret("cloudflareToken") });
const awsDns = new aws.Provider("dns", { region: "us-east-1" });
const zone = new aws.route53.Zone("example-net", { name: "example.net" }, { provider: awsDns });

const hostname = "mx.mail-provider.example";
const ipv4 = "198.51.100.25";

const com = new MailDomain(
  "example-com",
  {
    hostname,
    ipv4,
    domain: {
      name: "example.com",
      dns: { provider: "cloudflare", zoneId: config.require("cloudflareZoneId") },
      dmarc: { policy: "reject" },
    },
    // The key the mail server already signs with.
    dkimPublicKey: config.require("dkimPublicKey"),
  },
  { providers: { cloudflare: cf } },
);

/** Publishes one record set with any provider: this is the whole "adapter". */
function publish(req: CustomRecordRequest, opts: pulumi.CustomResourceOptions): pulumi.Resource {
  return new aws.route53.Record(
    req.name,
    {
      zoneId: req.zoneId!,
      name: req.record.name,
      type: req.record.type,
      ttl: req.record.ttl,
      records: req.values.apply((vs) => vs.map((v) => route53Value(req.record.type, v))),
    },
    { ...opts, provider: awsDns },
  );
}

const net = new MailDomain("example-net", {
  hostname,
  ipv4,
  domain: {
    name: "example.net",
    dns: { provider: "custom", zoneId: zone.zoneId, createRecord: publish },
  },
});

export const comRecords = com.records;
export const netRecords = net.records;
// Install this key on the mail server (it signs example.net's mail).
export const netDkimPrivateKey = net.dkimPrivateKeyPem;
