/**
 * `KubernetesMailServer` (`dms:index:KubernetesMailServer`): the same spec as `MailServer`, with
 * `platform.kind: kubernetes`, deployed to a cluster through `@pulumi/kubernetes`, an optional
 * peer dependency loaded on first use. The objects come from the pure translation
 * (`../providers/host/kubernetes`) of the same plan: this file only wires them to resources,
 * with the secrets as Pulumi secrets. DNS, PTR and the DKIM keys are the `MailServer` steps.
 *
 * Children (names are public API, STYLE.md convention 4):
 * - `${name}-salt-key`, `${name}-dkim-${domain}-${selector}`: as in `MailServer`;
 * - `${name}-config`, `${name}-config-startup` (ConfigMaps), `${name}-secrets` (Secret);
 * - `${name}-mail-data`, `${name}-mail-state`, `${name}-mail-logs` (PersistentVolumeClaims, kept
 *   on delete unless `retainData: false`);
 * - `${name}-tls` (cert-manager Certificate, with `platform.certManager`);
 * - `${name}-dkim-rotation-guard` (batch/v1 Job): with DKIM, fails the update on a one-step
 *   selector switch, before the ConfigMaps, the Secret and the StatefulSet change;
 * - `${name}-statefulset`, `${name}-service`, `${name}-internal` (private services only),
 *   `${name}-network-policy`;
 * - DNS records via the zone's adapter, and the PTR.
 *
 * Live changes. An account, alias, quota or relay change changes only the data of
 * `${name}-config` / `${name}-secrets`; the kubelet swaps the mounted files and DMS reloads them
 * without a restart. Every other change (env, startup-only files, rspamd files) changes the
 * pod template's hash annotation, so the StatefulSet rolls the pod (docs/kubernetes.md).
 */
import * as pulumi from "@pulumi/pulumi";
import { warnOverdueRetiring } from "./dkim-rotation";
import type * as k8s from "@pulumi/kubernetes";
import type * as tls from "@pulumi/tls";
import { planMailServer } from "../plan/plan";
import type { Plan } from "../plan/types";
import type { DnsRecord, PtrExpectation } from "../records/types";
import type { PortRule } from "../dms/types";
import { cmp, type Finding } from "../spec/findings";
import {
  kubernetesObjects,
  objectNames,
  type KubernetesObject,
} from "../providers/host/kubernetes";
import { loadKubernetes } from "../providers/optional-peer";
import { rotationGuardJob } from "../providers/host/kubernetes/rotation-guard";
import type { MailServerArgs } from "./args";
import { resolveReferences } from "./references";
import { structuralInput, validateOrThrow } from "./resolve";
import type { ClientSettings } from "./client-settings";
import { dkimMaterial, passwordHashes, stackKey } from "./mail-server/secrets";
import { hostOutputs, secretMaterial } from "./mail-server/shared-steps";
import { publishDns } from "./mail-server/publish-dns";
import { placeholderMaterial, replanner, toRecord } from "./mail-server/replan";

/** The Pulumi type token of {@link KubernetesMailServer}. */
export const KUBERNETES_MAIL_SERVER_TYPE = "dms:index:KubernetesMailServer";

/** A Kubernetes object name: a DNS-1123 label. */
const OBJECT_NAME = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Arguments of {@link KubernetesMailServer}: the spec with `platform.kind: kubernetes`, the PTR,
 * and the Kubernetes object names. Docker-host arguments of `MailServer` (`containerName`,
 * `awsSecurityGroupId`, `port25Check`, `hostCheck`) do not apply.
 */
export type KubernetesMailServerArgs = Omit<
  MailServerArgs,
  "containerName" | "awsSecurityGroupId" | "port25Check" | "hostCheck"
> & {
  /**
   * Base of every Kubernetes object's name (`<objectName>`, `<objectName>-config`, ...): a
   * DNS-1123 label. `dmsctl plan --format kubernetes --name` uses the same base.
   * @default the component's name
   */
  readonly objectName?: string;
};

