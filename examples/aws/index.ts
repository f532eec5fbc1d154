/**
 * A mail server on AWS: an EC2 instance with an Elastic IP, the mail ports opened in a security
 * group, DNS in Route53, and the Elastic IP's reverse DNS set to the hostname. The container runs
 * on the instance's Docker engine over SSH (`docker.Provider` with `ssh://`).
 *
 * Assumptions (README.md): a Debian 12 AMI, whose login user is `admin` (set `loginUser` for
 * another image, e.g. `ubuntu`); cloud-init installs Docker and adds that user to the `docker`
 * group, so the Docker provider can use the engine over SSH without sudo; your SSH agent holds
 * the key of `keyName`.
 *
 * AWS blocks outbound port 25 on EC2 until you request removal of the limit: until then, set a
 * relay (`relay:` in the spec). `dmsctl probe-port25` tells you which applies.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import { MailServer } from "pulumi-docker-mailserver";

const config = new pulumi.Config();
const loginUser = config.get("loginUser") ?? "admin";

// No inline ingress/egress blocks: MailServer adds standalone rules to this group
// (awsSecurityGroupId), and the AWS provider documents that mixing inline and standalone rules
// makes them overwrite each other on every update. So every rule here is standalone too.
const group = new aws.ec2.SecurityGroup("mail", { description: "mail host" });
new aws.vpc.SecurityGroupIngressRule("mail-ssh", {
  securityGroupId: group.id,
  description: "SSH for the Docker provider",
  ipProtocol: "tcp",
  fromPort: 22,
  toPort: 22,
  cidrIpv4: config.get("sshCidr") ?? "0.0.0.0/0",
});
new aws.vpc.SecurityGroupEgressRule("mail-egress", {
  securityGroupId: group.id,
  description: "outbound: mail delivery, package updates, image pulls",
  ipProtocol: "-1",
  cidrIpv4: "0.0.0.0/0",
});

const instance = new aws.ec2.Instance("mail", {
  ami: config.require("ami"),
  instanceType: "t3.small", // 2 GiB: DMS without ClamAV (docs/dms-contract.md#memory)
  keyName: config.require("keyName"),
  vpcSecurityGroupIds: [group.id],
  // Docker from Debian's own packages; the login user joins the docker group.
  userData: [
    "#!/bin/sh",
    "set -e",
    "apt-get update",
    "DEBIAN_FRONTEND=noninteractive apt-get install -y docker.io",
    `usermod -aG docker ${loginUser}`,
    "systemctl enable --now docker",
  ].join("\n"),
  userDataReplaceOnChange: true,
});
const eip = new aws.ec2.Eip("mail", { instance: instance.id, domain: "vpc" });

// The Docker provider connects over SSH as soon as it is configured: first wait until sshd
// answers and cloud-init has finished (Docker installed), then check, in a new session so the
// docker group applies, that the login user reaches the engine.
const connection: command.types.input.remote.ConnectionArgs = {
  host: eip.publicIp,
  user: loginUser,
  // Retries while the instance boots: up to 60 dials, 10 s apart at most.
  dialErrorLimit: 60,
  perDialTimeout: 10,
  ...(process.env.SSH_AUTH_SOCK !== undefined
    ? { agentSocketPath: process.env.SSH_AUTH_SOCK }
    : {}),
};
const booted = new command.remote.Command("mail-booted", {
  connection,
  create: "cloud-init status --wait >/dev/null",
  triggers: [instance.id],
});
const dockerReady = new command.remote.Command(
  "mail-docker-ready",
  {
    connection,
    create: "docker version --format '{{.Server.Version}}'",
    triggers: [instance.id],
  },
  { dependsOn: [booted] },
);

const dockerHost = new docker.Provider(
  "mail",
  {
    // Built from the readiness check's output, so the provider is configured only after it.
    host: pulumi.interpolate`ssh://${loginUser}@${dockerReady.stdout.apply(() => eip.publicIp)}`,
    sshOpts: ["-o", "StrictHostKeyChecking=accept-new"],
  },
  { dependsOn: [dockerReady] },
);

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
export const dockerVersion = dockerReady.stdout;
export const records = mail.records;
export const clientSettings = mail.clientSettings;
export const warnings = mail.warnings;
