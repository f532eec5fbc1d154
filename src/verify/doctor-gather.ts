/**
 * The I/O of `dmsctl doctor`: reads the Docker host (`docker info`, `docker version`, the
 * daemon's `daemon.json` and flags, the kernel's nf_tables, `iptables --version`, ufw and
 * firewalld) and the running mail container (`supervisorctl status`, the tail of
 * `/var/log/mail/mail.log`, `fail2ban-client status`, and test connections to its SMTP port
 * whose peer address is read back with `ss` inside the container). `./doctor.ts` turns the facts
 * into checks. Host-local facts are read only when the engine is this machine's (no `DOCKER_HOST`
 * other than a unix socket).
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { networkInterfaces } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { inspectContainer, runDocker, type ContainerInfo } from "../providers/host/docker-engine";
import {
  parseFail2banBanned,
  parseFail2banJails,
  parseIptablesBackend,
  parseSsPeers,
  daemonNetworkFacts,
  type ClientIpProbe,
  type ContainerFacts,
  type DoctorFacts,
  type HostFacts,
} from "./doctor";

/** Runs a host command; stdout, or undefined when it is missing or fails. */
function hostCommand(file: string, args: readonly string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile(file, [...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve(err ? undefined : `${stdout}${stderr}`);
    });
  });
}

