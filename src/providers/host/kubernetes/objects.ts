/**
 * The plan as Kubernetes objects: plain JSON, the same for the `KubernetesMailServer` component
 * and `dmsctl plan --format kubernetes`. Pure: no `@pulumi` import, no I/O; the same plan gives
 * byte-identical objects. Nothing here renders a DMS file, an env entry, a port or a probe: it
 * places the plan's files, env, container and ports into objects (docs/kubernetes.md).
 *
 * How the config volume is laid out, and why. The kubelet writes a ConfigMap or Secret volume as
 * a timestamped directory, a `..data` symlink to it and, per top-level entry, a symlink through
 * `..data`; an update writes a new directory and swaps `..data` atomically. DMS's change detector
 * (`check-for-changes.sh`, helpers/change-detection.sh in docker-mailserver 15.1.0) hashes the
 * watched top-level files with `sha512sum`, which follows the symlinks, so accounts, aliases,
 * quotas and relay maps mounted straight at `/tmp/docker-mailserver` reload without a restart. It
 * lists `rspamd/` with `find /tmp/docker-mailserver/rspamd -type f`, and `find` does not enter a
 * starting point that is a symlink, which `rspamd` is in this layout: changes under `rspamd/`
 * (and the startup-only files, `opendkim/`) therefore roll the pod through the pod template's
 * hash annotation instead. The test `test/providers/kubernetes-projected.test.ts` runs the real
 * image in this layout.
 *
 * The volume is read-only, as the kubelet mounts it. DMS's attempts to write there (a lock file
 * during a reload, `chown` of `rspamd/dkim`, `chmod +x` of the directory) fail with a logged
 * error and nothing else; the files it would create at startup (`dovecot-quotas.cf`) are always
 * in the plan. Because the `chown` of the rspamd DKIM keys to `_rspamd` cannot happen, those
 * keys are mounted mode 0444 so rspamd, which runs as `_rspamd`, can read them; every other
 * secret file is 0600 (root reads it).
 */
import type { Plan } from "../../../plan/types";
import type { DmsFile, PortRule } from "../../../dms/types";
import type { MailServerSpec } from "../../../spec/schema";
import { cmp } from "../../../spec/findings";
import { CONFIG_DIR } from "../../../dms/files";
import { linkedDelivery, linkedRestartHash } from "../../../dms/link-layout";
import { PROXY_PORTS } from "../../../dms/proxy-protocol";
import { kubernetesSettings, type KubernetesSettings } from "./settings";
import { pushTo } from "../../../spec/order";

/** A Kubernetes object as plain JSON. */
export interface KubernetesObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [field: string]: unknown;
}

/** How a file reaches the pod on Kubernetes (see the file comment). */
export type KubernetesDelivery = "live" | "rollout";

/** Where DMS reads the certificate with `SSL_TYPE=letsencrypt`, for the hostname. */
export function letsencryptLiveDir(hostname: string): string {
  return `/etc/letsencrypt/live/${hostname}`;
}

/**
 * `live` for the top-level files DMS watches; `rollout` for startup-only files and everything in
 * a subdirectory, which the change detector cannot see through the kubelet's symlinks
 * (dms/link-layout.ts).
 */
export function kubernetesDelivery(file: DmsFile): KubernetesDelivery {
  return linkedDelivery(file) === "live" ? "live" : "rollout";
}

/**
 * The ConfigMap/Secret key of a file: its path with `/` written `__` (keys may hold only
 * letters, digits, `-`, `_` and `.`). Paths come from the plan, which never writes `__`.
 */
