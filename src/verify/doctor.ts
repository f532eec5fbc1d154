/**
 * `dmsctl doctor` as a pure function: the facts gathered from the Docker host and the mail
 * container (`./doctor-gather.ts` does the I/O) become checks, each failure with the remedy of
 * docker-mailserver's Debugging page, FAQ, IPv6 or Fail2ban page. The parsers of the commands'
 * outputs live here too, so every finding is testable from text.
 */
import { isIP } from "node:net";
import { fail2banStartError } from "./fail2ban-output";
import { fail, pass, skip, type Check, type CheckId } from "./checks";

const DOCS = "https://docker-mailserver.github.io/docker-mailserver/latest";
/** The upstream pages the remedies cite. */
export const DOCTOR_DOCS = {
  compatibility: `${DOCS}/config/debugging/#compatibility`,
  logs: `${DOCS}/config/debugging/#logs`,
  debugging: `${DOCS}/config/debugging/`,
  faq: `${DOCS}/faq/`,
  ipv6: `${DOCS}/config/advanced/ipv6/`,
  fail2ban: `${DOCS}/config/security/fail2ban/#managing-bans`,
  rootless: `${DOCS}/config/security/fail2ban/#rootless-container`,
  fail2banConfig: `${DOCS}/config/security/fail2ban/#custom-files`,
} as const;

/** What was learnt about the Docker host. `undefined` means "could not be read". */
export interface HostFacts {
  /** `docker info` KernelVersion: the Docker host's kernel (remote engines included). */
  readonly kernel?: string;
  /** `docker info` CgroupVersion: `1` or `2`. */
  readonly cgroupVersion?: string;
  /** The engine's version (`docker version`, Server). */
  readonly serverVersion?: string;
  /** The engine product: Podman answers the Docker API as "Podman Engine". */
  readonly engine?: "docker" | "podman";
  /** `name=rootless` among `docker info` SecurityOptions. */
  readonly rootless?: boolean;
  /** The daemon's `userland-proxy` (default true) and where it was read. */
  readonly userlandProxy?: { readonly on: boolean; readonly source: string };
  /** IPv6 on the daemon (`ipv6`) or on a network of the container. */
  readonly ipv6?: boolean;
  /** The daemon's `ip6tables` (NAT for IPv6; off by default before Docker 27). */
  readonly ip6tables?: boolean;
  /** `iptables --version`: `nf_tables` or `legacy`. */
  readonly iptablesBackend?: "nf_tables" | "legacy";
  /** Whether the kernel has nf_tables (`/sys/module/nf_tables`). */
  readonly nfTables?: boolean;
  /** Firewall frontends found on the host. */
  readonly firewalls?: readonly { readonly name: "ufw" | "firewalld"; readonly active: boolean }[];
  /**
   * Whether `ipv6` covers the container's networks too (doctor with a container named), not
   * only the daemon's own setting.
   */
  readonly ipv6Networks?: boolean;
  /**
   * Why the host-local facts (daemon.json, firewalls, nftables) are missing: a remote engine, or
   * a probe container that cannot see them.
   */
  readonly remote?: string;
}

/** One test connection to the mail container's SMTP port and the peer Postfix saw for it. */
export interface ClientIpProbe {
  /** `loopback`, `host IPv4` or `host IPv6`. */
  readonly path: string;
  /** Where the connection went (`127.0.0.1:25`). */
  readonly target: string;
  /** The local address of the connection (what Postfix should see). */
  readonly from?: string;
  /** Peer addresses of established connections to port 25 inside the container. */
  readonly seen: readonly string[];
  /** Set when the connection failed. */
  readonly error?: string;
}

/** What was learnt about the running mail container. */
export interface ContainerFacts {
  readonly name: string;
  readonly running: boolean;
  /** `supervisorctl status` output. */
  readonly supervisor?: string;
  /** The tail of `/var/log/mail/mail.log`. */
  readonly mailLog?: string;
  /** Fail2ban jails and their banned IPs; `off` when Fail2ban does not run. */
  readonly fail2ban?:
    readonly { readonly jail: string; readonly banned: readonly string[] }[] | "off";
  /** The tail of `/var/log/supervisor/fail2ban.log`, read when Fail2ban does not answer. */
  readonly fail2banLog?: string;
  /** `host` networking, or the gateways of the container's networks. */
  readonly networkMode?: string;
  readonly gateways?: readonly string[];
  readonly clientIp?: readonly ClientIpProbe[];
}

/** Everything `doctor` looks at. */
export interface DoctorFacts {
  readonly host: HostFacts;
  readonly container?: ContainerFacts;
}

