/**
 * `MailServer` (`dms:index:MailServer`): the DMS container with its volumes and configuration,
 * the DNS of every mail domain, the port rules and the PTR, translated from the plan
 * (`planMailServer`). This file decides nothing about mail: it wires plan data to resources.
 *
 * Children (names are public API, STYLE.md convention 4):
 * - `${name}-salt-key` (`random.RandomPassword`): the per-stack key of the password salts, so a
 *   second `up` with the same passwords yields byte-identical hashes (`deriveSalt`);
 * - `${name}-dkim-${domain}-${selector}` (`tls.PrivateKey`): one per domain signing with a
 *   generated key; generated once and kept in state;
 * - `${name}-image` (`docker.RemoteImage`), `${name}-${volume}` (`docker.Volume`: mail-data,
 *   mail-state, mail-logs, config; kept on delete unless `retainData: false`);
 * - `${name}-config-writer` (`docker.Container`): the one-shot config writer (see below);
 * - `${name}-container` (`docker.Container`): the mail server;
 * - DNS records via the zone's adapter (`${name}-${type}-${owner}[...]`), PTR, security group
 *   rules (`${name}-sg-${service}-${cidr}`).
 *
 * Config delivery. DMS reloads accounts, aliases, quotas, relay maps and rspamd files live, and
 * reads everything else only at startup (dms-reference.md §1.2). So the files reach the config
 * volume through a short-lived writer container (same image; `uploads` carry the contents as
 * secrets; nothing is read from the machine running Pulumi, so remote `ssh://` Docker hosts
 * work). Any file change replaces only the writer, which runs once and exits. The mail container
 * carries the env and a label with the plan's `recreateHash` (env + startup-only files), so it is
 * replaced exactly when a startup input changes, after the writer has written the new files
 * (`dependsOn`), deleting the old one first (`deleteBeforeReplace`: both would bind the same host
 * ports). Its first start also waits for the writer, so accounts exist before DMS checks for them
 * (dms-reference.md §6.3).
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
import { deriveSalt, hashPasswords } from "../dms/password";
import { planMailServer } from "../plan/plan";
import { planDmsFiles } from "../dms";
import type { DkimKeyMaterial, PlanMaterial } from "../spec/material";
import type { DnsRecord, PtrExpectation } from "../records/types";
import type { DmsFile, PortRule } from "../dms/types";
import type { Plan } from "../plan/types";
import { dkimEngine } from "../spec/derived";
import { cmp, sortFindings, type Finding } from "../spec/findings";
import type { MailServerSpec } from "../spec/schema";
import { slug } from "../providers/dns/common";
import { mapToOutput } from "../providers/inputs";
import {
  CONFIG_DIR,
  MANIFEST,
  STAGING_DIR,
  WRITER_SCRIPT,
  dockerEnvs,
  dockerHealthcheck,
  dockerMemoryMb,
  dockerPorts,
} from "../providers/host/docker";
import { renderNftables } from "../providers/host/nftables";
import { createCloudflarePtr, createEipPtr } from "../providers/host/ptr";
import { createIngressRules } from "../providers/host/security-group";
import type { MailServerArgs } from "./args";
import { Port25Check } from "./port25-check";
import { resolveReferences } from "./references";
import { clientSettings, type ClientSettings } from "./client-settings";
import {
  auditRecords,
  bindRecords,
  publishRecords,
  recordKey,
  resolvedRecords,
  adoptedKeySource,
  generatedKeySource,
  type DkimPublicSource,
  zoneFileTexts,
  zoneTargets,
} from "./dns";
import {
  PLACEHOLDERS,
  fillHoles,
  isPlain,
  structuralInput,
  validateFilled,
  validateOrThrow,
  describeErrors,
  type Hole,
} from "./resolve";

/** The Pulumi type token of {@link MailServer}. */
export const MAIL_SERVER_TYPE = "dms:index:MailServer";

