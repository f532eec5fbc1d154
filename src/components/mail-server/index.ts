/**
 * `MailServer` (`dms:index:MailServer`): the DMS container with its volumes and configuration,
 * the DNS of every mail domain, the port rules and the PTR, translated from the plan
 * (`planMailServer`). This folder decides nothing about mail: it wires plan data to resources.
 * This file holds the component class, whose constructor sequences the steps; each step is a
 * plain function in its own module beside it (see the constructor for why plain functions).
 *
 * Children (names are public API, STYLE.md convention 4):
 * - `${name}-salt-key` (`random.RandomPassword`): the per-stack secret key of the password salts
 *   (a second `up` with the same passwords yields byte-identical hashes, `deriveSalt`) and of
 *   the recreate-hash label;
 * - `${name}-dkim-${domain}-${selector}` (`tls.PrivateKey`): one per selector (the signing one
 *   and each `dkim.retiring` one) of a domain with a generated key; generated once and kept in
 *   state while the selector is listed;
 * - `${name}-image` (`docker.RemoteImage`), `${name}-${volume}` (`docker.Volume`: mail-data,
 *   mail-state, mail-logs, config; kept on delete unless `retainData: false`);
 * - `${name}-dkim-rotation-guard` (`docker.Container`): with DKIM, the one-shot check that refuses
 *   a one-step selector switch before the writer runs (./rotation-guard.ts);
 * - `${name}-config-writer` (`docker.Container`): the one-shot config writer (see below);
 * - `${name}-container` (`docker.Container`): the mail server;
 * - `${name}-backup` (`docker.Container`): with `backup`, the daily backup loop (./backup.ts);
 * - `${name}-host-check` (`HostCheck`): with `hostCheck`, the host checks of `dmsctl doctor` a
 *   container can answer;
 * - DNS records via the zone's adapter (`${name}-${type}-${owner}[...]`), PTR, security group
 *   rules (`${name}-sg-${service}-${cidr}`).
 *
 * Config delivery. DMS reloads accounts, aliases, quotas, relay maps and rspamd files live, and
 * reads everything else only at startup (docs/dms-contract.md#live-reload). So the files reach the config
 * volume through a short-lived writer container (same image; `uploads` carry the contents as
 * secrets; nothing is read from the machine running Pulumi, so remote `ssh://` Docker hosts
 * work). Any file change replaces only the writer, which runs once and exits. The mail container
 * carries the env and a label keyed over the plan's `recreateHash` (env + startup-only files),
 * its ports and healthcheck (./container.ts says why those), so it is replaced exactly when a
 * startup input changes, after the writer has written the new files
 * (`dependsOn`), deleting the old one first (`deleteBeforeReplace`: both would bind the same host
 * ports). Its first start also waits for the writer, so accounts exist before DMS checks for them
 * (docs/dms-contract.md#first-account).
 *
 * DKIM rotation (docs/dkim-rotation.md): the writer switches signing, so it depends on the signing
 * selectors' records and, while a domain rotates, receives its uploads only once every
 * authoritative server answers the new record (./publish-wait.ts): publish before sign. It also
 * waits for the rotation guard (./rotation-guard.ts), which refuses a switch whose old selector
 * is not retiring, reading the selector that signs from the config volume.
 */
import * as pulumi from "@pulumi/pulumi";
import { warnOverdueRetiring } from "../dkim-rotation";
import type * as docker from "@pulumi/docker";
import type * as tls from "@pulumi/tls";
import { planMailServer } from "../../plan/plan";
import { planDmsFiles } from "../../dms";
import type { DnsRecord, PtrExpectation } from "../../records/types";
import type { PortRule } from "../../dms/types";
import type { Finding } from "../../spec/findings";
import { renderNftables } from "../../providers/host/nftables";
import type { MailServerArgs } from "../args";
import type { Port25Check } from "../port25-check";
import { resolveReferences } from "../references";
import type { ClientSettings } from "../client-settings";
import { structuralInput, validateOrThrow } from "../resolve";
import { configWriterContainer, writerExitCode, writerUploads } from "./config-writer";
import { mailContainer, recreateHashOf } from "./container";
import { hostOutputs, secretMaterial } from "./shared-steps";
import { once } from "./once";
import { port25 } from "./port25";
import { publishDns } from "./publish-dns";
import { placeholderMaterial, replanner, toRecord } from "./replan";
import { dkimMaterial, passwordHashes, stackKey } from "./secrets";
import { storage } from "./storage";
import { rotationGuard } from "./rotation-guard";
import { backupContainer, hostCheck } from "./backup";
import type { HostCheck } from "../host-check";
import type { MtaStsPolicyOutput } from "../mta-sts-hosting";

export { writerUploads } from "./config-writer";

