/**
 * A mail server on AWS: an EC2 instance with an Elastic IP, the mail ports opened in a security
 * group, DNS in Route53, and the Elastic IP's reverse DNS set to the hostname. The container runs
 * on the instance's Docker engine over SSH (`docker.Provider` with `ssh://`).
 *
 * AWS blocks outbound port 25 on EC2 until you request removal of the limit: until then, set a
 * relay (`relay:` in the spec). `dmsctl probe-port25` tells you which applies.
 *
 *   pulumi config set aws:region eu-central-1
 *   pulumi config set ami ami-...            # a Debian/Ubuntu AMI with Docker installed
 *   pulumi config set keyName my-key         # an EC2 key pair your SSH agent holds
 *   pulumi config set hostedZoneId Z0123456789
 *   pulumi config set --secret alicePassword '<password>'
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as docker from "@pulumi/docker";
import { MailServer } from "pulumi-docker-mailserver";

const config = new pulumi.Config();

const group = new aws.ec2.SecurityGroup("mail", {
  description: "mail host",
  // SSH for the Docker provider; the mail ports are added by MailServer (awsSecurityGroupId).
  ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }],
  egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }],
});
const instance = new aws.ec2.Instance("mail", {
  ami: config.require("ami"),
  instanceType: "t3.small", // 2 GiB: DMS without ClamAV (dms-reference.md §6.4)
  keyName: config.require("keyName"),
  vpcSecurityGroupIds: [group.id],
});
const eip = new aws.ec2.Eip("mail", { instance: instance.id, domain: "vpc" });

const dockerHost = new docker.Provider("mail", {
  host: pulumi.interpolate`ssh://admin@${eip.publicIp}`,
  sshOpts: ["-o", "StrictHostKeyChecking=accept-new"],
});

const mail = new MailServer(
  "mail",
  {
    hostname: "mail.example.com",
    ipv4: eip.publicIp,
    cloud: "aws",
    domains: [
      {
        name: "example.com",
        dns: { provider: "route53", zoneId: config.require("hostedZoneId") },
        dmarc: { policy: "reject", rua: ["mailto:dmarc@example.com"] },
      },
    ],
    accounts: [
      {
        address: "alice@example.com",
        password: config.requireSecret("alicePassword"),
        aliases: ["postmaster@example.com", "dmarc@example.com"],
      },
    ],
    memoryLimit: "1536m",
    awsSecurityGroupId: group.id,
    ptr: { kind: "aws-eip", allocationId: eip.allocationId },
  },
  { providers: { docker: dockerHost } },
);

export const publicIp = eip.publicIp;
export const records = mail.records;
export const clientSettings = mail.clientSettings;
export const warnings = mail.warnings;