/** Leading numeric parts of a version (`20.10.24+dfsg1` -> [20, 10, 24]). */
export function versionParts(v: string): number[] {
  const m = /^v?(\d+(?:\.\d+)*)/.exec(v.trim());
  return m ? m[1]!.split(".").map(Number) : [];
}

/** `a < b` on the leading numeric parts; false when `a` has none. */
export function versionBelow(a: string, b: string): boolean {
  const x = versionParts(a);
  const y = versionParts(b);
  if (x.length === 0) return false;
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}

/** supervisord states that are no problem: running, or never started (a disabled service). */
const SUPERVISOR_OK = new Set(["RUNNING", "STOPPED", "STARTING"]);

/** `supervisorctl status` lines as `[name, state, rest]`. */
export function parseSupervisorStatus(
  text: string,
): { name: string; state: string; detail: string }[] {
  const out: { name: string; state: string; detail: string }[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+([A-Z]+)\s*(.*)$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, state: m[2]!, detail: m[3]!.trim() });
  }
  return out;
}

/**
 * A client's failed SMTP AUTH (`warning: unknown[192.0.2.1]: SASL PLAIN authentication failed`):
 * Postfix words it as a warning, but it is a client's mistake or a password guess, which every
 * server on the Internet logs all day and Fail2ban answers (container-fail2ban reports its bans).
 */
const CLIENT_AUTH_FAILURE = /\bwarning: \S*\[[^\]]+\]: SASL \S+ authentication failed\b/;

/**
 * Lines of a mail log that report a problem (Postfix/Dovecot/DMS wording), leaving out clients'
 * failed logins (they are no fault of the server).
 */
export function mailLogProblems(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => /\b(error|fatal|panic)\b[:\]]|\bwarning:|\bERROR\b/i.test(l))
    .filter((l) => !CLIENT_AUTH_FAILURE.test(l))
    .map((l) => l.trim());
}

export {
  fail2banStartError,
  parseFail2banBanned,
  parseFail2banJails,
  parseSetupUnban,
} from "./fail2ban-output";

/** `iptables v1.8.9 (nf_tables)` -> `nf_tables`. */
export function parseIptablesBackend(text: string): "nf_tables" | "legacy" | undefined {
  if (/\(nf_tables\)/.test(text)) return "nf_tables";
  if (/\(legacy\)/.test(text)) return "legacy";
  return undefined;
}

/** Peer addresses of `ss -Htn state established '( sport = :25 )'` (`ADDR:PORT`, IPv6 bracketed). */
export function parseSsPeers(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const cols = line.trim().split(/\s+/);
    // Recv-Q Send-Q Local Peer (state filtered: no State column).
    if (cols.length >= 4) out.push(cols[3]!.replace(/^\[::ffff:([0-9.]+)\]/, "$1"));
  }
  return out;
}

/** The address part of `ADDR:PORT` / `[ADDR]:PORT`. */
export function addressOf(endpoint: string): string {
  const m = /^\[(.*)\]:\d+$/.exec(endpoint) ?? /^(.*):\d+$/.exec(endpoint);
  return (m ? m[1]! : endpoint).replace(/^::ffff:/, "");
}

const HOST = "Docker host";

