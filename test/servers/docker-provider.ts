/**
 * A model of what `pulumi up` does with a `docker.Container` on a second run, for the read-back
 * test (test/components/readback.test.ts): the create request the provider sends, the state its
 * read function builds from `docker inspect`, and the plan (replace / update / nothing) the
 * engine makes from that state and the next inputs.
 *
 * It follows the sources of kreuzwerker/terraform-provider-docker v4.5.0 (the release that
 * `@pulumi/docker` 5.x bridges), `internal/provider/`:
 * - `resourceDockerContainerCreate` (resource_docker_container_funcs.go): the request body;
 *   `portSetToDockerPorts`, `volumeSetToDockerVolumes`, `labelSetToMap`
 *   (resource_docker_container_structures.go) for ports, binds and labels; durations parsed
 *   with Go's `time.ParseDuration`; memory and swap in MiB (`memory_swap` only when > 0).
 * - `resourceDockerContainerRead`: which attributes it sets and how (ports through
 *   `flattenContainerPorts` only for a running container or `must_run`, capabilities only when
 *   Docker reports some, healthcheck durations with Go's `Duration.String()`, memory and swap
 *   divided back to MiB, env / labels / volumes / uploads never read back).
 * - `resourceDockerContainer` (resource_docker_container.go): ForceNew, Computed and Default of
 *   each attribute, `suppressIfPortsDidNotChangeForMigrationV0ToV1` for ports, the `user` and
 *   `working_dir` suppressions.
 * And the engine and bridge: an absent optional attribute compares as its default or zero value
 * (terraform-plugin-sdk v2 `schemaMap.diffString`), ignored properties take the state's value
 * (pulumi-terraform-bridge `applyIgnoreChanges`), `replaceOnChanges` turns a change into a
 * replacement and, with `*`, an initialization error too (pulumi/pulumi `applyReplaceOnChanges`).
 *
 * Only the attributes a `MailServer` can send are translated to the create request; the read
 * covers every attribute `resourceDockerContainerRead` sets.
 */
import { request } from "node:http";

/** The bridged provider's inputs (Pulumi names), secrets unwrapped. */
export type Inputs = Record<string, unknown>;
/** Provider state, Terraform attribute names. */
export type State = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Docker Engine API (API 1.41 is Docker 20.10), over the local socket.

/** One Docker Engine API call; rejects on a status >= 300 with Docker's message. */
export function dockerApi(method: string, path: string, body?: unknown): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = request(
      {
        socketPath: "/var/run/docker.sock",
        path: `/v1.41${path}`,
        method,
        headers: data ? { "content-type": "application/json", "content-length": data.length } : {},
        timeout: 60_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 300) {
            reject(new Error(`docker ${method} ${path}: ${res.statusCode} ${text}`));
          } else {
            resolve(text === "" ? undefined : JSON.parse(text));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`docker ${method} ${path}: timed out`)));
    req.on("error", reject);
    if (data) req.write(data);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// Go durations.

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Go's `time.ParseDuration` for the forms the provider accepts (`1m0s`, `30s`, `1.5s`). */
export function parseGoDuration(text: string): number {
  if (text === "0") return 0;
  const re = /([0-9]*\.?[0-9]+)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let at = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    total += Number(m[1]) * UNIT_NS[m[2]!]!;
    at = re.lastIndex;
  }
  if (at !== text.length || text === "") throw new Error(`not a Go duration: ${text}`);
  return Math.round(total);
}

/** Go's `time.Duration.String()` of a count of nanoseconds. */
export function goDurationString(ns: number): string {
  if (ns === 0) return "0s";
  if (ns < 1e9) {
    if (ns < 1e3) return `${ns}ns`;
    if (ns < 1e6) return `${trim(ns / 1e3)}µs`;
    return `${trim(ns / 1e6)}ms`;
  }
  const h = Math.floor(ns / 3600e9);
  const m = Math.floor((ns % 3600e9) / 60e9);
  const s = (ns % 60e9) / 1e9;
  if (h > 0) return `${h}h${m}m${trim(s)}s`;
  if (m > 0) return `${m}m${trim(s)}s`;
  return `${trim(s)}s`;
}