export function configKey(path: string): string {
  if (path.includes("__") || !/^[-._a-zA-Z0-9/]+$/.test(path)) {
    throw new Error(`config file path ${JSON.stringify(path)} cannot be a ConfigMap key`);
  }
  return path.replace(/\//g, "__");
}

/** The names of the objects of a server named `name`. Public API: renaming one replaces it. */
export function objectNames(name: string) {
  return {
    statefulSet: name,
    service: name,
    internalService: `${name}-internal`,
    networkPolicy: name,
    /** Live top-level files: every key projected, so adding one does not touch the pod. */
    config: `${name}-config`,
    /** Startup-only and nested files, projected item by item. */
    configStartup: `${name}-config-startup`,
    secrets: `${name}-secrets`,
    certificate: `${name}-tls`,
    tlsSecret: `${name}-tls`,
    claim: (volume: string) => `${name}-${volume}`,
  };
}

/** The data of the three config objects: keys from {@link configKey}, sorted. */
export interface KubernetesConfigData {
  readonly config: Readonly<Record<string, string>>;
  readonly configStartup: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, string>>;
}

/** Splits the plan's files into the ConfigMaps and the Secret. */
export function kubernetesConfigData(files: readonly DmsFile[]): KubernetesConfigData {
  const config: Record<string, string> = {};
  const configStartup: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  for (const f of [...files].sort((a, b) => cmp(a.path, b.path))) {
    const key = configKey(f.path);
    if (f.secret) secrets[key] = f.content;
    else if (kubernetesDelivery(f) === "live") config[key] = f.content;
    else configStartup[key] = f.content;
  }
  return { config, configStartup, secrets };
}

/** The mode of a file in the config volume (see the file comment on rspamd keys). */
function fileMode(f: DmsFile): number {
  if (f.secret && f.path.startsWith("rspamd/")) return 0o444;
  return f.mode ?? (f.secret ? 0o600 : 0o644);
}

/**
 * sha256 (hex) of everything that must roll the pod: the plan's `recreateHash` (env and
 * startup-only files) and every file delivered by `rollout`. Live files are left out, so an
 * account change never touches the pod template.
 *
 * The hash is an annotation anyone who can read the StatefulSet sees, so, as in `recreateHash`, a
 * secret file counts by path and mode only, never by content. A new DKIM key (the rspamd keys are
 * rollout files) still rolls the pod: its public companions (`.public.txt`, `.public.dns.txt`)
 * are rollout files too, and their content is hashed.
 */
export function rolloutHash(plan: Plan): string {
  return linkedRestartHash(plan.container.recreateHash, plan.files, fileMode);
}

/** Labels of every object; the selector uses the first two. */
function labels(name: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": "docker-mailserver",
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/managed-by": "pulumi-docker-mailserver",
  };
}

function selector(name: string): Record<string, string> {
  return { "app.kubernetes.io/name": "docker-mailserver", "app.kubernetes.io/instance": name };
}

/**
 * Annotations that keep a retained claim when the objects are applied by Argo CD or Flux with
 * pruning, as `retainOnDelete` keeps it for Pulumi.
 */
const RETAIN_ANNOTATIONS: Readonly<Record<string, string>> = {
  "argocd.argoproj.io/sync-options": "Delete=false",
  "helm.sh/resource-policy": "keep",
  "kustomize.toolkit.fluxcd.io/prune": "disabled",
};

/** Options of {@link kubernetesObjects}. */
export interface KubernetesObjectOptions {
  /** Base of every object name, a DNS-1123 label. */
  readonly name: string;
}

/** The exposed ports of one kind, sorted by port. */
function portsOf(plan: Plan, expose: PortRule["expose"]): PortRule[] {
  return plan.ports.filter((p) => p.expose === expose);
}

/**
 * Every object of the server, in apply order: ConfigMaps, Secret, claims, Certificate,
 * StatefulSet, Services, NetworkPolicy. The Secret holds the plan's secret files in `stringData`,
 * so the caller decides how to protect it (the component wraps it as a Pulumi secret; the CLI
 * prints it only when asked).
 */
