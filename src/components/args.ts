/**
 * Argument types of the components, derived from the zod spec types (`MailServerSpecInput`) so the
 * schema stays the single source: the same fields, with the leaves that may come from another
 * resource widened to `pulumi.Input<string>` (an instance's IP, a zone's id, a generated password,
 * an adopted DKIM key), plus the few options that only exist for Pulumi (PTR, security group,
 * custom DNS function, port-25 check).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import type { DnsTarget, MailServerSpecInput } from "../spec/schema";
import type { CustomDnsFactory, CustomAdapterOptions } from "../providers/dns/custom";
import type { DkimPublishWaitArgs } from "./mail-server/publish-wait";

type SpecDomain = MailServerSpecInput["domains"][number];
type SpecAccount = NonNullable<MailServerSpecInput["accounts"]>[number];
type SpecRelay = NonNullable<MailServerSpecInput["relay"]>;
type SpecDkim = NonNullable<SpecDomain["dkim"]>;
type SpecDnsTarget = z.input<typeof DnsTarget>;

/** `T` with the fields `K` widened to `pulumi.Input` of their type. */
type WidenInputs<T, K extends keyof T> = Omit<T, K> & {
  [P in K]: undefined extends T[P]
    ? pulumi.Input<NonNullable<T[P]>> | undefined
    : pulumi.Input<T[P]>;
};

/**
 * A zone published through a user function and any Pulumi DNS provider (TypeScript only; the YAML
 * spec offers cloudflare, route53 and zonefile). See the `publish` function and the `example.net`
 * domain in `examples/existing-program/index.ts`.
 */
export interface CustomDnsTargetArgs extends CustomAdapterOptions {
  readonly provider: "custom";
  /** The zone apex, when the domain is a subdomain of the zone. @default the domain */
  readonly zone?: string;
  /** Handed to the function as `zoneId`. */
  readonly zoneId?: pulumi.Input<string>;
  /** Registers the resources for one record set. */
  readonly createRecord: CustomDnsFactory;
}

/** Where a domain's records are published; zone ids may be Outputs of existing zones. */
export type DnsTargetArgs =
  | WidenInputs<Extract<SpecDnsTarget, { provider: "cloudflare" }>, "zoneId">
  | WidenInputs<Extract<SpecDnsTarget, { provider: "route53" }>, "zoneId">
  | Extract<SpecDnsTarget, { provider: "zonefile" }>
  | CustomDnsTargetArgs;

/** DKIM of one domain; an adopted `privateKey` may be an Output (a secret). */
export type DkimArgs = WidenInputs<SpecDkim, "privateKey">;

/** One mail domain (see `DomainSpec`). */
export type DomainArgs = Omit<SpecDomain, "dns" | "dkim"> & {
  /** Where its records are published. @default { provider: "zonefile" } */
  readonly dns?: DnsTargetArgs;
  readonly dkim?: DkimArgs;
};

/** A mailbox (see `AccountSpec`); `password` and `passwordHash` may be secret Outputs. */
export type AccountArgs = WidenInputs<SpecAccount, "password" | "passwordHash">;

/** The outbound relay (see `RelaySpec`); `password` may be a secret Output. */
export type RelayArgs = WidenInputs<SpecRelay, "password">;

/** Reverse DNS for the mail host's addresses. */
export type PtrArgs =
  /**
   * Set the reverse DNS of an AWS Elastic IP (`aws.ec2.EipDomainName`). AWS requires the forward
   * A record to resolve to the address first, so the PTR waits for the host records.
   */
  | { readonly kind: "aws-eip"; readonly allocationId: pulumi.Input<string> }
  /** A PTR record in a reverse zone (`x.y.z.in-addr.arpa`, `ip6.arpa`) you host on Cloudflare. */
  | {
      readonly kind: "cloudflare";
      /** Zone id of the IPv4 reverse zone. */
      readonly zoneId: pulumi.Input<string>;
      /** Zone id of the IPv6 reverse zone. @default no IPv6 PTR record */
      readonly ipv6ZoneId?: pulumi.Input<string>;
    }
  /** Only state the expected PTR (output `ptr`), set by your hosting provider, checked by `dmsctl verify`. */
  | { readonly kind: "expected" };

/** The spec fields of a `MailServer`, with Pulumi inputs where values come from other resources. */
export type MailServerSpecArgs = Omit<
  MailServerSpecInput,
  "ipv4" | "ipv6" | "domains" | "accounts" | "relay"
> & {
  /** The public IPv4 address of the mail host (A record, SPF, PTR); may be an instance's Output. */
  readonly ipv4?: pulumi.Input<string>;
  /** The public IPv6 address of the mail host (AAAA record, SPF, PTR). */
  readonly ipv6?: pulumi.Input<string>;
  readonly domains: DomainArgs[];
  /** Mailboxes. At least one is needed before the container first starts (docs/dms-contract.md#first-account). @default [] */
  readonly accounts?: AccountArgs[];
  readonly relay?: RelayArgs;
};

/** Arguments of `MailServer`: the spec plus Pulumi-only options. */
export type MailServerArgs = MailServerSpecArgs & {
  /** Reverse DNS handling. @default { kind: "expected" } */
  readonly ptr?: PtrArgs;
  /**
   * An AWS security group to open the public services in: one
   * `aws.vpc.SecurityGroupIngressRule` per public service and source CIDR.
   * @default no security group rules
   */
  readonly awsSecurityGroupId?: pulumi.Input<string>;
  /**
   * Name of the mail container on the Docker host (what `docker exec <name> setup ...` uses).
   * @default a name Pulumi generates from the component name
   */
  readonly containerName?: string;
  /**
   * Also `protect` the data volumes (mail, state, logs, config), so `pulumi destroy` refuses to
   * run until you unprotect them. Independent of `retainData`, which keeps volumes on the Docker
   * host when Pulumi deletes them. @default false
   */
  readonly protectData?: boolean;
  /**
   * Probe outbound TCP 25 from the mail host during `pulumi up` (a one-shot `Port25Check`
   * container, re-run whenever the mail container is replaced): `warn` logs a warning when it is
   * blocked, `fail` fails the update. Clouds such as AWS, Azure and GCP block it by default.
   * @default { mode: "off" }
   */
  readonly port25Check?: { readonly mode: "warn" | "fail" | "off" };
  /**
   * Run the host checks of `dmsctl doctor` that a container can answer during `pulumi up` (a
   * one-shot `HostCheck` container, re-run whenever the mail container is replaced): kernel,
   * cgroup, container runtime, rootless, nftables, and with `hostAccess` (default true: the
   * host's PID namespace and read-only `/etc/docker` and `/etc/ufw`) userland-proxy, IPv6 and
   * firewall frontends. `warn` logs each failure with its remedy. The engine's version needs
   * `dmsctl doctor` on the Docker host. @default { mode: "off" }
   */
  readonly hostCheck?: { readonly mode: "warn" | "off"; readonly hostAccess?: boolean };
  /**
   * Publish before sign during a DKIM rotation (a domain with `dkim.retiring`): the config change
   * that switches signing waits until every authoritative server of the zone answers the new
   * selector's record, bounded (docs/dkim-rotation.md). Zone-file zones are never waited for.
   * @default { enabled: true, timeoutSeconds: 600 }
   */
  readonly dkimPublishWait?: DkimPublishWaitArgs;
};