function hostChecks(h: HostFacts): Check[] {
  const out: Check[] = [];
  const remoteNote = h.remote ?? "not readable";
  // Kernel: nftables NAT needs 5.2.
  if (h.kernel === undefined)
    out.push(skip("host-kernel", HOST, "docker info gave no kernel version"));
  else if (versionBelow(h.kernel, "5.2"))
    out.push(
      fail(
        "host-kernel",
        HOST,
        `kernel ${h.kernel} is older than 5.2`,
        `Kernels older than 5.2 may break the NAT rules Docker manages through nftables, and Fail2ban in DMS expects nftables; upgrade the host kernel (${DOCTOR_DOCS.compatibility}).`,
      ),
    );
  else out.push(pass("host-kernel", HOST, `kernel ${h.kernel}`));
  // cgroup v2 is the baseline (and needed for rootless).
  if (h.cgroupVersion === undefined)
    out.push(skip("host-cgroup", HOST, "docker info gave no cgroup version"));
  else if (h.cgroupVersion !== "2")
    out.push(
      fail(
        "host-cgroup",
        HOST,
        `cgroup v${h.cgroupVersion}`,
        `DMS expects the cgroup v2 unified hierarchy (kernel 5.2+, systemd 244+); boot with systemd.unified_cgroup_hierarchy=1 or upgrade the host (${DOCTOR_DOCS.compatibility}).`,
      ),
    );
  else out.push(pass("host-cgroup", HOST, "cgroup v2"));
  // Engine product and version.
  if (h.serverVersion === undefined) {
    out.push(skip("host-docker-version", HOST, "the engine did not report a version"));
  } else {
    const old = h.engine !== "podman" && versionBelow(h.serverVersion, "23");
    const proxyOff = h.userlandProxy !== undefined && !h.userlandProxy.on;
    const what = `${h.engine === "podman" ? "Podman" : "Docker Engine"} ${h.serverVersion}`;
    if (old && (h.ipv6 === true || proxyOff))
      out.push(
        fail(
          "host-docker-version",
          HOST,
          `${what} is older than 23${h.ipv6 === true ? " and IPv6 is on" : ""}${proxyOff ? " and userland-proxy is off" : ""}`,
          `Use Docker Engine 23 or newer: before it, IPv6 support had networking bugs and changing userland-proxy did not reliably remove NAT rules (${DOCTOR_DOCS.compatibility}).`,
        ),
      );
    else out.push(pass("host-docker-version", HOST, what));
  }
  if (h.engine === "podman")
    out.push(
      fail(
        "host-container-runtime",
        HOST,
        "Podman answers the Docker API",
        `Podman differs from Docker in networking (IPv6, the client IP) and DMS documents Docker first; check the known differences (${DOCTOR_DOCS.compatibility}).`,
      ),
    );
  else if (h.engine === "docker") out.push(pass("host-container-runtime", HOST, "Docker Engine"));
  else out.push(skip("host-container-runtime", HOST, "the engine did not say what it is"));
  if (h.rootless === true)
    out.push(
      fail(
        "host-rootless",
        HOST,
        "the engine runs rootless",
        `Rootless containers need cgroup v2, and the port driver decides whether DMS sees client IPs (Fail2ban bans the wrong address otherwise): use the slirp4netns port driver or bind ports to an interface (${DOCTOR_DOCS.rootless}, ${DOCTOR_DOCS.compatibility}).`,
      ),
    );
  else if (h.rootless === false) out.push(pass("host-rootless", HOST, "rootful engine"));
  else out.push(skip("host-rootless", HOST, "the engine did not report its security options"));
  // userland-proxy: the process that hides client IPs for the connections it carries.
  if (h.userlandProxy === undefined)
    out.push(skip("host-userland-proxy", HOST, `the daemon's settings are ${remoteNote}`));
  else if (h.userlandProxy.on)
    out.push(
      fail(
        "host-userland-proxy",
        HOST,
        `userland-proxy is on (${h.userlandProxy.source})`,
        `Connections carried by docker-proxy (host-local ones, and IPv6 clients of a container without IPv6) reach Postfix from the network's gateway address, which breaks SPF checks and makes Fail2ban ban the gateway: give the container IPv6 with ip6tables, or set "userland-proxy": false in /etc/docker/daemon.json on Docker 23+ and restart Docker (${DOCTOR_DOCS.ipv6}, ${DOCTOR_DOCS.compatibility}).`,
      ),
    );
  else
    out.push(
      pass("host-userland-proxy", HOST, `userland-proxy is off (${h.userlandProxy.source})`),
    );
  // IPv6 without ip6tables: IPv6 clients are proxied.
  if (h.ipv6 === undefined) out.push(skip("host-ipv6", HOST, `IPv6 settings are ${remoteNote}`));
  else if (h.ipv6 && h.ip6tables === undefined)
    // ip6tables' default changed with Docker 27: without the version, "not set" could be off.
    out.push(
      skip(
        "host-ipv6",
        HOST,
        "IPv6 is on and ip6tables is not set: its default (on since Docker 27) depends on the engine's version, which was not read",
      ),
    );
  else if (h.ipv6 && h.ip6tables === false)
    out.push(
      fail(
        "host-ipv6",
        HOST,
        "IPv6 is on but ip6tables is off",
        `Without ip6tables Docker has no IPv6 NAT and IPv6 clients reach DMS through docker-proxy from a gateway address: set "ip6tables": true (and "experimental": true before Docker 27) in daemon.json and restart Docker (${DOCTOR_DOCS.ipv6}).`,
      ),
    );
  else
    out.push(
      pass(
        "host-ipv6",
        HOST,
        h.ipv6
          ? "IPv6 on, ip6tables on"
          : `IPv6 off on the daemon${h.ipv6Networks === true ? " and the container's networks" : ""}`,
      ),
    );
  // nftables in the kernel, and the iptables backend Docker's rules go through.
  if (h.nfTables === undefined)
    out.push(skip("host-nftables", HOST, `the kernel's modules are ${remoteNote}`));
  else if (!h.nfTables)
    out.push(
      fail(
        "host-nftables",
        HOST,
        `the kernel has no nf_tables${h.iptablesBackend ? `; iptables is ${h.iptablesBackend}` : ""}`,
        `DMS expects nftables support in the host kernel for Fail2ban, and Docker reaches nftables through the iptables shims: load nf_tables (modprobe nf_tables) or use a kernel with it (${DOCTOR_DOCS.compatibility}).`,
      ),
    );
  else
    out.push(
      pass(
        "host-nftables",
        HOST,
        `nf_tables in the kernel${h.iptablesBackend ? `; iptables is ${h.iptablesBackend}` : ""}`,
      ),
    );
  // Firewall frontends are bypassed by published ports.
  if (h.firewalls === undefined)
    out.push(skip("host-firewall-frontend", HOST, `firewalls are ${remoteNote}`));
  else {
    const active = h.firewalls.filter((f) => f.active).map((f) => f.name);
    if (active.length > 0)
      out.push(
        fail(
          "host-firewall-frontend",
          HOST,
          `${active.join(" and ")} active`,
          `Ports Docker publishes bypass ${active.join(" and ")} (Docker writes its own NAT rules, with no integration between the two): restrict them with bindAddresses or the DOCKER-USER chain, not with ${active.join("/")} rules (${DOCTOR_DOCS.compatibility}).`,
        ),
      );
    else
      out.push(
        pass(
          "host-firewall-frontend",
          HOST,
          h.firewalls.length === 0
            ? "no ufw or firewalld active"
            : `no ufw or firewalld active (${h.firewalls.map((f) => f.name).join(", ")} installed)`,
        ),
      );
  }
  return out;
}