export function kubernetesObjects(
  plan: Plan,
  spec: MailServerSpec,
  options: KubernetesObjectOptions,
): KubernetesObject[] {
  const settings = kubernetesSettings(spec);
  const names = objectNames(options.name);
  const meta = (name: string, extra: Record<string, unknown> = {}) => ({
    name,
    namespace: settings.namespace,
    labels: labels(options.name),
    ...extra,
  });
  const data = kubernetesConfigData(plan.files);
  const out: KubernetesObject[] = [
    { apiVersion: "v1", kind: "ConfigMap", metadata: meta(names.config), data: data.config },
    {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: meta(names.configStartup),
      data: data.configStartup,
    },
    {
      apiVersion: "v1",
      kind: "Secret",
      metadata: meta(names.secrets),
      type: "Opaque",
      stringData: data.secrets,
    },
    ...claims(plan, settings, options.name),
  ];
  if (settings.tls.kind === "cert-manager") {
    out.push({
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: meta(names.certificate),
      spec: {
        secretName: names.tlsSecret,
        dnsNames: [plan.container.hostname],
        issuerRef: {
          group: "cert-manager.io",
          kind: settings.tls.issuerKind,
          name: settings.tls.issuer,
        },
      },
    });
  }
  out.push(statefulSet(plan, settings, options.name));
  out.push(...services(plan, settings, options.name));
  out.push(networkPolicy(plan, settings, options.name));
  return out;
}

/** The claims of the plan's data volumes (the config volume is the projected one). */
function claims(plan: Plan, settings: KubernetesSettings, name: string): KubernetesObject[] {
  const sizes: Record<string, string> = {
    "mail-data": settings.storage.mailData,
    "mail-state": settings.storage.mailState,
    "mail-logs": settings.storage.mailLogs,
  };
  return plan.container.volumes
    .filter((v) => v.name !== "config")
    .map((v) => {
      const size = sizes[v.name];
      if (size === undefined) throw new Error(`no claim size for volume ${JSON.stringify(v.name)}`);
      return {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: {
          name: objectNames(name).claim(v.name),
          namespace: settings.namespace,
          labels: labels(name),
          ...(v.retain ? { annotations: { ...RETAIN_ANNOTATIONS } } : {}),
        },
        spec: {
          // One replica, one node: DMS is not multi-writer.
          accessModes: ["ReadWriteOnce"],
          ...(settings.storageClass !== undefined
            ? { storageClassName: settings.storageClass }
            : {}),
          resources: { requests: { storage: size } },
        },
      };
    });
}

/** The projected config volume: live ConfigMap whole, startup ConfigMap and Secret by item. */
function configVolume(plan: Plan, name: string) {
  const names = objectNames(name);
  const startup = plan.files.filter((f) => !f.secret && kubernetesDelivery(f) === "rollout");
  const secret = plan.files.filter((f) => f.secret);
  const items = (fs: readonly DmsFile[]) =>
    [...fs]
      .sort((a, b) => cmp(a.path, b.path))
      .map((f) => ({ key: configKey(f.path), path: f.path, mode: fileMode(f) }));
  return {
    name: "config",
    projected: {
      defaultMode: 0o644,
      sources: [
        { configMap: { name: names.config } },
        ...(startup.length > 0
          ? [{ configMap: { name: names.configStartup, items: items(startup) } }]
          : []),
        ...(secret.length > 0 ? [{ secret: { name: names.secrets, items: items(secret) } }] : []),
      ],
    },
  };
}

/** Probes from the plan's healthcheck (Docker `CMD-SHELL` semantics). */
function probes(plan: Plan) {
  const hc = plan.container.healthcheck;
  if (hc.test[0] !== "CMD-SHELL" || hc.test.length !== 2) {
    throw new Error(`healthcheck ${JSON.stringify(hc.test)} is not a CMD-SHELL command`);
  }
  const exec = { command: ["/bin/sh", "-c", hc.test[1]!] };
  const base = {
    exec,
    periodSeconds: hc.intervalSeconds,
    timeoutSeconds: hc.timeoutSeconds,
  };
  return {
    // Docker ignores failures during the start period, then allows `retries`: the startup probe
    // gives the same time before the liveness probe takes over.
    startupProbe: {
      ...base,
      failureThreshold: Math.ceil(hc.startPeriodSeconds / hc.intervalSeconds) + hc.retries,
    },
    livenessProbe: { ...base, failureThreshold: hc.retries },
    readinessProbe: { ...base, failureThreshold: 1 },
  };
}