/** Findings the component handles itself, so they are not passed on as warnings. */
const HANDLED_FINDINGS = new Set(["dkim-generated-at-deploy"]);

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
  /** sha256 of the env and startup-only files: the container is replaced when it changes. */
  public readonly recreateHash: pulumi.Output<string>;
  /** The mail container. */
  public readonly container: docker.Container;
  /** The one-shot container writing the config files into the config volume. */
  public readonly configWriter: docker.Container;
  /** The pinned DMS image. */
  public readonly image: docker.RemoteImage;
  /** Named volumes by plan name: `mail-data`, `mail-state`, `mail-logs`, `config`. */
  public readonly volumes: Readonly<Record<string, docker.Volume>>;
  /** Generated DKIM keys by domain (adopted keys are not listed). */
  public readonly dkimKeys: Readonly<Record<string, tls.PrivateKey>>;
  /** The outbound port 25 check, when `port25Check.mode` is not `off`. */
  public readonly port25Check?: Port25Check;
  /** The DNS, PTR and firewall resources. */
  public readonly networkResources: readonly pulumi.Resource[];
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
    const material = placeholderMaterial(spec);
    const plan = planMailServer(spec, material);
    const replan = replanner(what, input, spec);
    const ipHoles = holes.filter((h) => h.kind === "ipv4" || h.kind === "ipv6");
    // The plan with the real IPs, when they are Outputs (records, env, PTR and warnings use them).
    const publicPlan =
      ipHoles.length === 0 ? undefined : replan(ipHoles, toRecord(material), planMailServer);

    // 2. Secrets: password hashes and DKIM keys.
    const hashes = passwordHashes(this, name, args);
    const dkim = dkimMaterial(this, name, args, spec);
    this.dkimKeys = dkim.generated;

    // 3. DNS.
    const dns = publishDns(this, what, name, args, plan, publicPlan, dkim);

    // 4. Image, volumes, config writer, container.
    const { image, volumes } = storage(this, what, name, args, plan);
    this.image = image;
    this.volumes = volumes;
    // Secret because `hashes` is: an Output derived from a secret one is secret.
    const materialWithSecrets = pulumi
      .all([hashes, dkim.withPrivate, args.relay?.password])
      .apply(([h, d, relay]) => {
        const relayPassword = relay ?? material.relayPassword;
        return {
          passwordHashes: h,
          dkimKeys: d,
          ...(relayPassword !== undefined ? { relayPassword } : {}),
        };
      });
    const uploads = replan(holes, materialWithSecrets, (s, m) => writerUploads(planDmsFiles(s, m)));
    this.configWriter = configWriterContainer(this, name, image, volumes, uploads);
    this.recreateHash = recreateHashOf(spec, plan, material, holes, dkim.withPrivate, replan);
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

    // 5. Ports and PTR.
    const ptrPlan =
      publicPlan === undefined
        ? pulumi.output(plan.ptr.map((p) => ({ ...p })))
        : publicPlan.apply((p) => p.ptr.map((x) => ({ ...x })));
    this.networkResources = [
      ...dns.resources,
      ...portsAndPtr(this, what, name, args, spec, plan, ptrPlan, dns.resources),
    ];

    // 6. Outputs: all free of secrets.
    this.ports = pulumi.output(plan.ports.map((p) => ({ ...p })));
    this.ptr = ptrPlan;
    this.onRead = {
      records: dns.records,
      zoneFiles: once(() => zoneFileTexts(plan.zones, dns.records())),
      clientSettings: once(() =>
        pulumi.output(
          clientSettings(
            spec.hostname,
            plan.ports,
            spec.accounts.map((a) => a.address),
          ),
        ),
      ),
      nftablesRuleset: once(() =>
        pulumi.output(renderNftables(plan.ports, { hostname: spec.hostname })),
      ),
    };
    const warningsOf = (planWarnings: readonly Finding[]) =>
      sortFindings(
        [...validation, ...planWarnings, ...dns.audit].filter((f) => !HANDLED_FINDINGS.has(f.id)),
      );
    this.warnings =
      publicPlan === undefined
        ? pulumi.output(warningsOf(plan.warnings))
        : publicPlan.apply((p) => warningsOf(p.warnings));

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