function containerChecks(c: ContainerFacts, host: HostFacts): Check[] {
  const out: Check[] = [];
  const who = c.name;
  if (!c.running) {
    for (const id of [
      "container-services",
      "container-mail-log",
      "container-fail2ban",
      "container-client-ip",
    ] as const)
      out.push(skip(id, who, "the container is not running"));
    return out;
  }
  if (c.supervisor === undefined)
    out.push(skip("container-services", who, "supervisorctl status gave no output"));
  else {
    const entries = parseSupervisorStatus(c.supervisor);
    const bad = entries.filter((e) => !SUPERVISOR_OK.has(e.state));
    if (entries.length === 0)
      out.push(
        skip(
          "container-services",
          who,
          `supervisorctl status listed no service: ${c.supervisor.trim().split("\n")[0]}`,
        ),
      );
    else if (bad.length > 0)
      out.push(
        fail(
          "container-services",
          who,
          bad.map((e) => `${e.name} ${e.state}${e.detail ? ` (${e.detail})` : ""}`).join("; "),
          `Read the failing service's log in the container (/var/log/supervisor/<service>.log, /var/log/mail/<service>.log) and restart the container with LOG_LEVEL=debug for startup problems (${DOCTOR_DOCS.logs}, ${DOCTOR_DOCS.debugging}).`,
        ),
      );
    else
      out.push(
        pass(
          "container-services",
          who,
          `${entries.filter((e) => e.state === "RUNNING").length} services RUNNING, none failed`,
        ),
      );
  }
  if (c.mailLog === undefined)
    out.push(skip("container-mail-log", who, "/var/log/mail/mail.log could not be read"));
  else {
    const problems = mailLogProblems(c.mailLog);
    if (problems.length > 0)
      out.push(
        fail(
          "container-mail-log",
          who,
          `${problems.length} recent error/warning line(s) in /var/log/mail/mail.log, last: ${problems[problems.length - 1]!}`,
          `Search for the error text among docker-mailserver's issues and the FAQ; raise LOG_LEVEL to debug for more detail (${DOCTOR_DOCS.debugging}, ${DOCTOR_DOCS.faq}).`,
        ),
      );
    else
      out.push(
        pass("container-mail-log", who, "no recent error or warning in /var/log/mail/mail.log"),
      );
  }
  if (c.fail2ban === undefined)
    out.push(skip("container-fail2ban", who, "fail2ban-client could not be asked"));
  else if (c.fail2ban === "off") {
    // supervisord starts fail2ban only when ENABLE_FAIL2BAN=1: then no answer is a broken Fail2ban.
    const f2b = parseSupervisorStatus(c.supervisor ?? "").find((e) => e.name === "fail2ban");
    if (f2b !== undefined && f2b.state !== "STOPPED") {
      const reason = fail2banStartError(c.fail2banLog ?? "");
      const missingLog = reason === undefined ? undefined : /for (\S+) jail/.exec(reason)?.[1];
      out.push(
        fail(
          "container-fail2ban",
          who,
          `Fail2ban is enabled (supervisord: ${f2b.state}${f2b.detail ? `, ${f2b.detail}` : ""}) but fail2ban-client gets no answer${reason ? `: ${reason}` : ""}`,
          missingLog !== undefined
            ? `A jail enabled without its log file stops Fail2ban at every start. DMS runs no ${missingLog} service${missingLog === "sshd" ? " (Debian's fail2ban package enables the sshd jail in jail.d/defaults-debian.conf)" : ""}: turn the jail off: "[${missingLog}]" then "enabled = false" in DMS's fail2ban-jail.cf, or in a jail.d/*.local file written by user-patches.sh (${DOCTOR_DOCS.fail2banConfig}).`
            : `Fail2ban keeps failing to start: read /var/log/supervisor/fail2ban.log in the container for the reason (a jail without a log file, or missing nftables support on the host) (${DOCTOR_DOCS.logs}, ${DOCTOR_DOCS.fail2ban}).`,
        ),
      );
    } else out.push(skip("container-fail2ban", who, "Fail2ban does not run"));
  } else {
    const banned = c.fail2ban.flatMap((j) => j.banned.map((ip) => `${ip} (${j.jail})`));
    if (banned.length > 0)
      out.push(
        fail(
          "container-fail2ban",
          who,
          `banned: ${banned.join(", ")}`,
          `If a user is locked out, lift the ban with \`dmsctl unban IP\` (runs \`setup fail2ban unban IP\` in the container); a ban of a Docker gateway address means client IPs are hidden (see container-client-ip) (${DOCTOR_DOCS.fail2ban}).`,
        ),
      );
    else out.push(pass("container-fail2ban", who, `no bans in ${c.fail2ban.length} jail(s)`));
  }
  out.push(clientIpCheck(c, host));
  return out;
}