/**
 * docker-mailserver on Kubernetes: a one-replica StatefulSet with its volume claims, config,
 * Service, NetworkPolicy and certificate, and the DNS of every mail domain. The namespace must
 * exist; pass a `kubernetes.Provider` in `opts.providers` for a cluster other than the default.
 *
 * @example
 * ```ts
 * const mail = new KubernetesMailServer("mail", {
 *   hostname: "mail.example.com",
 *   domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: zone.id } }],
 *   accounts: [{ address: "alice@example.com", password: config.requireSecret("alicePassword") }],
 *   platform: { kind: "kubernetes", namespace: "mail", certManager: { issuer: "letsencrypt" } },
 * });
 * ```
 */
export class KubernetesMailServer extends pulumi.ComponentResource {
  /** Every DNS record with its final value, sorted by zone, name, type. No secrets. */
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
  /** Reachability of each service (the port table). */
  public readonly ports: pulumi.Output<PortRule[]>;
  /** The PTR each address should have. */
  public readonly ptr: pulumi.Output<PtrExpectation[]>;
  /** Validation, plan and provider-audit warnings (warn/info), sorted. */
  public readonly warnings: pulumi.Output<Finding[]>;
  /** The hash that rolls the pod when env, startup-only or rspamd files change. */
  public readonly rolloutHash: pulumi.Output<string>;
  /** The public address of the Service (the load balancer's IP), or the spec's `ipv4`. */
  public readonly address: pulumi.Output<string | undefined>;
  /** The Kubernetes resources by object name. */
  public readonly objects: Readonly<Record<string, pulumi.CustomResource>>;
  /** Generated DKIM keys by domain (adopted keys are not listed). */
  public readonly dkimKeys: Readonly<Record<string, tls.PrivateKey>>;
  /** The DNS and PTR resources. */
  public readonly networkResources: readonly pulumi.Resource[];
  /** Builders of the outputs computed on first read, as in `MailServer`. */
  private readonly onRead: {
    readonly records: () => pulumi.Output<DnsRecord[]>;
    readonly zoneFiles: () => pulumi.Output<Record<string, string>>;
    readonly clientSettings: () => pulumi.Output<ClientSettings[]>;
  };

  constructor(
    name: string,
    given: KubernetesMailServerArgs,
    opts: pulumi.ComponentResourceOptions = {},
  ) {
    // The args are deliberately not passed to super: they hold plain-text passwords.
    super(KUBERNETES_MAIL_SERVER_TYPE, name, {}, opts);
    const what = `KubernetesMailServer ${JSON.stringify(name)}`;
    const objectName = given.objectName ?? name;
    if (!OBJECT_NAME.test(objectName)) {
      throw new pulumi.ResourceError(
        `${what}: objectName: must be a Kubernetes name (lowercase letters, digits and '-', at most 63), got ${JSON.stringify(objectName)}`,
        this,
      );
    }

    // 1. Structure: validate and plan once with placeholders, as MailServer does.
    const references = resolveReferences(given as MailServerArgs);
    const first = structuralInput(references.args);
    const checked = validateOrThrow(what, first.input, this, references.findings);
    warnOverdueRetiring(what, checked.spec, this);
    if (checked.spec.platform.kind !== "kubernetes") {
      throw new pulumi.ResourceError(
        `${what}: platform.kind: must be "kubernetes" for a KubernetesMailServer (use MailServer for Docker), got ${JSON.stringify(checked.spec.platform.kind)}`,
        this,
      );
    }
    const kube = loadKubernetes();
    const parent = this;
    const structural = kubernetesObjects(
      planMailServer(checked.spec, placeholderMaterial(checked.spec)),
      checked.spec,
      { name: objectName },
    );
    const names = objectNames(objectName);

    // 2. The Service first: without a spec `ipv4`, its load-balancer address is the host's A
    // record, SPF and PTR address. Ports and annotations are structural (no secret, no hole).
    const service = structural.find(
      (o) => o.kind === "Service" && o.metadata.name === names.service,
    );
    const serviceResource =
      service === undefined
        ? undefined
        : new kube.core.v1.Service(`${name}-service`, plainArgs(service), { parent });
    const lbAddress =
      serviceResource !== undefined && checked.spec.platform.service?.type !== "NodePort"
        ? serviceResource.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.ip)
        : undefined;
    const useLb =
      given.ipv4 === undefined &&
      lbAddress !== undefined &&
      (checked.spec.platform.service?.type ?? "LoadBalancer") === "LoadBalancer";
    const args: MailServerArgs = useLb
      ? {
          ...references.args,
          ipv4: lbAddress!.apply((ip) => {
            if (ip === undefined) {
              throw new Error(
                `${what}: the Service ${names.service} has no load-balancer IP (only a hostname, or none yet); set ipv4 to the mail host's public address`,
              );
            }
            return ip;
          }),
        }
      : (references.args as MailServerArgs);
    this.address = useLb ? lbAddress! : pulumi.output(args.ipv4);
    const { input, holes } = useLb ? structuralInput(args) : first;
    const { spec, findings: validation } = useLb
      ? validateOrThrow(what, input, this, references.findings)
      : checked;
    const material = placeholderMaterial(spec);
    const plan = planMailServer(spec, material);
    const replan = replanner(what, input, spec);
    const ipHoles = holes.filter((h) => h.kind === "ipv4" || h.kind === "ipv6");
    const publicPlan: pulumi.Output<Plan> | undefined =
      ipHoles.length === 0 ? undefined : replan(ipHoles, toRecord(material), planMailServer);