/** The DKIM keys of a server: see {@link dkimMaterial}. */
interface DkimMaterial {
  /** Generated keys by domain. */
  readonly generated: Record<string, tls.PrivateKey>;
  /** Where each signing domain's public value comes from. */
  readonly sources: ReadonlyMap<string, DkimPublicSource>;
  /** Every domain's key pair, one secret Output. */
  readonly withPrivate: pulumi.Output<Record<string, DkimKeyMaterial>>;
}

/** Plans with the placeholders of some holes filled with their real values. */
type Replan = <T>(
  filled: readonly Hole[],
  materialInput: pulumi.Input<MaterialRecord>,
  compute: (spec: MailServerSpec, material: PlanMaterial) => T,
) => pulumi.Output<T>;

/**
 * Plans again once the real values of some of the spec's Output leaves (its holes, ./resolve.ts)
 * are known, each plan depending only on the holes it needs. `compute` is the plan function a
 * consumer needs: the writer needs only the DMS files, so it does not re-plan records, container
 * and ports on every deployment. Material travels through Outputs as plain records (Outputs
 * rebuild Maps as plain objects). Each call builds as few Outputs as it can (see
 * ../providers/inputs.ts): no hole, no `pulumi.all` over holes.
 */
function replanner(what: string, input: Record<string, unknown>, spec: MailServerSpec): Replan {
  return (filled, materialInput, compute) => {
    if (filled.length === 0) {
      // Nothing to fill: the structural spec is the real one, already validated.
      return mapToOutput(materialInput, (m) => compute(spec, toMaterial(m)));
    }
    return pulumi
      .all([pulumi.all(filled.map((h) => h.value)), materialInput])
      .apply(([values, m]) =>
        compute(validateFilled(what, fillHoles(input, filled, values)), toMaterial(m)),
      );
  };
}

/**
 * The mail container's recreate hash. It depends on the IPs, on the relay password only if the
 * plan's startup files do, and on the DKIM private keys only with OpenDKIM (its keys are
 * startup-only; rspamd's are reloaded live, dms-reference.md §1.2).
 */
function recreateHashOf(
  spec: MailServerSpec,
  plan: Plan,
  material: PlanMaterial,
  holes: readonly Hole[],
  dkimKeys: pulumi.Output<Record<string, DkimKeyMaterial>>,
  replan: Replan,
): pulumi.Output<string> {
  const needed = holes.filter(
    (h) => h.kind === "ipv4" || h.kind === "ipv6" || h.kind === "relayPassword",
  );
  const opendkim = dkimEngine(spec) === "opendkim";
  if (needed.length === 0 && !opendkim) return pulumi.output(plan.container.recreateHash);
  const materialInput = opendkim
    ? dkimKeys.apply((d) => ({ ...toRecord(material), dkimKeys: d }))
    : toRecord(material);
  return pulumi.unsecret(
    replan(needed, materialInput, planMailServer).apply((p) => p.container.recreateHash),
  );
}

/**
 * The config writer's exit code, 0; any other code throws, which fails the update. The Docker
 * provider waits for an attached run-once container but does not fail on its exit code, so
 * without this a write that failed (a full disk, a read-only volume) would leave the previous
 * files in place and report success. It is in the component's outputs, not in the mail
 * container's inputs: there it would be unknown in every preview that re-runs the writer (every
 * account change) and show the container as replaced.
 */
function writerExitCode(
  what: string,
  name: string,
  writer: docker.Container,
): pulumi.Output<number> {
  return writer.exitCode.apply((code) => {
    if (code !== undefined && code !== null && code !== 0) {
      throw new Error(
        `${what}: the config writer ${name}-config-writer exited with ${code}, so the config files were not all written; ` +
          "see `docker logs` of that container, fix the cause and run `pulumi up` again",
      );
    }
    return 0;
  });
}

/** `f`, run on the first call only; later calls return the first result. */
function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

/** {@link PlanMaterial} with plain records instead of Maps, to travel inside Outputs. */
interface MaterialRecord {
  readonly passwordHashes: Readonly<Record<string, string>>;
  readonly dkimKeys: Readonly<Record<string, DkimKeyMaterial>>;
  readonly relayPassword?: string;
}