function statefulSet(plan: Plan, settings: KubernetesSettings, name: string): KubernetesObject {
  const c = plan.container;
  const names = objectNames(name);
  const exposed = plan.ports.filter((p) => p.expose !== "off");
  const dataVolumes = c.volumes.filter((v) => v.name !== "config");
  const tlsVolume =
    settings.tls.kind === "none"
      ? []
      : [
          {
            name: "tls",
            secret: {
              secretName:
                settings.tls.kind === "secret" ? settings.tls.secretName : names.tlsSecret,
              // The names DMS reads with SSL_TYPE=letsencrypt, /etc/letsencrypt/live/<hostname>/:
              // https://docker-mailserver.github.io/docker-mailserver/latest/config/security/ssl/
              items: [
                { key: "tls.crt", path: "fullchain.pem" },
                { key: "tls.key", path: "privkey.pem" },
              ],
              defaultMode: 0o600,
            },
          },
        ];
  const container = {
    name: "mailserver",
    image: c.image,
    // The pod's own hostname is a single label; DMS takes its FQDN from this variable.
    env: [
      ...c.env.map(([k, v]) => ({ name: k, value: v })),
      ...(c.env.some(([k]) => k === "OVERRIDE_HOSTNAME")
        ? []
        : [{ name: "OVERRIDE_HOSTNAME", value: c.hostname }]),
    ].sort((a, b) => cmp(a.name, b.name)),
    ports: [
      ...exposed.map((p) => ({ name: p.service, containerPort: p.port, protocol: "TCP" })),
      // PROXY protocol: the proxied copy of each public port (the probes use the normal ones).
      ...proxied(plan, settings).map((p) => ({
        name: proxyPortName(p),
        containerPort: PROXY_PORTS[p.service],
        protocol: "TCP",
      })),
    ],
    ...probes(plan),
    ...(c.capAdd.length > 0 ? { securityContext: { capabilities: { add: [...c.capAdd] } } } : {}),
    ...(c.memoryBytes !== undefined
      ? { resources: { limits: { memory: String(c.memoryBytes) } } }
      : {}),
    volumeMounts: [
      { name: "config", mountPath: CONFIG_DIR, readOnly: true },
      ...dataVolumes.map((v) => ({ name: v.name, mountPath: v.containerPath })),
      ...(tlsVolume.length > 0
        ? [{ name: "tls", mountPath: letsencryptLiveDir(c.hostname), readOnly: true }]
        : []),
    ],
  };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: names.statefulSet, namespace: settings.namespace, labels: labels(name) },
    spec: {
      // DMS is not multi-writer: one pod owns the mail volumes.
      replicas: 1,
      serviceName: names.service,
      selector: { matchLabels: selector(name) },
      template: {
        metadata: {
          labels: labels(name),
          annotations: { "dms.docker-mailserver.io/rollout-hash": rolloutHash(plan) },
        },
        spec: {
          terminationGracePeriodSeconds: c.stopGracePeriodSeconds,
          ...(Object.keys(settings.nodeSelector).length > 0
            ? { nodeSelector: { ...settings.nodeSelector } }
            : {}),
          ...(c.dns !== undefined
            ? { dnsPolicy: "None", dnsConfig: { nameservers: [...c.dns] } }
            : {}),
          containers: [container],
          volumes: [
            configVolume(plan, name),
            ...dataVolumes.map((v) => ({
              name: v.name,
              persistentVolumeClaim: { claimName: names.claim(v.name) },
            })),
            ...tlsVolume,
          ],
        },
      },
    },
  };
}

/** The public ports that get a PROXY protocol copy: all of them when it is on, else none. */
function proxied(plan: Plan, settings: KubernetesSettings): PortRule[] {
  return settings.proxyProtocol === undefined ? [] : portsOf(plan, "public");
}