/** The Pulumi type token of {@link MailServer}. */
export const MAIL_SERVER_TYPE = "dms:index:MailServer";

/**
 * A docker-mailserver deployment: container, volumes, configuration, DNS, port rules and PTR.
 *
 * @example
 * ```ts
 * const mail = new MailServer("mail", {
 *   hostname: "mail.example.com",
 *   ipv4: instance.publicIp,
 *   domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: zone.id } }],
 *   accounts: [{ address: "alice@example.com", password: config.requireSecret("alicePassword") }],
 * });
 * export const records = mail.records;
 * ```
 */
export class MailServer extends pulumi.ComponentResource {
  /**
   * Every DNS record with its final value, sorted by zone, name, type. No secrets.
   *
   * This, {@link zoneFiles}, {@link clientSettings} and {@link nftablesRuleset} are built on first
   * read: no resource takes them as input and the component's state does not hold them, so a
   * program that never reads them (a Cloudflare user has no use for zone text) does not pay for
   * them.
   */
  public get records(): pulumi.Output<DnsRecord[]> {
    return this.onRead.records();
  }
  /** Zone file text per zone apex (all zones, whichever provider publishes them). */
  public get zoneFiles(): pulumi.Output<Record<string, string>> {
    return this.onRead.zoneFiles();
  }
  /** How mail clients connect, per account. */
  public get clientSettings(): pulumi.Output<ClientSettings[]> {
    return this.onRead.clientSettings();
  }
  /** An nftables ruleset for the mail ports, for a plain VPS (`nft -f`). */
  public get nftablesRuleset(): pulumi.Output<string> {
    return this.onRead.nftablesRuleset();
  }
  /** Reachability of each service (the port table). */
  public readonly ports: pulumi.Output<PortRule[]>;
  /** The PTR each address should have (set by `ptr`, or by your hosting provider). */
  public readonly ptr: pulumi.Output<PtrExpectation[]>;
  /** Validation, plan and provider-audit warnings (warn/info), sorted. */
  public readonly warnings: pulumi.Output<Finding[]>;
  /**
   * The mail container's `dms.recreate-hash` label: HMAC-SHA256 under the stack's secret key over
   * the env, the startup-only files, the published ports and the healthcheck. The container is
   * replaced when it changes; it reveals nothing of the secrets it covers.
   */
  public readonly recreateHash: pulumi.Output<string>;
  /** The mail container. */
  public readonly container: docker.Container;
  /** The one-shot container writing the config files into the config volume. */
  public readonly configWriter: docker.Container;
  /**
   * The one-shot DKIM rotation guard (./rotation-guard.ts): reads the signing selectors from the
   * config volume before the writer and refuses a one-step switch. Absent when no domain has DKIM.
   */
  public readonly dkimRotationGuard?: docker.Container;
  /** The pinned DMS image. */
  public readonly image: docker.RemoteImage;
  /** Named volumes by plan name: `mail-data`, `mail-state`, `mail-logs`, `config`. */
  public readonly volumes: Readonly<Record<string, docker.Volume>>;
  /** Generated DKIM keys by domain (adopted keys are not listed). */
  public readonly dkimKeys: Readonly<Record<string, tls.PrivateKey>>;
  /** The scheduled backup container (`backup` in the spec), archiving the volumes daily. */
  public readonly backup?: docker.Container;
  /** The host checks of the mail host (`HostCheck`), with `hostCheck.mode: warn`. */
  public readonly hostCheck?: HostCheck;
  /** The outbound port 25 check, when `port25Check.mode` is not `off`. */
  public readonly port25Check?: Port25Check;
  /** The DNS, PTR and firewall resources. */
  public readonly networkResources: readonly pulumi.Resource[];
  /** The MTA-STS policies to serve (with web server snippets for `files` hosting). No secrets. */
  public readonly mtaStsPolicies: pulumi.Output<MtaStsPolicyOutput[]>;
  /** Builders of the outputs computed on first read, each run at most once. */
  private readonly onRead: {
    readonly records: () => pulumi.Output<DnsRecord[]>;
    readonly zoneFiles: () => pulumi.Output<Record<string, string>>;
    readonly clientSettings: () => pulumi.Output<ClientSettings[]>;
    readonly nftablesRuleset: () => pulumi.Output<string>;
  };