function clientIpCheck(c: ContainerFacts, host: HostFacts): Check {
  const who = c.name;
  if (c.networkMode === "host")
    return pass(
      "container-client-ip",
      who,
      "host networking: Postfix sees every client's own address",
    );
  const probes = c.clientIp ?? [];
  if (probes.length === 0)
    return skip(
      "container-client-ip",
      who,
      "no test connection: port 25 is not published on this host",
    );
  const gateways = new Set(c.gateways ?? []);
  const proxyOn = host.userlandProxy?.on === true;
  const hidden: string[] = [];
  const real: string[] = [];
  const other: string[] = [];
  for (const p of probes) {
    if (p.error !== undefined) {
      other.push(`${p.path} ${p.target}: ${p.error}`);
      continue;
    }
    const seen = p.seen.map(addressOf);
    const want = p.from === undefined ? undefined : addressOf(p.from);
    if (want !== undefined && seen.includes(want)) real.push(`${p.path} ${want}`);
    else if (seen.some((s) => gateways.has(s))) {
      const gw = seen.find((s) => gateways.has(s))!;
      // Loopback through NAT hairpinning (userland-proxy off) also shows the gateway, by design.
      if (p.path === "loopback" && !proxyOn)
        real.push(`${p.path} via NAT hairpin (${gw}, expected)`);
      else hidden.push(`${p.path} ${p.target} from ${want ?? "?"} arrived from gateway ${gw}`);
    } else other.push(`${p.path} ${p.target}: Postfix saw ${seen.join(", ") || "no connection"}`);
  }
  if (hidden.length > 0)
    return fail(
      "container-client-ip",
      who,
      `Postfix sees a Docker gateway instead of the client: ${hidden.join("; ")}`,
      `The connection went through docker-proxy (userland-proxy), so SPF checks and Fail2ban see the gateway, not the client: give the container IPv6 with ip6tables, or set "userland-proxy": false (Docker 23+), or run DMS with host networking (${DOCTOR_DOCS.ipv6}, ${DOCTOR_DOCS.compatibility}).`,
    );
  if (real.length > 0)
    return pass(
      "container-client-ip",
      who,
      `Postfix sees the real client: ${[...real, ...other].join("; ")}`,
    );
  return skip("container-client-ip", who, other.join("; "));
}

/** The checks of `dmsctl doctor` from the gathered facts. */
export function doctorChecks(facts: DoctorFacts): Check[] {
  return [
    ...hostChecks(facts.host),
    ...(facts.container ? containerChecks(facts.container, facts.host) : []),
  ];
}

/** An IPv4 or IPv6 address that `setup fail2ban unban` may be given (no CIDR, no names). */
export function isUnbannableIp(ip: string): boolean {
  return isIP(ip) !== 0 && !ip.includes("%");
}

/** The line prefix of the host probe's output. */
export const HOST_PROBE_PREFIX = "DMS-DOCTOR";

/**
 * The host directories `HostCheck` mounts read-only into its probe (with `hostAccess`), and
 * where: the daemon's configuration directory (for daemon.json) and ufw's (for ufw.conf). Whole
 * directories, never the files: Docker creates a missing bind source as a directory, and a
 * directory at /etc/docker/daemon.json would stop dockerd from starting.
 */