    // 3. Secrets: password hashes and DKIM keys, as in MailServer.
    const hashes = passwordHashes(stackKey(this, name), args);
    const dkim = dkimMaterial(this, what, name, args, spec);
    this.dkimKeys = dkim.generated;

    // 4. DNS.
    const dns = publishDns(this, what, name, args, plan, publicPlan, dkim);

    // 5. The objects with the real material: one secret Output; only the Secret's data stays
    // secret, everything else is unsecreted (it holds no secret: the hash annotation is a hash).
    // Publish before sign: the objects carry the signing config, so they wait for the signing
    // selectors' records (`dns.gate`, and `dependsOn` below).
    const materialWithSecrets = secretMaterial(
      hashes,
      dkim,
      args.relay?.password,
      material,
      dns.gate,
    );
    // The rotation guard: a Job that fails on a one-step selector switch, read from the live
    // ConfigMap; everything that carries the signing config waits for it
    // (../providers/host/kubernetes/rotation-guard.ts). Replaced whenever its script (the
    // selectors it judges) changes; a Job's template cannot be updated in place, and its name is
    // fixed, hence delete before replace.
    const guardObject = rotationGuardJob(what, plan, spec, objectName);
    const guard =
      guardObject === undefined
        ? undefined
        : new kube.batch.v1.Job(`${name}-dkim-rotation-guard`, plainArgs(guardObject), {
            parent,
            replaceOnChanges: ["*"],
            deleteBeforeReplace: true,
          });
    const signingAfter = [...dns.signingRecords, ...(guard !== undefined ? [guard] : [])];
    const afterRecords = signingAfter.length > 0 ? signingAfter : undefined;
    // Only the secret holes: the objects do not depend on the IPs (the env holds none).
    const secretHoles = holes.filter((h) => h.kind !== "ipv4" && h.kind !== "ipv6");
    const real = replan(secretHoles, materialWithSecrets, (s, m) =>
      kubernetesObjects(planMailServer(s, m), s, { name: objectName }),
    );
    const pick = (kind: string, objName: string) =>
      real.apply((os) => {
        const o = os.find((x) => x.kind === kind && x.metadata.name === objName);
        if (o === undefined) throw new Error(`${what}: no ${kind} ${objName} in the plan`);
        return o;
      });
    const opened = (kind: string, objName: string) => pulumi.unsecret(pick(kind, objName));

    const objects: Record<string, pulumi.CustomResource> = {};
    for (const cm of [names.config, names.configStartup]) {
      const o = opened("ConfigMap", cm);
      objects[cm] = new kube.core.v1.ConfigMap(
        `${name}-${cm === names.config ? "config" : "config-startup"}`,
        {
          metadata: o.apply((x) => x.metadata),
          data: o.apply((x) => x["data"] as Record<string, string>),
        },
        { parent, ...(afterRecords !== undefined ? { dependsOn: afterRecords } : {}) },
      );
    }
    const secretObject = pick("Secret", names.secrets);
    const secret = new kube.core.v1.Secret(
      `${name}-secrets`,
      {
        metadata: pulumi.unsecret(secretObject.apply((x) => x.metadata)),
        type: "Opaque",
        stringData: pulumi.secret(
          secretObject.apply((x) => x["stringData"] as Record<string, string>),
        ),
      },
      {
        parent,
        additionalSecretOutputs: ["data", "stringData"],
        ...(afterRecords !== undefined ? { dependsOn: afterRecords } : {}),
      },
    );
    objects[names.secrets] = secret;