  constructor(name: string, given: MailServerArgs, opts: pulumi.ComponentResourceOptions = {}) {
    // The args are deliberately not passed to super: they hold plain-text passwords.
    super(MAIL_SERVER_TYPE, name, {}, opts);
    // This constructor only sequences short steps: plain functions (below the class), each
    // declaring its resources near its start. Why it matters: Pulumi formats a 10-frame stack
    // trace for every promise it tracks (about 80 per resource, 300 for a container). V8 finds
    // each frame's source position by scanning its function's position table from the start, so
    // a resource declared late in a long function pays for every statement before it; and it
    // formats a method frame (`MailServer.step`) by looking up the receiver's type and method
    // name, which a plain call skips. Both on every capture (docs/components.md, "Cost of the
    // component").
    const what = `MailServer ${JSON.stringify(name)}`;

    // 1. Structure: secrets referenced by the spec (passwordEnv, privateKeyFile) read as secret
    // values (./references.ts); validate and plan once with placeholders (./resolve.ts).
    const references = resolveReferences(given);
    const args = references.args;
    const { input, holes } = structuralInput(args);
    const { spec, findings: validation } = validateOrThrow(what, input, this, references.findings);
    warnOverdueRetiring(what, spec, this);
    if (spec.platform.kind !== "docker") {
      throw new pulumi.ResourceError(
        `${what}: platform.kind: MailServer deploys to Docker; use KubernetesMailServer for "kubernetes"`,
        this,
      );
    }
    const material = placeholderMaterial(spec);
    const plan = planMailServer(spec, material);
    const replan = replanner(what, input, spec);
    const ipHoles = holes.filter((h) => h.kind === "ipv4" || h.kind === "ipv6");
    // The plan with the real IPs, when they are Outputs (records, env, PTR and warnings use them).
    const publicPlan =
      ipHoles.length === 0 ? undefined : replan(ipHoles, toRecord(material), planMailServer);

    // 2. Secrets: password hashes and DKIM keys.
    const key = stackKey(this, name);
    const hashes = passwordHashes(key, args);
    const dkim = dkimMaterial(this, what, name, args, spec);
    this.dkimKeys = dkim.generated;

    // 3. DNS.
    const dns = publishDns(this, what, name, args, plan, publicPlan, dkim);
    this.mtaStsPolicies = dns.mtaStsPolicies;

    // 4. Image, volumes, config writer, container.
    const { image, volumes } = storage(this, what, name, args, plan);
    this.image = image;
    this.volumes = volumes;
    const materialWithSecrets = secretMaterial(
      hashes,
      dkim,
      args.relay?.password,
      material,
      dns.gate,
    );
    // The rotation guard reads which selector signs now; a one-step switch fails its verdict,
    // and the writer's uploads wait for that verdict, so nothing is written (./rotation-guard.ts).
    const guard = rotationGuard(
      this,
      what,
      name,
      spec,
      image,
      volumes["config"]!,
      dkim.retiringWithPrivate,
    );
    this.dkimRotationGuard = guard?.container;
    const planned = replan(holes, materialWithSecrets, (s, m) => writerUploads(planDmsFiles(s, m)));
    const uploads =
      guard === undefined
        ? planned
        : pulumi.all([planned, guard.verdict]).apply(([files]) => files);
    // Publish before sign: the writer (which switches signing) after the signing records, and
    // after the guard.
    this.configWriter = configWriterContainer(this, name, image, volumes, uploads, [
      ...dns.signingRecords,
      ...(guard !== undefined ? [guard.container] : []),
    ]);
    this.recreateHash = recreateHashOf(
      spec,
      plan,
      material,
      holes,
      dkim.withPrivate,
      replan,
      key.result,
    );
    this.container = mailContainer(
      this,
      name,
      args,
      plan,
      publicPlan,
      image,
      volumes,
      this.configWriter,
      this.recreateHash,
    );
    this.port25Check = port25(this, name, args, spec, image, this.container);
    this.backup = backupContainer(this, name, plan, image, volumes);
    this.hostCheck = hostCheck(this, name, args, image, this.container);

    // 5. Ports and PTR; 6. outputs, all free of secrets.
    const host = hostOutputs(this, what, name, args, spec, plan, publicPlan, dns, validation);
    this.networkResources = host.networkResources;
    this.ports = host.ports;
    this.ptr = host.ptr;
    this.warnings = host.warnings;
    this.onRead = {
      ...host.onRead,
      nftablesRuleset: once(() =>
        pulumi.output(renderNftables(plan.ports, { hostname: spec.hostname })),
      ),
    };

    // The component's own state entry holds what explains a change of the mail server: the
    // recreate hash (the container is replaced when it changes) and the warnings. The other
    // outputs are Output properties only (export them to make them stack outputs): the records
    // are in state already as the DNS resources, and the rest is derived from the spec. Each
    // nested value in state is serialized promise by promise: ports, ptr and the ruleset cost
    // 5% of registering a 1-domain server, and at 1,000 domains the records, zone files and
    // client settings were 1.9 MB of JSON (docs/components.md, "Cost of the component").
    // And the writer's exit code, which fails the update when it is not 0 (see writerExitCode).
    this.registerOutputs({
      recreateHash: this.recreateHash,
      warnings: this.warnings,
      configWriterExitCode: writerExitCode(what, name, this.configWriter),
    });
  }
}