export const HOST_PROBE_MOUNTS = [
  { hostPath: "/etc/docker", containerPath: "/dms-host/etc/docker" },
  { hostPath: "/etc/ufw", containerPath: "/dms-host/etc/ufw" },
] as const;

const [DOCKER_DIR, UFW_DIR] = HOST_PROBE_MOUNTS.map((m) => m.containerPath);

/**
 * A POSIX sh script printing what a container can tell about its host, one `DMS-DOCTOR key
 * value` line per fact and nothing else (stderr is discarded, no file is printed whole):
 * - always: the kernel (`uname -r`: shared with the host), the filesystem type of
 *   `/sys/fs/cgroup` (`cgroup2fs` on cgroup v2), the container's `/proc/self/uid_map` (a rootless
 *   engine maps root to an unprivileged user), which engine marked the container
 *   (`/run/.containerenv` is Podman's, `/.dockerenv` Docker's), and whether the kernel has
 *   nf_tables (`/proc/modules`, `/sys/module`, the symbols of `/proc/kallsyms`, `/proc/config.gz`:
 *   all kernel-wide, not per container);
 * - in the host's PID namespace (`pidMode: host`): how many `docker-proxy`, `firewalld` and
 *   `dockerd` processes run, and of dockerd's arguments only `--userland-proxy`, `--ipv6`,
 *   `--ip6tables` and whether `--config-file` names another file;
 * - with the directories of {@link HOST_PROBE_MOUNTS}: whether daemon.json exists and only its
 *   `userland-proxy`, `ipv6` and `ip6tables` booleans (daemon.json may also hold proxies and
 *   registry settings, which never reach the output), and ufw.conf's `ENABLED` word.
 */
export const HOST_PROBE_SCRIPT = [
  "exec 2>/dev/null",
  `P='${HOST_PROBE_PREFIX}'`,
  `say() { printf '%s %s\\n' "$P" "$*"; }`,
  `say kernel "$(uname -r)"`,
  `say cgroupfs "$(stat -fc %T /sys/fs/cgroup)"`,
  `while read -r a b c; do say uidmap "$a" "$b" "$c"; done < /proc/self/uid_map`,
  `if [ -e /run/.containerenv ]; then say engine podman; elif [ -e /.dockerenv ]; then say engine docker; else say engine unknown; fi`,
  `if [ -e /proc/modules ]; then say modules yes; else say modules no; fi`,
  // A loaded module is in /proc/modules and /sys/module; a built-in one only in the symbols.
  `if grep -q '^nf_tables ' /proc/modules || [ -d /sys/module/nf_tables ]; then say nft-loaded yes`,
  `elif [ -n "$(head -n 1 /proc/kallsyms)" ]; then`,
  `  if grep -q ' nf_tables_' /proc/kallsyms; then say nft-loaded yes; else say nft-loaded no; fi`,
  `else say nft-loaded unknown; fi`,
  `c=$(gzip -dc /proc/config.gz | grep -E '^(CONFIG_NF_TABLES=|# CONFIG_NF_TABLES is not set)')`,
  `case "$c" in CONFIG_NF_TABLES=y) say nft-config y;; CONFIG_NF_TABLES=m) say nft-config m;; '# CONFIG_NF_TABLES is not set') say nft-config n;; esac`,
  // In its own PID namespace the script is process 1 and sees no host process.
  `if [ "$$" = 1 ]; then say pidns private; else`,
  `  say pidns host; dp=0; fw=0; dd=0; dpid=`,
  `  for d in /proc/[0-9]*; do`,
  `    read -r n < "$d/comm" || continue`,
  `    case "$n" in docker-proxy) dp=$((dp+1));; firewalld) fw=$((fw+1));; dockerd) dd=$((dd+1)); dpid=\${d#/proc/};; esac`,
  `  done`,
  `  say docker-proxy "$dp"; say firewalld "$fw"; say dockerd "$dd"`,
  `  if [ "$dd" = 1 ] && args=$(tr '\\0' '\\n' < "/proc/$dpid/cmdline"); then`,
  `    say dockerd-args read`,
  `    printf '%s\\n' "$args" | while IFS= read -r a; do`,
  `      case "$a" in`,
  `        --userland-proxy|--userland-proxy=*|--ipv6|--ipv6=*|--ip6tables|--ip6tables=*) say dockerd-flag "$a";;`,
  `        --config-file=/etc/docker/daemon.json) ;;`,
  `        --config-file|--config-file=*) say dockerd-config-file other;;`,
  `      esac`,
  `    done`,
  `  fi`,
  `fi`,
  `D=${DOCKER_DIR}`,
  `if [ ! -d "$D" ]; then say daemon-json unmounted`,
  `elif [ ! -e "$D/daemon.json" ]; then say daemon-json absent`,
  `elif ! j=$(tr -d ' \\t\\r\\n' < "$D/daemon.json"); then say daemon-json unreadable`,
  `else`,
  `  say daemon-json present`,
  `  printf '%s\\n' "$j" | grep -oE '"(userland-proxy|ipv6|ip6tables)":(true|false)' | while IFS= read -r kv; do say daemon-json-key "$kv"; done`,
  `fi`,
  `U=${UFW_DIR}`,
  `if [ ! -d "$U" ]; then say ufw unmounted`,
  `elif [ ! -e "$U/ufw.conf" ]; then say ufw absent`,
  `else say ufw enabled "$(sed -n 's/^[[:space:]]*ENABLED=[^A-Za-z]*\\([A-Za-z]*\\).*/\\1/p' "$U/ufw.conf" | tail -n 1)"; fi`,
].join("\n");