/**
 * The container port name of a service's PROXY protocol copy: `px-<service>`, within the 15
 * characters a port name may have (`px-submissions`, `px-managesieve`: 14).
 */
export function proxyPortName(p: Pick<PortRule, "service">): string {
  return `px-${p.service}`;
}

/** Service ports; `viaProxy` sends them to the PROXY protocol copies. */
function servicePorts(ports: readonly PortRule[], viaProxy = false) {
  return ports.map((p) => ({
    name: p.service,
    port: p.port,
    targetPort: viaProxy ? proxyPortName(p) : p.service,
    protocol: "TCP",
  }));
}

/** The public Service, and a ClusterIP one for `private` services. */
function services(plan: Plan, settings: KubernetesSettings, name: string): KubernetesObject[] {
  const names = objectNames(name);
  const out: KubernetesObject[] = [];
  const pub = portsOf(plan, "public");
  const external = settings.service.type !== "ClusterIP";
  if (pub.length > 0) {
    const annotations = settings.service.annotations;
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: names.service,
        namespace: settings.namespace,
        labels: labels(name),
        ...(Object.keys(annotations).length > 0
          ? { annotations: Object.fromEntries(Object.entries(annotations).sort()) }
          : {}),
      },
      spec: {
        type: settings.service.type,
        // Local keeps the client's address, which SPF, postscreen and rspamd judge; with PROXY
        // protocol the header carries it, and Cluster works as well.
        ...(external ? { externalTrafficPolicy: settings.service.externalTrafficPolicy } : {}),
        selector: selector(name),
        ports: servicePorts(pub, settings.proxyProtocol !== undefined),
      },
    });
  }
  // In-cluster clients send no PROXY header: with PROXY protocol on, the public services are
  // also offered on their normal ports here.
  const priv = [...portsOf(plan, "private"), ...proxied(plan, settings)].sort(
    (a, b) => a.port - b.port,
  );
  if (priv.length > 0) {
    out.push({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: names.internalService,
        namespace: settings.namespace,
        labels: labels(name),
      },
      spec: { type: "ClusterIP", selector: selector(name), ports: servicePorts(priv) },
    });
  }
  return out;
}

/**
 * Ingress to the pod only on the declared ports: public ones from their `allowFrom` CIDRs,
 * private ones from pods of the namespace. Everything else (the rspamd controller on 11334, the
 * milter and policy ports) is closed to the rest of the cluster.
 */
function networkPolicy(plan: Plan, settings: KubernetesSettings, name: string): KubernetesObject {
  const ingress: unknown[] = [];
  // Group public ports by their source list so each distinct allowFrom is one rule.
  const bySources = new Map<string, PortRule[]>();
  for (const p of portsOf(plan, "public")) {
    const key = p.allowFrom.join(",");
    pushTo(bySources, key, p);
  }
  for (const [key, ports] of [...bySources.entries()].sort((a, b) => cmp(a[0], b[0]))) {
    ingress.push({
      from: key.split(",").map((cidr) => ({ ipBlock: { cidr } })),
      ports: ports.map((p) => ({ protocol: "TCP", port: p.port })),
    });
  }
  // PROXY protocol copies: only from the trusted networks (Postfix has no such setting of its
  // own; Dovecot's haproxy_trusted_networks says the same).
  const viaProxy = proxied(plan, settings);
  if (viaProxy.length > 0) {
    ingress.push({
      from: settings.proxyProtocol!.trustedNetworks.map((cidr) => ({ ipBlock: { cidr } })),
      ports: viaProxy.map((p) => ({ protocol: "TCP", port: PROXY_PORTS[p.service] })),
    });
  }
  const priv = portsOf(plan, "private");
  if (priv.length > 0) {
    ingress.push({
      from: [{ podSelector: {} }],
      ports: priv.map((p) => ({ protocol: "TCP", port: p.port })),
    });
  }
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: objectNames(name).networkPolicy,
      namespace: settings.namespace,
      labels: labels(name),
    },
    spec: { podSelector: { matchLabels: selector(name) }, policyTypes: ["Ingress"], ingress },
  };
}