    const claims: pulumi.CustomResource[] = [];
    for (const o of structural.filter((x) => x.kind === "PersistentVolumeClaim")) {
      const volume = plan.container.volumes.find((v) => names.claim(v.name) === o.metadata.name);
      const claim = new kube.core.v1.PersistentVolumeClaim(
        `${name}-${volume?.name ?? o.metadata.name}`,
        plainArgs(o),
        {
          parent,
          retainOnDelete: volume?.retain ?? true,
          protect: given.protectData ?? false,
        },
      );
      objects[o.metadata.name] = claim;
      claims.push(claim);
    }
    const certificate = structural.find((x) => x.kind === "Certificate");
    if (certificate !== undefined) {
      objects[certificate.metadata.name] = new kube.apiextensions.CustomResource(
        `${name}-tls`,
        plainArgs(certificate) as unknown as k8s.apiextensions.CustomResourceArgs,
        { parent },
      );
    }
    const sts = opened("StatefulSet", names.statefulSet);
    const statefulSet = new kube.apps.v1.StatefulSet(
      `${name}-statefulset`,
      {
        metadata: sts.apply((x) => x.metadata),
        spec: sts.apply((x) => x["spec"] as k8s.types.input.apps.v1.StatefulSetSpec),
      },
      // Not on the ConfigMaps and the Secret: @pulumi/kubernetes replaces them (delete, then
      // create under the same name) when their data changes, unless the provider sets
      // enableConfigMapMutable / enableSecretMutable, and a dependsOn could draw the StatefulSet
      // into that replacement. The pod names them, and the kubelet waits for them. After the
      // signing records (publish before sign) and the rotation guard.
      { parent, dependsOn: [...claims, ...(afterRecords ?? [])] },
    );
    objects[names.statefulSet] = statefulSet;
    if (serviceResource !== undefined) objects[names.service] = serviceResource;
    const internal = structural.find(
      (o) => o.kind === "Service" && o.metadata.name === names.internalService,
    );
    if (internal !== undefined) {
      objects[names.internalService] = new kube.core.v1.Service(
        `${name}-internal`,
        plainArgs(internal),
        { parent },
      );
    }
    const policy = structural.find((o) => o.kind === "NetworkPolicy")!;
    objects[names.networkPolicy] = new kube.networking.v1.NetworkPolicy(
      `${name}-network-policy`,
      plainArgs(policy),
      { parent },
    );
    if (guardObject !== undefined && guard !== undefined)
      objects[guardObject.metadata.name] = guard;
    this.objects = objects;
    this.rolloutHash = sts.apply(
      (x) =>
        (x["spec"] as { template: { metadata: { annotations: Record<string, string> } } }).template
          .metadata.annotations["dms.docker-mailserver.io/rollout-hash"]!,
    );

    // 6. PTR and port rules (no security group on Kubernetes: the NetworkPolicy is the port
    // rule); 7. outputs, all free of secrets.
    const host = hostOutputs(this, what, name, args, spec, plan, publicPlan, dns, validation);
    this.networkResources = host.networkResources;
    this.ports = host.ports;
    this.ptr = host.ptr;
    this.warnings = host.warnings;
    this.onRead = host.onRead;
    this.registerOutputs({ rolloutHash: this.rolloutHash, warnings: this.warnings });
  }
}

/** A structural object as resource args: everything but apiVersion and kind, keys sorted. */
function plainArgs(o: KubernetesObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(o).sort(cmp)) {
    if (key === "apiVersion" || key === "kind") continue;
    out[key] = o[key];
  }
  // A CustomResource needs both.
  if (o.kind === "Certificate") return { apiVersion: o.apiVersion, kind: o.kind, ...out };
  return out;
}