/**
 * The daemon's settings as read: dockerd's arguments and its daemon.json (`{}` when the file does
 * not exist). `undefined` means "could not be read"; a setting that neither names is then
 * unknown instead of Docker's default.
 */
export interface DaemonSettings {
  readonly flags?: readonly string[];
  readonly json?: Readonly<Record<string, unknown>>;
}

/** The false spellings of Go's `strconv.ParseBool`, which dockerd's `--flag=VALUE` goes through. */
const GO_FALSE = /^(0|f|F|false|FALSE|False)$/;

/** A boolean daemon setting: the flag wins over daemon.json; undefined when neither sets it. */
export function daemonSetting(
  d: DaemonSettings,
  key: string,
): { on: boolean; source: string } | undefined {
  const flag = d.flags?.find((f) => f === `--${key}` || f.startsWith(`--${key}=`));
  if (flag !== undefined)
    return { on: !GO_FALSE.test(flag.slice(key.length + 3)), source: `dockerd ${flag}` };
  const v = d.json?.[key];
  if (typeof v === "boolean") return { on: v, source: "daemon.json" };
  return undefined;
}

/**
 * `userland-proxy`, `ipv6` and `ip6tables` of the daemon: a flag, else daemon.json, else Docker's
 * default when both were read (`ip6tables` is on by default since Docker 27, so its default
 * needs `serverVersion`). Used by `dmsctl doctor` and by `HostCheck`'s probe alike.
 */
export function daemonNetworkFacts(
  d: DaemonSettings,
  serverVersion?: string,
): Pick<HostFacts, "userlandProxy" | "ipv6" | "ip6tables"> {
  const known = d.flags !== undefined && d.json !== undefined;
  const userlandProxy =
    daemonSetting(d, "userland-proxy") ??
    (known ? { on: true, source: "Docker's default" } : undefined);
  const ipv6 = daemonSetting(d, "ipv6")?.on ?? (known ? false : undefined);
  const ip6tables =
    daemonSetting(d, "ip6tables")?.on ??
    (known && serverVersion !== undefined ? !versionBelow(serverVersion, "27") : undefined);
  return {
    ...(userlandProxy !== undefined ? { userlandProxy } : {}),
    ...(ipv6 !== undefined ? { ipv6 } : {}),
    ...(ip6tables !== undefined ? { ip6tables } : {}),
  };
}

/** Why HostCheck's skipped checks are skipped (`HostFacts.remote`). */
const PROBE_BLIND =
  "not visible to HostCheck's probe container; run `dmsctl doctor` on the Docker host";

/**
 * Whether the container's root is a rootless engine's user: rootlesskit and rootless Podman map
 * root to the one unprivileged user that runs the engine (`0 1000 1`, then the subordinate IDs).
 * The identity map (`0 0 4294967295`) is a rootful engine, and so is one range starting at a
 * subordinate ID (`0 165536 65536`, dockerd's `userns-remap`).
 */
export function rootlessFromUidMap(lines: readonly string[]): boolean | undefined {
  const first = lines[0]?.split(/\s+/).map(Number);
  if (first === undefined || first.length !== 3 || first.some((n) => !Number.isInteger(n)))
    return undefined;
  const [inside, outside, count] = first as [number, number, number];
  return inside === 0 && outside !== 0 && count === 1;
}