/** `dockerd`'s command line flags (from /proc) and its daemon.json (`{}` when there is none). */
function daemonSettings(): { flags: string[]; json: Record<string, unknown> } {
  let flags: string[] = [];
  try {
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/comm`, "utf8").trim() !== "dockerd") continue;
        flags = readFileSync(`/proc/${pid}/cmdline`, "utf8")
          .split("\0")
          .filter((a) => a !== "");
        break;
      } catch {
        // The process ended, or is not ours to read.
      }
    }
  } catch {
    // No /proc.
  }
  const configFlag = flags.find((f) => f.startsWith("--config-file="));
  const file = configFlag?.slice("--config-file=".length) ?? "/etc/docker/daemon.json";
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  } catch {
    // No daemon.json: the defaults apply.
  }
  return { json, flags };
}

/** Whether the engine is this machine's. */
export function engineIsLocal(env: NodeJS.ProcessEnv): boolean {
  const h = env.DOCKER_HOST;
  return h === undefined || h === "" || h.startsWith("unix://");
}

/** Reads the Docker host. `containerNetworks` adds the IPv6 flag of those networks. */
export async function gatherHostFacts(
  env: NodeJS.ProcessEnv,
  containerNetworks: readonly string[] = [],
): Promise<HostFacts> {
  const info = await runDocker(["info", "--format", "{{json .}}"], { timeoutMs: 30_000 });
  const version = await runDocker(["version", "--format", "{{json .Server}}"], {
    timeoutMs: 30_000,
  });
  let kernel: string | undefined;
  let cgroupVersion: string | undefined;
  let rootless: boolean | undefined;
  let serverVersion: string | undefined;
  let engine: "docker" | "podman" | undefined;
  if (info.code === 0) {
    const i = JSON.parse(info.stdout) as {
      KernelVersion?: string;
      CgroupVersion?: string;
      ServerVersion?: string;
      SecurityOptions?: string[];
    };
    kernel = i.KernelVersion || undefined;
    cgroupVersion = i.CgroupVersion || undefined;
    serverVersion = i.ServerVersion || undefined;
    rootless = (i.SecurityOptions ?? []).some((o) => /name=rootless/.test(o));
  }
  if (version.code === 0) {
    const v = JSON.parse(version.stdout) as {
      Version?: string;
      Components?: { Name?: string }[];
    } | null;
    if (v?.Version) serverVersion = v.Version;
    const names = (v?.Components ?? []).map((c) => c.Name ?? "");
    engine = names.some((n) => /podman/i.test(n))
      ? "podman"
      : names.length > 0
        ? "docker"
        : undefined;
  }
  // What the engine itself reports, readable whether it runs here or behind DOCKER_HOST.
  const engineFacts = {
    ...(kernel ? { kernel } : {}),
    ...(cgroupVersion ? { cgroupVersion } : {}),
    ...(serverVersion ? { serverVersion } : {}),
    ...(engine ? { engine } : {}),
    ...(rootless !== undefined ? { rootless } : {}),
  };
  if (!engineIsLocal(env)) {
    return {
      ...engineFacts,
      remote: `not readable: the engine is remote (DOCKER_HOST=${env.DOCKER_HOST}); run doctor on the Docker host`,
    };
  }
  const net = daemonNetworkFacts(daemonSettings(), serverVersion);
  let ipv6 = net.ipv6 ?? false;
  for (const n of containerNetworks) {
    const r = await runDocker(["network", "inspect", "--format", "{{.EnableIPv6}}", n], {
      timeoutMs: 15_000,
    });
    if (r.code === 0 && r.stdout.trim() === "true") ipv6 = true;
  }
  const iptables = await hostCommand("iptables", ["--version"]);
  const iptablesBackend = iptables === undefined ? undefined : parseIptablesBackend(iptables);
  const nfTables = await kernelHasNfTables(iptablesBackend);
  const firewalls: { name: "ufw" | "firewalld"; active: boolean }[] = [];
  const ufw = await hostCommand("ufw", ["status"]);
  if (ufw !== undefined) firewalls.push({ name: "ufw", active: /Status:\s*active/i.test(ufw) });
  const firewalld = await hostCommand("firewall-cmd", ["--state"]);
  if (firewalld !== undefined || existsSync("/usr/sbin/firewalld"))
    firewalls.push({ name: "firewalld", active: /running/.test(firewalld ?? "") });
  return {
    ...engineFacts,
    ...(net.userlandProxy !== undefined ? { userlandProxy: net.userlandProxy } : {}),
    ipv6,
    ...(containerNetworks.length > 0 ? { ipv6Networks: true } : {}),
    ...(net.ip6tables !== undefined ? { ip6tables: net.ip6tables } : {}),
    ...(iptablesBackend ? { iptablesBackend } : {}),
    ...(nfTables !== undefined ? { nfTables } : {}),
    firewalls,
  };
}

/**
 * Whether the kernel has nf_tables: loaded as a module, or answering `nft` / the nf_tables
 * iptables (built in, it has no /sys/module entry). Undefined when none can tell (not root).
 */
async function kernelHasNfTables(
  iptablesBackend: "nf_tables" | "legacy" | undefined,
): Promise<boolean | undefined> {
  if (existsSync("/sys/module/nf_tables")) return true;
  if ((await hostCommand("nft", ["list", "tables"])) !== undefined) return true;
  if (iptablesBackend === "nf_tables" && (await hostCommand("iptables", ["-S"])) !== undefined)
    return true;
  return process.getuid?.() === 0 ? false : undefined;
}

async function exec(
  info: ContainerInfo,
  argv: readonly string[],
): Promise<{ code: number; out: string }> {
  const r = await runDocker(["exec", info.id, ...argv], { timeoutMs: 30_000 });
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
}

/** This machine's first non-internal address of a family, skipping Docker's own interfaces. */
function hostAddress(family: "IPv4" | "IPv6"): string | undefined {
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (/^(docker|br-|veth|lo)/.test(name)) continue;
    for (const a of addrs ?? []) {
      if (a.family !== family || a.internal) continue;
      if (family === "IPv6" && /^fe80:/i.test(a.address)) continue;
      return a.address;
    }
  }
  return undefined;
}

/** Opens a connection, holds it while `during` runs, and closes it. */
async function holdConnection<T>(
  host: string,
  port: number,
  during: (local: string) => Promise<T>,
): Promise<T | { error: string }> {
  const socket: Socket = connect({ host, port });
  socket.on("data", () => undefined);
  const opened = await new Promise<string | { error: string }>((resolve) => {
    const t = setTimeout(() => resolve({ error: "no connection within 5 s" }), 5000);
    socket.once("connect", () => {
      clearTimeout(t);
      const a = socket.localAddress ?? "";
      resolve(a.includes(":") ? `[${a}]:${socket.localPort}` : `${a}:${socket.localPort}`);
    });
    socket.once("error", (e) => {
      clearTimeout(t);
      resolve({ error: e.message });
    });
  });
  try {
    if (typeof opened !== "string") return opened;
    // docker-proxy dials the container right after accepting; give it a moment.
    await sleep(300);
    return await during(opened);
  } finally {
    socket.destroy();
  }
}

/** The test connections to the container's published port 25 and the peers Postfix saw. */
async function clientIpProbes(info: ContainerInfo): Promise<ClientIpProbe[]> {
  const targets = new Map<string, { path: string; host: string; port: number }>();
  for (const b of info.smtpBindings) {
    const wildcard = b.hostIp === "" || b.hostIp === "0.0.0.0" || b.hostIp === "::";
    if (!wildcard) {
      targets.set(`${b.hostIp}:${b.hostPort}`, {
        path: "published address",
        host: b.hostIp,
        port: b.hostPort,
      });
      continue;
    }
    const v4 = hostAddress("IPv4");
    const v6 = hostAddress("IPv6");
    targets.set("loopback", { path: "loopback", host: "127.0.0.1", port: b.hostPort });
    if (v4) targets.set("v4", { path: "host IPv4", host: v4, port: b.hostPort });
    if (v6) targets.set("v6", { path: "host IPv6", host: v6, port: b.hostPort });
  }
  const out: ClientIpProbe[] = [];
  for (const t of targets.values()) {
    const target = t.host.includes(":") ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`;
    const r = await holdConnection(t.host, t.port, async (local) => {
      const ss = await exec(info, ["ss", "-Htn", "state", "established", "( sport = :25 )"]);
      return { local, seen: ss.code === 0 ? parseSsPeers(ss.out) : [] };
    });
    out.push(
      "error" in r
        ? { path: t.path, target, seen: [], error: r.error }
        : { path: t.path, target, from: r.local, seen: r.seen },
    );
  }
  return out;
}

