/**
 * Plan warnings that are not about one record: today, outbound port 25 blocked by the cloud the
 * spec names. A mail server that cannot open TCP 25 to other servers receives mail but cannot
 * deliver any, which only shows once mail is stuck in the queue; saying so before deploying is the
 * point. `dmsctl probe-port25` checks the real host.
 */
import type { MailServerSpec, CloudProvider } from "../spec/schema";
import type { Finding } from "../spec/findings";

/** What a cloud does to outbound TCP 25, and how to get it lifted. */
export interface Port25Policy {
  /** The provider's name for humans. */
  readonly name: string;
  /** What is blocked, for whom. */
  readonly block: string;
  /** The provider's own way out, when there is one. */
  readonly remediation: string;
}

/**
 * Outbound port 25 policies of the clouds the spec can name, as the providers document them
 * publicly. Vendor rules change: `dmsctl probe-port25` on the host is the authority.
 */
export const PORT25_POLICIES: Readonly<Record<Exclude<CloudProvider, "other">, Port25Policy>> = {
  aws: {
    name: "AWS EC2",
    block: "EC2 throttles and blocks outbound TCP 25 on every account by default",
    remediation:
      'Submit AWS\'s "Request to remove email sending limitations" form (AWS Support Center, with the Elastic IP and its reverse DNS name), and wait for approval.',
  },
  azure: {
    name: "Microsoft Azure",
    block:
      "Azure blocks outbound TCP 25 for most subscription types (pay-as-you-go, free, MSDN, CSP); only Enterprise Agreement subscriptions may send directly",
    remediation:
      "Use an authenticated SMTP relay service on port 587; the block is a platform policy, not lifted on request.",
  },
  gcp: {
    name: "Google Cloud",
    block: "Compute Engine blocks outbound TCP 25 permanently, for every project",
    remediation: "Send through a relay on port 587 or 465; Google does not lift the block.",
  },
  vultr: {
    name: "Vultr",
    block: "Vultr blocks outbound TCP 25 on new accounts",
    remediation:
      "Open a support ticket asking to unblock SMTP once the account is verified and has some history.",
  },
  digitalocean: {
    name: "DigitalOcean",
    block: "DigitalOcean blocks outbound SMTP (25, and 465/587 on new accounts) from Droplets",
    remediation:
      "Support lifts it only for some established accounts; plan on a relay (their docs point to a third-party email service).",
  },
  hetzner: {
    name: "Hetzner Cloud",
    block: "Hetzner Cloud blocks outbound TCP 25 and 465 on new servers",
    remediation:
      "Request the unblock in the Cloud Console (server > limits / support) once the account is older than a month and its first invoice is paid.",
  },
  linode: {
    name: "Akamai Linode",
    block: "Linode restricts outbound SMTP (25, 465, 587) on new accounts",
    remediation:
      "Set the reverse DNS, then open a support ticket describing the mail use case to have the restriction lifted.",
  },
  oracle: {
    name: "Oracle Cloud",
    block: "OCI blocks outbound TCP 25 on tenancies by default",
    remediation:
      "File a service request for an SMTP port 25 exemption (not granted to free-tier tenancies), or use OCI Email Delivery / another relay.",
  },
  ovh: {
    name: "OVHcloud",
    block:
      "OVHcloud blocks outbound TCP 25 on some products and automatically when its anti-spam system flags the address",
    remediation:
      "Check the IP's anti-spam status in the OVHcloud control panel and unblock it there; use a relay where port 25 stays closed.",
  },
  scaleway: {
    name: "Scaleway",
    block: "Scaleway blocks outbound SMTP ports on Instances by default",
    remediation:
      "Enable SMTP in the Instance's security group after the account's identity verification is complete.",
  },
};

/**
 * `port25-cloud-blocked` (warn) when the spec names a cloud that blocks outbound port 25 and no
 * relay is configured (a relay on 587 does not need port 25).
 */
export function cloudWarnings(spec: MailServerSpec): Finding[] {
  if (spec.cloud === undefined || spec.cloud === "other" || spec.relay !== undefined) return [];
  const policy = PORT25_POLICIES[spec.cloud];
  return [
    {
      id: "port25-cloud-blocked",
      level: "warn",
      path: "cloud",
      message: `${policy.block}; without it ${spec.hostname} receives mail but cannot deliver any to other servers`,
      remediation: `${policy.remediation} Or set relay (a smarthost on port 587) so outbound mail does not need port 25. Check the host with \`dmsctl probe-port25\`.`,
    },
  ];
}