function toRecord(m: PlanMaterial): MaterialRecord {
  return {
    passwordHashes: Object.fromEntries(m.passwordHashes),
    dkimKeys: Object.fromEntries(m.dkimKeys),
    ...(m.relayPassword !== undefined ? { relayPassword: m.relayPassword } : {}),
  };
}

function toMaterial(m: MaterialRecord): PlanMaterial {
  return {
    passwordHashes: new Map(Object.entries(m.passwordHashes)),
    dkimKeys: new Map(Object.entries(m.dkimKeys)),
    ...(m.relayPassword !== undefined ? { relayPassword: m.relayPassword } : {}),
  };
}

/** Placeholder hashes for every account: the structure of the plan never depends on them. */
function placeholderMaterial(spec: MailServerSpec): PlanMaterial {
  return {
    passwordHashes: new Map(
      spec.accounts.map((a) => [a.address, PLACEHOLDERS.passwordHash] as const),
    ),
    dkimKeys: new Map(),
    ...(spec.relay?.password !== undefined ? { relayPassword: PLACEHOLDERS.relayPassword } : {}),
  };
}

/**
 * Uploads for the writer: each file under the staging directory (secret files mode 0600), plus
 * the manifest listing them.
 */
export function writerUploads(
  files: readonly DmsFile[],
): { file: string; content: string; permissions: string }[] {
  const sorted = [...files].sort((a, b) => cmp(a.path, b.path));
  return [
    ...sorted.map((f) => ({
      file: `${STAGING_DIR}/${f.path}`,
      content: f.content,
      permissions: f.secret ? "0600" : "0644",
    })),
    {
      file: `${STAGING_DIR}/${MANIFEST}`,
      content: sorted.map((f) => `${f.path}\n`).join(""),
      permissions: "0644",
    },
  ];
}

/**
 * The DNS records of every domain, published through each zone's adapter, after the adapters'
 * audit; and the builder of the `records` output.
 */
function publishDns(
  parent: MailServer,
  what: string,
  name: string,
  args: MailServerArgs,
  plan: Plan,
  publicPlan: pulumi.Output<Plan> | undefined,
  dkim: DkimMaterial,
) {
  const targets = zoneTargets(args.domains);
  const publicIndex = publicPlan?.apply((p) =>
    Object.fromEntries(p.records.map((r) => [recordKey(r), r] as const)),
  );
  const bindings = bindRecords(plan.records, publicIndex, dkim.sources, targets);
  const audit = auditRecords(bindings, targets);
  if (audit.some((f) => f.level === "error")) {
    throw new pulumi.ResourceError(describeErrors(what, audit), parent);
  }
  const resources = publishRecords(name, bindings, targets, parent);
  const records = once(() =>
    resolvedRecords(
      plan.records,
      publicIndex,
      // The public values of all domains, out of the one combined Output the config files read
      // too; not secret (built only when `records` is read).
      dkim.sources.size === 0
        ? undefined
        : pulumi.unsecret(
            dkim.withPrivate.apply((keys) => {
              const out: Record<string, string> = {};
              for (const [d, k] of Object.entries(keys)) out[d] = k.publicKeyBase64;
              return out;
            }),
          ),
    ),
  );
  return { resources, audit, records };
}

/** The pinned image and the named volumes (kept on delete unless the plan says otherwise). */
function storage(parent: MailServer, what: string, name: string, args: MailServerArgs, plan: Plan) {
  const image = new docker.RemoteImage(
    `${name}-image`,
    { name: plan.container.image, keepLocally: true },
    { parent },
  );
  const volumes: Record<string, docker.Volume> = {};
  for (const v of plan.container.volumes) {
    volumes[v.name] = new docker.Volume(
      `${name}-${v.name}`,
      { labels: [{ label: "dms.volume", value: v.name }] },
      { parent, retainOnDelete: v.retain, protect: args.protectData ?? false },
    );
  }
  if (volumes["config"] === undefined)
    throw new pulumi.ResourceError(`${what}: the plan has no config volume`, parent);
  return { image, volumes };
}