/** The host facts in the probe's output ({@link HOST_PROBE_SCRIPT}); what it could not see is absent. */
export function hostFactsFromProbe(logs: string): HostFacts {
  // From the prefix on: a log stream read without a TTY puts Docker's frame header before it.
  const lines = logs.split("\n").flatMap((l) => {
    const at = l.indexOf(`${HOST_PROBE_PREFIX} `);
    return at < 0 ? [] : [l.slice(at + HOST_PROBE_PREFIX.length + 1).trim()];
  });
  const all = (key: string) =>
    lines.filter((l) => l.startsWith(`${key} `)).map((l) => l.slice(key.length + 1).trim());
  const value = (key: string): string | undefined => {
    const v = all(key)[0];
    return v === undefined || v === "" ? undefined : v;
  };
  const count = (key: string) => {
    const v = value(key);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const kernel = value("kernel");
  const fs = value("cgroupfs");
  const marker = value("engine");
  const engine = marker === "podman" || marker === "docker" ? marker : undefined;
  const rootless = rootlessFromUidMap(all("uidmap"));
  // nf_tables: loaded or built in, or configured as y/m; absent when the kernel cannot load
  // modules and has none of its symbols, or its config says "not set".
  const loaded = value("nft-loaded");
  const config = value("nft-config");
  const nfTables =
    loaded === "yes" || config === "y" || config === "m"
      ? true
      : config === "n" || (loaded === "no" && value("modules") === "no")
        ? false
        : undefined;
  // Processes, in the host's PID namespace only.
  const hostPids = value("pidns") === "host";
  const proxies = hostPids ? count("docker-proxy") : undefined;
  const firewalld = hostPids ? count("firewalld") : undefined;
  const dockerdRead = hostPids && count("dockerd") === 1 && value("dockerd-args") === "read";
  // Only rootful Docker reads /etc/docker/daemon.json (rootless dockerd reads the user's own).
  const docker = engine === "docker" && rootless === false;
  const ownConfig = value("dockerd-config-file") === undefined;
  const jsonState = value("daemon-json");
  let json: Record<string, unknown> | undefined;
  if (docker && ownConfig && (jsonState === "absent" || jsonState === "present")) {
    json = {};
    for (const kv of all("daemon-json-key")) {
      const m = /^"(userland-proxy|ipv6|ip6tables)":(true|false)$/.exec(kv);
      if (m) json[m[1]!] = m[2] === "true";
    }
  }
  const settings: DaemonSettings = {
    ...(docker && dockerdRead ? { flags: all("dockerd-flag") } : {}),
    ...(json !== undefined ? { json } : {}),
  };
  const net = daemonNetworkFacts(settings);
  // A running docker-proxy is the proxy in use, whatever the settings could not say.
  const userlandProxy =
    daemonSetting(settings, "userland-proxy") ??
    (proxies !== undefined && proxies > 0
      ? { on: true, source: `${proxies} docker-proxy process(es) on the host` }
      : net.userlandProxy);
  // Firewalls: ufw.conf's ENABLED (ufw has no daemon), a running firewalld.
  const ufw = value("ufw");
  const ufwEntry =
    ufw === "absent"
      ? []
      : ufw?.startsWith("enabled")
        ? [{ name: "ufw" as const, active: /^enabled yes$/i.test(ufw) }]
        : undefined;
  const fwdEntry =
    firewalld === undefined
      ? undefined
      : firewalld > 0
        ? [{ name: "firewalld" as const, active: true }]
        : [];
  const known = [...(ufwEntry ?? []), ...(fwdEntry ?? [])];
  const firewalls =
    ufwEntry !== undefined && fwdEntry !== undefined
      ? known
      : known.some((f) => f.active)
        ? known
        : undefined;
  return {
    ...(kernel !== undefined ? { kernel } : {}),
    ...(fs !== undefined ? { cgroupVersion: fs === "cgroup2fs" ? "2" : "1" } : {}),
    ...(engine !== undefined ? { engine } : {}),
    ...(rootless !== undefined ? { rootless } : {}),
    ...(userlandProxy !== undefined ? { userlandProxy } : {}),
    ...(net.ipv6 !== undefined ? { ipv6: net.ipv6 } : {}),
    ...(net.ip6tables !== undefined ? { ip6tables: net.ip6tables } : {}),
    ...(nfTables !== undefined ? { nfTables } : {}),
    ...(firewalls !== undefined ? { firewalls } : {}),
    remote: PROBE_BLIND,
  };
}

/**
 * The checks `HostCheck` runs: every host check of `dmsctl doctor` but `host-docker-version`,
 * which needs the engine's version, and only the Docker API tells it (the probe has no socket).
 */
export const HOST_CHECK_IDS = [
  "host-kernel",
  "host-cgroup",
  "host-container-runtime",
  "host-rootless",
  "host-userland-proxy",
  "host-ipv6",
  "host-nftables",
  "host-firewall-frontend",
] as const satisfies readonly CheckId[];

/** The {@link HOST_CHECK_IDS} checks of the host probe's output, by `doctorChecks` itself. */
export function hostCheckFromLogs(logs: string): Check[] {
  const ids = new Set<string>(HOST_CHECK_IDS);
  return doctorChecks({ host: hostFactsFromProbe(logs) }).filter((c) => ids.has(c.id));
}