function trim(n: number): string {
  return String(Number(n.toFixed(9)));
}

// ---------------------------------------------------------------------------------------------
// Inputs (Pulumi names) to Terraform attributes, as the bridge maps them.

interface TfPort {
  internal: number;
  external: number;
  ip: string;
  protocol: string;
}

/** The Terraform view of the inputs a `MailServer` sends (the bridge's name mapping). */
export function toTerraform(i: Inputs): State {
  const out: State = {};
  const put = (k: string, v: unknown) => {
    if (v !== undefined) out[k] = v;
  };
  put("name", i.name);
  put("image", i.image);
  put("hostname", i.hostname);
  put("env", i.envs);
  put("command", i.command);
  put("entrypoint", i.entrypoints);
  put("dns", i.dns);
  put("restart", i.restart);
  put("destroy_grace_seconds", i.destroyGraceSeconds);
  put("memory", i.memory);
  put("memory_swap", i.memorySwap);
  put("must_run", i.mustRun);
  put("attach", i.attach);
  put("logs", i.logs);
  put("wait", i.wait);
  put("wait_timeout", i.waitTimeout);
  put("network_mode", i.networkMode);
  put("pid_mode", i.pidMode);
  if (i.ports !== undefined) {
    out.ports = (i.ports as Partial<TfPort>[]).map((p) => ({
      internal: p.internal,
      external: p.external ?? 0,
      // StateFunc of `ip`: an empty address is stored as 0.0.0.0 (schema default too).
      ip: p.ip === undefined || p.ip === "" ? "0.0.0.0" : p.ip,
      protocol: p.protocol ?? "tcp",
    }));
  }
  if (i.volumes !== undefined) {
    out.volumes = (i.volumes as Record<string, unknown>[]).map((v) => ({
      volume_name: v.volumeName ?? "",
      host_path: v.hostPath ?? "",
      container_path: v.containerPath ?? "",
      read_only: v.readOnly ?? false,
      from_container: "",
    }));
  }
  if (i.labels !== undefined) {
    out.labels = (i.labels as { label: string; value: string }[]).map((l) => ({ ...l }));
  }
  if (i.uploads !== undefined) out.upload = i.uploads;
  if (i.capabilities !== undefined) {
    const c = i.capabilities as { adds?: string[]; drops?: string[] };
    out.capabilities = [{ add: c.adds ?? [], drop: c.drops ?? [] }];
  }
  if (i.healthcheck !== undefined) {
    const h = i.healthcheck as Record<string, unknown>;
    out.healthcheck = [
      {
        test: h.tests ?? [],
        interval: h.interval ?? "0s",
        timeout: h.timeout ?? "0s",
        start_period: h.startPeriod ?? "0s",
        start_interval: h.startInterval ?? "0s",
        retries: h.retries ?? 0,
      },
    ];
  }
  const known = new Set([
    "name",
    "image",
    "hostname",
    "envs",
    "command",
    "entrypoints",
    "dns",
    "restart",
    "destroyGraceSeconds",
    "memory",
    "memorySwap",
    "mustRun",
    "attach",
    "logs",
    "wait",
    "waitTimeout",
    "networkMode",
    "pidMode",
    "ports",
    "volumes",
    "labels",
    "uploads",
    "capabilities",
    "healthcheck",
  ]);
  const unknown = Object.keys(i).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    // A new input must be modelled before the test can vouch for it.
    throw new Error(`the provider model does not translate input(s) ${unknown.join(", ")}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// resourceDockerContainerCreate: the request body.

/** The Docker Engine API create body the provider sends for these attributes. */
export function createBody(tf: State): Record<string, unknown> {
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of (tf.ports as TfPort[] | undefined) ?? []) {
    const key = `${p.internal}/${p.protocol}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: p.ip, HostPort: p.external ? String(p.external) : "" });
  }
  const binds: string[] = [];
  const volumes: Record<string, object> = {};
  for (const v of (tf.volumes as Record<string, string | boolean>[] | undefined) ?? []) {
    const source = (v.host_path as string) || (v.volume_name as string);
    volumes[v.container_path as string] = {};
    if (source) binds.push(`${source}:${v.container_path}:${v.read_only ? "ro" : "rw"}`);
  }
  const labels: Record<string, string> = {};
  for (const l of (tf.labels as { label: string; value: string }[] | undefined) ?? []) {
    labels[l.label] = l.value;
  }
  const hc = (tf.healthcheck as Record<string, unknown>[] | undefined)?.[0];
  const caps = (tf.capabilities as { add: string[]; drop: string[] }[] | undefined)?.[0];
  const memory = (tf.memory as number | undefined) ?? 0;
  const swap = tf.memory_swap as number | undefined;
  return {
    Image: tf.image,
    Hostname: tf.hostname ?? "",
    Domainname: "",
    Tty: false,
    OpenStdin: false,
    ...(tf.env ? { Env: tf.env } : {}),
    ...(tf.command ? { Cmd: tf.command } : {}),
    ...(tf.entrypoint ? { Entrypoint: tf.entrypoint } : {}),
    ...(Object.keys(exposed).length > 0 ? { ExposedPorts: exposed } : {}),
    ...(Object.keys(volumes).length > 0 ? { Volumes: volumes } : {}),
    ...(tf.labels ? { Labels: labels } : {}),
    ...(hc
      ? {
          Healthcheck: {
            Test: hc.test,
            Interval: parseGoDuration(hc.interval as string),
            Timeout: parseGoDuration(hc.timeout as string),
            StartPeriod: parseGoDuration(hc.start_period as string),
            Retries: hc.retries,
          },
        }
      : {}),
    HostConfig: {
      Privileged: false,
      PublishAllPorts: false,
      RestartPolicy: { Name: tf.restart ?? "no", MaximumRetryCount: 0 },
      Mounts: [],
      AutoRemove: false,
      ReadonlyRootfs: false,
      LogConfig: { Type: "" },
      ...(Object.keys(bindings).length > 0 ? { PortBindings: bindings } : {}),
      ...(binds.length > 0 ? { Binds: binds } : {}),
      ...(caps ? { CapAdd: caps.add, CapDrop: caps.drop } : {}),
      ...(tf.dns ? { Dns: tf.dns } : {}),
      ...(memory > 0 ? { Memory: memory * 1024 * 1024 } : {}),
      ...(swap !== undefined && swap !== 0
        ? { MemorySwap: swap > 0 ? swap * 1024 * 1024 : swap }
        : {}),
      // The schema default of network_mode, sent whenever it is set (GetOk of "bridge").
      NetworkMode: tf.network_mode ?? "bridge",
      // GetOk: sent only when set.
      ...(tf.pid_mode ? { PidMode: tf.pid_mode } : {}),
      Init: false,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// resourceDockerContainerRead: the state.

/** What `docker inspect` returns (the parts the read function uses). */
export type Inspect = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The state after the provider's read: the previous state (`prior`, what the last apply
 * stored: for attributes never read back, the inputs it was created with) overwritten by
 * every attribute `resourceDockerContainerRead` sets from `inspect`. `running` is the
 * container's state; `networkPorts` what a running container reports in
 * `NetworkSettings.Ports` (port key to bindings, in Docker's order).
 */
export function readState(
  inspect: Inspect,
  prior: State,
  running: boolean,
  networkPorts: Record<string, { HostIp: string; HostPort: string }[] | null>,
): State {
  const s: State = { ...prior };
  const hc = inspect.HostConfig;
  const cfg = inspect.Config;
  const mustRun = (prior.must_run as boolean | undefined) ?? true;
  // Ports: only for a running container or must_run, and only when the state has ports.
  if ((running || mustRun) && prior.ports !== undefined && (prior.ports as unknown[]).length > 0) {
    s.ports = flattenContainerPorts(networkPorts);
  }
  if (!running) {
    s.exit_code = inspect.State.ExitCode;
    if (mustRun) s.must_run = false;
  }
  s.name = String(inspect.Name).replace(/^\/+/, "");
  s.rm = hc.AutoRemove;
  s.read_only = hc.ReadonlyRootfs;
  s.image = String(prior.image ?? "").startsWith("sha256:") ? inspect.Image : cfg.Image;
  s.hostname = cfg.Hostname;
  s.domainname = cfg.Domainname;
  s.command = cfg.Cmd ?? [];
  s.entrypoint = cfg.Entrypoint ?? [];
  s.user = cfg.User;
  s.dns = hc.Dns ?? [];
  s.dns_opts = hc.DnsOptions ?? [];
  s.security_opts = hc.SecurityOpt ?? [];
  s.dns_search = hc.DnsSearch ?? [];
  s.publish_all_ports = hc.PublishAllPorts;
  s.restart = hc.RestartPolicy.Name;
  s.max_retry_count = hc.RestartPolicy.MaximumRetryCount;
  s.init = hc.Init ?? false;
  s.working_dir = cfg.WorkingDir;
  if ((hc.CapAdd ?? []).length > 0 || (hc.CapDrop ?? []).length > 0) {
    s.capabilities = [{ add: hc.CapAdd ?? [], drop: hc.CapDrop ?? [] }];
  }
  s.runtime = hc.Runtime;
  s.platform = inspect.Platform;
  s.mounts = (hc.Mounts ?? []).map((m: Inspect) => ({
    target: m.Target,
    source: m.Source,
    type: m.Type,
    read_only: m.ReadOnly ?? false,
  }));
  s.tmpfs = hc.Tmpfs ?? {};
  s.host = (hc.ExtraHosts ?? []).map((h: string) => h);
  s.privileged = hc.Privileged;
  s.memory = Math.trunc(hc.Memory / 1024 / 1024);
  s.memory_reservation =
    hc.MemoryReservation > 0
      ? Math.trunc(hc.MemoryReservation / 1024 / 1024)
      : hc.MemoryReservation;
  s.memory_swap = hc.MemorySwap > 0 ? Math.trunc(hc.MemorySwap / 1024 / 1024) : hc.MemorySwap;
  s.shm_size = Math.trunc(hc.ShmSize / 1024 / 1024);
  if (hc.NanoCpus > 0) s.cpus = String(hc.NanoCpus / 1e9);
  s.cpu_shares = hc.CpuShares;
  s.cpu_set = hc.CpusetCpus;
  s.log_driver = hc.LogConfig.Type;
  s.storage_opts = hc.StorageOpt ?? {};
  s.network_mode = hc.NetworkMode;
  // Read back only when the state has one (GetOk), as Docker reports it (`host`).
  if (prior.pid_mode) s.pid_mode = hc.PidMode;
  s.userns_mode = hc.UsernsMode;
  if (cfg.Healthcheck) {
    const h = cfg.Healthcheck;
    s.healthcheck = [
      {
        test: h.Test ?? [],
        interval: goDurationString(h.Interval ?? 0),
        timeout: goDurationString(h.Timeout ?? 0),
        start_period: goDurationString(h.StartPeriod ?? 0),
        start_interval: goDurationString(h.StartInterval ?? 0),
        retries: h.Retries ?? 0,
      },
    ];
  }
  s.sysctls = hc.Sysctls ?? {};
  s.ipc_mode = hc.IpcMode;
  s.group_add = hc.GroupAdd ?? [];
  s.tty = cfg.Tty;
  s.stdin_open = cfg.OpenStdin;
  s.stop_signal = cfg.StopSignal ?? "";
  s.stop_timeout = cfg.StopTimeout ?? 0;
  return s;
}

/** `flattenContainerPorts`: port keys sorted by number only, bindings in Docker's order. */
export function flattenContainerPorts(
  ports: Record<string, { HostIp: string; HostPort: string }[] | null>,
): TfPort[] {
  const keys = Object.keys(ports).sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
  const out: TfPort[] = [];
  for (const key of keys) {
    const [port, protocol] = key.split("/");
    for (const b of ports[key] ?? []) {
      out.push({
        internal: Number(port),
        external: Number(b.HostPort) || 0,
        ip: b.HostIp,
        protocol: protocol!,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The plan.

interface Attribute {
  readonly forceNew: boolean;
  readonly computed: boolean;
  readonly set: boolean;
  readonly zero: unknown;
}

const A = (forceNew: boolean, computed: boolean, zero: unknown, set = false): Attribute => ({
  forceNew,
  computed,
  set,
  zero,
});

/**
 * The schema of every attribute the read sets or a `MailServer` sends (resource_docker_container.go):
 * ForceNew, Computed, whether a set, and what an absent input compares as (its Default, else the
 * type's zero value).
 */
export const SCHEMA: Readonly<Record<string, Attribute>> = {
  name: A(true, false, ""),
  rm: A(false, false, false),
  read_only: A(true, false, false),
  must_run: A(false, false, true),
  attach: A(false, false, false),
  logs: A(false, false, false),
  wait: A(false, false, false),
  wait_timeout: A(false, false, 60),
  exit_code: A(false, true, 0),
  image: A(true, false, ""),
  hostname: A(true, true, ""),
  domainname: A(true, false, ""),
  command: A(true, true, []),
  entrypoint: A(true, true, []),
  user: A(true, false, ""),
  dns: A(true, false, [], true),
  dns_opts: A(true, false, [], true),
  dns_search: A(true, false, [], true),
  publish_all_ports: A(true, false, false),
  restart: A(false, false, "no"),
  max_retry_count: A(false, false, 0),
  working_dir: A(true, false, ""),
  capabilities: A(true, false, [], true),
  security_opts: A(true, true, [], true),
  runtime: A(true, true, ""),
  platform: A(true, true, ""),
  stop_signal: A(true, true, ""),
  stop_timeout: A(true, true, 0),
  mounts: A(true, false, [], true),
  volumes: A(true, false, [], true),
  tmpfs: A(false, false, {}),
  ports: A(true, false, []),
  host: A(true, false, [], true),
  env: A(true, true, [], true),
  privileged: A(true, false, false),
  destroy_grace_seconds: A(false, false, 0),
  labels: A(true, true, [], true),
  memory: A(false, false, 0),
  memory_reservation: A(false, false, 0),
  memory_swap: A(false, false, 0),
  shm_size: A(true, true, 0),
  cpu_shares: A(false, false, 0),
  cpu_set: A(false, false, ""),
  cpus: A(true, false, ""),
  log_driver: A(true, true, ""),
  storage_opts: A(true, false, {}),
  network_mode: A(true, false, "bridge"),
  pid_mode: A(true, false, ""),
  userns_mode: A(true, false, ""),
  upload: A(true, false, [], true),
  healthcheck: A(false, true, []),
  sysctls: A(true, false, {}),
  ipc_mode: A(true, true, ""),
  group_add: A(true, false, [], true),
  init: A(false, true, false),
  tty: A(true, false, false),
  stdin_open: A(true, false, false),
};

/** Computed-only attributes: never in a plan. */
const OUTPUT_ONLY = new Set(["bridge", "network_data", "exit_code", "container_logs"]);

/** Bridged (Pulumi) input name of a Terraform attribute, for `ignoreChanges`/`replaceOnChanges`. */
const PULUMI_NAME: Readonly<Record<string, string>> = {
  env: "envs",
  entrypoint: "entrypoints",
  upload: "uploads",
  memory_swap: "memorySwap",
  must_run: "mustRun",
  wait_timeout: "waitTimeout",
  network_mode: "networkMode",
  pid_mode: "pidMode",
  destroy_grace_seconds: "destroyGraceSeconds",
};
const pulumiName = (tf: string) => PULUMI_NAME[tf] ?? tf;

/** Canonical JSON (sorted keys) of a value; sets compare as sorted lists of canonical items. */
function canon(v: unknown, set: boolean): string {
  const c = (x: unknown): unknown =>
    Array.isArray(x)
      ? x.map(c)
      : typeof x === "object" && x !== null
        ? Object.fromEntries(
            Object.entries(x)
              .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
              .map(([k, y]) => [k, c(y)]),
          )
        : x;
  if (set && Array.isArray(v)) return JSON.stringify(v.map((x) => JSON.stringify(c(x))).sort());
  return JSON.stringify(c(v));
}

/** `suppressIfPortsDidNotChangeForMigrationV0ToV1`, as the provider's diff calls it. */
export function portsSuppressed(old: TfPort[], next: TfPort[]): boolean {
  if (old.length !== next.length) return false;
  for (const o of old) {
    let found = false;
    for (const n of next) {
      if (n.internal !== o.internal) continue;
      if (n.protocol !== o.protocol) {
        if (next.some((x) => x.internal === o.internal && x.protocol === o.protocol)) continue;
        return false;
      }
      if (n.external !== o.external) return false;
      if (n.ip !== o.ip) return false;
      found = true;
      break;
    }
    if (!found) return false;
  }
  return true;
}

/** One attribute that would change, and whether it replaces. */
export interface Change {
  readonly attribute: string;
  readonly replace: boolean;
}

/** Resource options that shape the plan. */
export interface PlanOptions {
  readonly ignoreChanges?: readonly string[];
  readonly replaceOnChanges?: readonly string[];
  /** The previous create failed after the container existed (bridge: initialization error). */
  readonly initErrors?: boolean;
}

/**
 * The engine's plan for one container: the provider's diff of the next inputs (`next`,
 * Terraform names, see {@link toTerraform}) against the state, then the engine's options.
 * Empty when nothing changes.
 */
export function plan(next: State, state: State, options: PlanOptions = {}): Change[] {
  const ignore = new Set(options.ignoreChanges ?? []);
  const roc = new Set(options.replaceOnChanges ?? []);
  const out: Change[] = [];
  const attributes = new Set([...Object.keys(next), ...Object.keys(state)]);
  for (const k of [...attributes].sort()) {
    if (OUTPUT_ONLY.has(k)) continue;
    const a = SCHEMA[k];
    if (a === undefined) throw new Error(`the provider model has no schema for ${k}`);
    // ignoreChanges: the engine keeps the old input and the bridge the state's value.
    if (ignore.has(pulumiName(k))) continue;
    const given = k in next;
    // Optional+Computed and not given: the state's value stands.
    if (!given && a.computed) continue;
    // Pulumi autonames `name` and keeps the state's name on later runs.
    if (k === "name" && !given) continue;
    const n = given ? next[k] : a.zero;
    const o = k in state ? state[k] : a.zero;
    if (canon(n, a.set) === canon(o, a.set)) continue;
    if ((k === "user" || k === "working_dir") && n === "") continue;
    if (k === "ports" && portsSuppressed(o as TfPort[], n as TfPort[])) continue;
    const replace = a.forceNew || roc.has("*") || roc.has(pulumiName(k));
    out.push({ attribute: k, replace });
  }
  // applyReplaceOnChanges: an initialization error is a replacement only under `*`.
  if (options.initErrors && roc.has("*")) out.push({ attribute: "#initerror", replace: true });
  return out;
}