/** The one-shot writer of the config files into the config volume (see the file comment). */
function configWriterContainer(
  parent: MailServer,
  name: string,
  image: docker.RemoteImage,
  volumes: Readonly<Record<string, docker.Volume>>,
  uploads: pulumi.Output<ReturnType<typeof writerUploads>>,
): docker.Container {
  return new docker.Container(
    `${name}-config-writer`,
    {
      image: image.imageId,
      entrypoints: ["/bin/sh", "-c"],
      command: [WRITER_SCRIPT],
      volumes: [{ volumeName: volumes["config"]!.name, containerPath: CONFIG_DIR }],
      uploads,
      // Runs once: attach waits for it to exit, and it is never restarted.
      attach: true,
      logs: false,
      mustRun: false,
      restart: "no",
      labels: [{ label: "dms.role", value: "config-writer" }],
    },
    { parent },
  );
}

/**
 * The mail container, replaced (old one deleted first) when its env, image or recreate-hash
 * label changes, and started only after the writer has written the files.
 */
function mailContainer(
  parent: MailServer,
  name: string,
  args: MailServerArgs,
  plan: Plan,
  publicPlan: pulumi.Output<Plan> | undefined,
  image: docker.RemoteImage,
  volumes: Readonly<Record<string, docker.Volume>>,
  writer: docker.Container,
  recreateHash: pulumi.Output<string>,
): docker.Container {
  const c = plan.container;
  const memory = dockerMemoryMb(c.memoryBytes);
  return new docker.Container(
    `${name}-container`,
    {
      image: image.imageId,
      ...(args.containerName !== undefined ? { name: args.containerName } : {}),
      hostname: c.hostname,
      envs:
        publicPlan === undefined
          ? dockerEnvs(c.env)
          : publicPlan.apply((p) => dockerEnvs(p.container.env)),
      ports: dockerPorts(plan.ports),
      volumes: [
        ...c.volumes.map((v) => ({
          volumeName: volumes[v.name]!.name,
          containerPath: v.containerPath,
        })),
        ...c.bindMounts.map((b) => ({
          hostPath: b.hostPath,
          containerPath: b.containerPath,
          readOnly: b.readOnly,
        })),
      ],
      ...(c.capAdd.length > 0 ? { capabilities: { adds: [...c.capAdd] } } : {}),
      ...(memory !== undefined ? { memory } : {}),
      ...(c.dns !== undefined ? { dns: [...c.dns] } : {}),
      restart: c.restart,
      destroyGraceSeconds: c.stopGracePeriodSeconds,
      healthcheck: dockerHealthcheck(c.healthcheck),
      labels: [
        { label: "dms.recreate-hash", value: recreateHash },
        { label: "dms.role", value: "mailserver" },
      ],
    },
    {
      parent,
      dependsOn: [writer],
      deleteBeforeReplace: true,
      replaceOnChanges: ["envs", "labels", "image"],
    },
  );
}

/** Outbound port 25, probed from the mail host itself, unless `port25Check.mode` is `off`. */
function port25(
  parent: MailServer,
  name: string,
  args: MailServerArgs,
  spec: MailServerSpec,
  image: docker.RemoteImage,
  container: docker.Container,
): Port25Check | undefined {
  const mode = args.port25Check?.mode ?? "off";
  if (mode === "off") return undefined;
  return new Port25Check(
    `${name}-port25`,
    {
      image: image.imageId,
      mode,
      trigger: container.id,
      ...(spec.cloud !== undefined ? { cloud: spec.cloud } : {}),
    },
    { parent },
  );
}