/** Reads the running mail container; a sentence when it does not exist. */
export async function gatherContainerFacts(
  ref: string,
  env: NodeJS.ProcessEnv,
): Promise<{ facts: ContainerFacts; info: ContainerInfo } | string> {
  const info = await inspectContainer(ref);
  if (typeof info === "string") return info;
  const base = {
    name: info.name,
    running: info.running,
    networkMode: info.networkMode,
    gateways: info.gateways,
  };
  if (!info.running) return { facts: base, info };
  const supervisor = await exec(info, ["supervisorctl", "status"]);
  const log = await exec(info, ["tail", "-n", "200", "/var/log/mail/mail.log"]);
  const f2b = await exec(info, ["fail2ban-client", "status"]);
  let fail2ban: ContainerFacts["fail2ban"] = "off";
  let fail2banLog: string | undefined;
  if (f2b.code !== 0) {
    // Why it does not answer: a crash loop leaves its reason in supervisord's log of it.
    const log = await exec(info, ["tail", "-n", "20", "/var/log/supervisor/fail2ban.log"]);
    if (log.code === 0 && log.out.trim() !== "") fail2banLog = log.out;
  }
  if (f2b.code === 0) {
    const jails: { jail: string; banned: string[] }[] = [];
    for (const jail of parseFail2banJails(f2b.out)) {
      const s = await exec(info, ["fail2ban-client", "status", jail]);
      jails.push({ jail, banned: s.code === 0 ? parseFail2banBanned(s.out) : [] });
    }
    fail2ban = jails;
  }
  const clientIp =
    info.networkMode === "host" || !engineIsLocal(env) ? [] : await clientIpProbes(info);
  return {
    facts: {
      ...base,
      ...(supervisor.out.trim() !== "" ? { supervisor: supervisor.out } : {}),
      ...(log.code === 0 ? { mailLog: log.out } : {}),
      fail2ban,
      ...(fail2banLog !== undefined ? { fail2banLog } : {}),
      clientIp,
    },
    info,
  };
}

/** Everything doctor reads: the host, and the container when one is named. */
export async function gatherDoctorFacts(
  env: NodeJS.ProcessEnv,
  container?: string,
): Promise<DoctorFacts | string> {
  let c: { facts: ContainerFacts; info: ContainerInfo } | undefined;
  if (container !== undefined) {
    const got = await gatherContainerFacts(container, env);
    if (typeof got === "string") return got;
    c = got;
  }
  const networks =
    c === undefined || c.info.networkMode === "host" ? [] : await containerNetworks(c.info.id);
  const host = await gatherHostFacts(env, networks);
  return { host, ...(c !== undefined ? { container: c.facts } : {}) };
}

async function containerNetworks(id: string): Promise<string[]> {
  const r = await runDocker(
    ["inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", id],
    { timeoutMs: 15_000 },
  );
  return r.code === 0
    ? r.stdout
        .trim()
        .split(/\s+/)
        .filter((n) => n !== "")
    : [];
}