/** Security group ingress rules (with `awsSecurityGroupId`) and the PTR (`ptr`). */
function portsAndPtr(
  parent: MailServer,
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

/**
 * Dovecot hashes by address, as one secret Output. Plain `passwordHash` values are used as they
 * are; plain-text passwords are hashed with SHA512-CRYPT and a salt derived from a per-stack
 * secret key kept in state (`deriveSalt`), so the same password gives the same hash on every
 * `up` and preview, and only the writer's content changes when a password does.
 */
function passwordHashes(
  parent: MailServer,
  name: string,
  args: MailServerArgs,
): pulumi.Output<Record<string, string>> {
  const accounts = args.accounts ?? [];
  const toHash = accounts.filter((a) => a.password !== undefined && a.passwordHash === undefined);
  const saltKey =
    toHash.length === 0
      ? undefined
      : new random.RandomPassword(`${name}-salt-key`, { length: 32, special: false }, { parent });
  const given = accounts.filter((a) => a.passwordHash !== undefined);
  const givenHashes = given.map((a) => a.passwordHash!);
  const byAddress = (h: readonly string[], g: readonly string[]) => {
    // A plain object, not a Map: Outputs rebuild nested values as plain objects.
    const out: Record<string, string> = {};
    toHash.forEach((a, i) => (out[a.address] = h[i]!));
    given.forEach((a, i) => (out[a.address] = g[i]!));
    return out;
  };
  // Only hashes already given as plain strings: one secret Output, nothing to wait for.
  if (saltKey === undefined && givenHashes.every(isPlain)) {
    return pulumi.secret(byAddress([], givenHashes));
  }
  const hashed =
    saltKey === undefined
      ? []
      : pulumi
          .all([saltKey.result, pulumi.all(toHash.map((a) => a.password!))])
          .apply(([key, passwords]) =>
            hashPasswords(
              toHash.map((a, i) => ({
                address: a.address,
                password: passwords[i]!,
                salt: deriveSalt(key, a.address, passwords[i]!),
              })),
            ),
          );
  return pulumi.secret(
    pulumi.all([hashed, pulumi.all(givenHashes)]).apply(([h, g]) => byAddress(h, g)),
  );
}

/**
 * DKIM keys per domain: generated (`tls.PrivateKey`, RSA of the domain's `keySize`, kept in
 * state, never regenerated by a later `up`) unless the spec adopts one.
 *
 * Returns the source of each domain's public value (a DKIM record waits on its own key only)
 * and `withPrivate` (all keys, secret, for the config files and the `records` output), built
 * once for all domains: an Output per domain and consumer was the bulk of this component's
 * registration cost.
 */
function dkimMaterial(
  parent: MailServer,
  name: string,
  args: MailServerArgs,
  spec: MailServerSpec,
): DkimMaterial {
  const generated: Record<string, tls.PrivateKey> = {};
  const sources = new Map<string, DkimPublicSource>();
  const domains: string[] = [];
  const pems: pulumi.Input<string>[] = [];
  const adopted = new Map(args.domains.map((d) => [d.name, d.dkim?.privateKey] as const));
  for (const d of [...spec.domains].sort((a, b) => cmp(a.name, b.name))) {
    if (!d.dkim.enabled) continue;
    const own = adopted.get(d.name);
    if (own !== undefined) {
      sources.set(d.name, adoptedKeySource(own));
      pems.push(own);
    } else {
      const key = new tls.PrivateKey(
        `${name}-dkim-${slug(d.name)}-${d.dkim.selector}`,
        { algorithm: "RSA", rsaBits: d.dkim.keySize },
        { parent },
      );
      generated[d.name] = key;
      sources.set(d.name, generatedKeySource(key));
      pems.push(key.privateKeyPem);
    }
    domains.push(d.name);
  }
  const froms = domains.map((d) => sources.get(d)!.from);
  // Secret as a whole whatever the inputs were (an adopted key may be a plain string).
  const withPrivate: pulumi.Output<Record<string, DkimKeyMaterial>> = pulumi.secret(
    // One flat pulumi.all: nesting one per list would build six more Outputs.
    pulumi.all([...pems, ...froms]).apply((values) => {
      const out: Record<string, DkimKeyMaterial> = {};
      domains.forEach((d, i) => {
        out[d] = {
          privateKeyPem: values[i]!,
          publicKeyBase64: sources.get(d)!.toBase64(values[domains.length + i]!),
        };
      });
      return out;
    }),
  );
  return { generated, sources, withPrivate };
}
