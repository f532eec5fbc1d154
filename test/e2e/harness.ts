/**
 * The harness of the end-to-end suite: the real docker-mailserver image, a resolver for it, and
 * the bounded waits a test needs around a real container.
 *
 * The image comes from `DMS_IMAGE` first; else it is built from `../shared/dms` (beside the project
 * root: the upstream source of each release and its offline `build-image.sh`); else the pinned tags
 * are pulled from the registry, as a user would. Under `CI=true` no image is a failure, never a
 * skip. DMS runs with host networking, so every connection stays on loopback and it binds the real
 * mail ports: one DMS container at a time, which is why every case lives in one test file.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Resolver } from "node:dns/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startBind, type BindServer } from "../servers/bind";
import { docker, ensureDocker } from "../servers/docker";
import { setTimeout as sleep } from "node:timers/promises";

/** The project root (the folder holding package.json). */
export const ROOT = join(__dirname, "..", "..");

/** Where CI keeps the upstream DMS source and its offline image build, beside the project root. */
export const SHARED_DMS = join(ROOT, "..", "shared", "dms");

/** The releases the suite covers: the pinned default (Dovecot 2.3) and the development line (2.4). */
export const RELEASES = ["15.1.0", "master"] as const;

/** What a user with a registry pulls for each release (`edge` is the published master). */
const REGISTRY_TAGS: Record<string, string> = {
  "15.1.0": "ghcr.io/docker-mailserver/docker-mailserver:15.1.0",
  master: "ghcr.io/docker-mailserver/docker-mailserver:edge",
};

/** One image under test. */
export interface DmsImage {
  /** `15.1.0` or `master` (or the tag given in `DMS_IMAGE`). */
  readonly release: string;
  readonly image: string;
}

function fail(why: string): { skip: string } {
  if (process.env.CI === "true") throw new Error(`${why}; the e2e suite requires it under CI=true`);
  return { skip: why };
}

/**
 * The images to test, or why there are none (outside CI only).
 *
 * `DMS_IMAGE` is a comma-separated list of `image` or `release=image` entries, e.g.
 * `15.1.0=local/dms:15.1.0,master=local/dms:master`; a bare image is named by its tag.
 */
export async function dmsImages(): Promise<DmsImage[] | { skip: string }> {
  if (!(await ensureDocker())) return fail("no Docker engine");
  const given = process.env.DMS_IMAGE?.trim();
  if (given) {
    return given.split(",").map((entry) => {
      const eq = entry.indexOf("=");
      const image = (eq >= 0 ? entry.slice(eq + 1) : entry).trim();
      const release = eq >= 0 ? entry.slice(0, eq).trim() : (image.split(":").pop() ?? image);
      docker(["image", "inspect", image]);
      return { release, image };
    });
  }
  const build = join(SHARED_DMS, "build-image.sh");
  if (existsSync(build)) {
    return RELEASES.map((release) => {
      // Seconds when the layer cache has it; 3-8 minutes for a first build.
      const r = spawnSync("bash", [build, release], {
        encoding: "utf8",
        timeout: 30 * 60 * 1000,
        maxBuffer: 256 * 1024 * 1024,
      });
      const image = r.stdout.trim().split("\n").pop() ?? "";
      if (r.status !== 0 || image === "") {
        throw new Error(`build-image.sh ${release} exited ${r.status}:\n${r.stderr.slice(-3000)}`);
      }
      return { release, image };
    });
  }
  const pulled: DmsImage[] = [];
  for (const release of RELEASES) {
    const image = REGISTRY_TAGS[release]!;
    const r = spawnSync("docker", ["pull", image], { encoding: "utf8", timeout: 20 * 60 * 1000 });
    if (r.status !== 0) return fail(`no DMS image: DMS_IMAGE unset, no ${build}, pull failed`);
    pulled.push({ release, image });
  }
  return pulled;
}

/** The mail ports and DMS's internal ones, which a host-networked DMS binds on this machine. */
export const DMS_PORTS = [25, 110, 143, 465, 587, 993, 995, 4190, 8891, 10024, 11332, 11333, 11334];

/** What listens on `ports` on this host now (`ss` lines), for a clear error before DMS starts. */
export function portHolders(ports: readonly number[]): string[] {
  const out = spawnSync("ss", ["-Hltn"], { encoding: "utf8" }).stdout;
  return out.split("\n").filter((l) => {
    const m = /:(\d+)$/.exec(l.trim().split(/\s+/)[3] ?? "");
    return m !== null && ports.includes(Number(m[1]));
  });
}

const LOCK_DIR = join(tmpdir(), "dms-e2e.lock");

/**
 * Takes the machine-wide e2e lock (a directory holding the owner's pid): a host-networked DMS
 * binds the real mail ports, so two suites (two checkouts on one machine) must not overlap. Waits
 * at most `timeoutMs` for another live owner; takes over a lock whose owner is gone. Returns the
 * release function.
 */
export async function takeE2eLock(timeoutMs = 45 * 60 * 1000): Promise<() => void> {
  const release = () => rmSync(LOCK_DIR, { recursive: true, force: true });
  await poll(
    "the e2e lock",
    timeoutMs,
    5000,
    () => {
      try {
        mkdirSync(LOCK_DIR);
        writeFileSync(join(LOCK_DIR, "pid"), String(process.pid));
        return true;
      } catch {
        let owner = 0;
        try {
          owner = Number(readFileSync(join(LOCK_DIR, "pid"), "utf8"));
        } catch {
          // Being written right now: try again on the next round.
          return undefined;
        }
        let alive = false;
        try {
          process.kill(owner, 0);
          alive = true;
        } catch {
          alive = false;
        }
        if (!alive) release();
        return undefined;
      }
    },
    () => `held by pid ${existsSync(LOCK_DIR) ? readFileSync(join(LOCK_DIR, "pid"), "utf8") : "?"}`,
  );
  return release;
}

/**
 * Calls `probe` every `intervalMs` until it returns a value other than `undefined`, at most
 * `timeoutMs` long (so at most timeoutMs/intervalMs + 1 tries); throws `what` and the last probe's
 * explanation otherwise.
 */
export async function poll<T>(
  what: string,
  timeoutMs: number,
  intervalMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
  explain: () => string = () => "",
): Promise<T> {
  const tries = Math.ceil(timeoutMs / intervalMs) + 1;
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s\n${explain()}`);
}

/** The loopback address the container's `resolv.conf` names: port 53, off 127.0.0.1. */
export const RESOLVER_ADDRESS = "127.0.0.53";

/** A BIND on {@link RESOLVER_ADDRESS}:53 serving the plan's zones, and a resolv.conf naming it. */
export interface DmsResolver {
  readonly bind: BindServer;
  /** Host path of a `resolv.conf` to mount at `/etc/resolv.conf` in the container. */
  readonly resolvConf: string;
  /** A `dns.promises.resolve`-shaped function asking the same BIND (for mailauth). */
  readonly resolve: (name: string, rr: string) => Promise<unknown>;
  stop(): Promise<void>;
}

/** A zone for the envelope senders of inbound test mail: Postfix rejects an unknown sender domain. */
export const SENDER_DOMAIN = "sender.test";
const SENDER_ZONE = [
  `$ORIGIN ${SENDER_DOMAIN}.`,
  "$TTL 300",
  "@ SOA ns1.invalid. hostmaster.invalid. 1 3600 600 86400 300",
  "@ NS ns1.invalid.",
  "@ A 127.0.0.2",
  "",
].join("\n");

/**
 * Starts the resolver. DMS (Postfix, rspamd, OpenDKIM) reads `/etc/resolv.conf`, which cannot
 * name a port, so BIND listens on port 53 of a loopback address of its own; nothing else may hold
 * that port there (checked first, for a clear error).
 */
export async function startResolver(zones: Readonly<Record<string, string>>): Promise<DmsResolver> {
  const held = spawnSync("ss", ["-Hlntu", "sport = :53"], { encoding: "utf8" }).stdout;
  const holders = held
    .split("\n")
    .filter((l) =>
      new RegExp(
        `(${RESOLVER_ADDRESS.replace(/\./g, "\\.")}|\\*|0\\.0\\.0\\.0|\\[::\\]):53\\s`,
      ).test(l),
    );
  if (holders.length > 0) {
    throw new Error(`port 53 on ${RESOLVER_ADDRESS} is taken:\n${holders.join("\n")}`);
  }
  // named listens only on addresses an interface holds, and `lo` holds 127.0.0.1 alone: give it
  // RESOLVER_ADDRESS for the run (and take it away after, unless it was there before).
  const onLo = spawnSync("ip", ["-4", "addr", "show", "dev", "lo"], { encoding: "utf8" }).stdout;
  const added = !onLo.includes(`inet ${RESOLVER_ADDRESS}/`);
  if (added) {
    const r = spawnSync("ip", ["addr", "add", `${RESOLVER_ADDRESS}/32`, "dev", "lo"], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`ip addr add ${RESOLVER_ADDRESS}/32 dev lo: ${r.stderr}`);
  }
  const unassign = () => {
    if (added) spawnSync("ip", ["addr", "del", `${RESOLVER_ADDRESS}/32`, "dev", "lo"]);
  };
  let bind: BindServer;
  try {
    bind = await startBind({
      zones: { ...zones, [SENDER_DOMAIN]: SENDER_ZONE },
      address: RESOLVER_ADDRESS,
      port: 53,
    });
  } catch (e) {
    unassign();
    throw e;
  }
  const dir = mkdtempSync(join(tmpdir(), "dms-e2e-resolv-"));
  const resolvConf = join(dir, "resolv.conf");
  writeFileSync(resolvConf, `nameserver ${RESOLVER_ADDRESS}\noptions timeout:2 attempts:2\n`);
  const r = new Resolver({ timeout: 2000, tries: 2 });
  r.setServers([RESOLVER_ADDRESS]);
  return {
    bind,
    resolvConf,
    resolve: (name, rr) => r.resolve(name, rr),
    async stop() {
      await bind.stop();
      unassign();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `docker exec <container> argv...`: stdout, or throws with stderr. */
export function exec(container: string, argv: readonly string[]): string {
  return docker(["exec", container, ...argv]);
}

/** `docker exec`, returning the exit status too (for commands that may fail). */
export function tryExec(
  container: string,
  argv: readonly string[],
): { status: number; out: string } {
  const r = spawnSync("docker", ["exec", container, ...argv], {
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** The container's log (`docker logs`, stdout and stderr). */
export function containerLog(container: string): string {
  const r = spawnSync("docker", ["logs", container], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  return `${r.stdout}${r.stderr}`;
}

/** Postfix/Dovecot's `mail.log` inside the container. */
export function mailLog(container: string): string {
  return tryExec(container, ["cat", "/var/log/mail/mail.log"]).out;
}

/** The container's health status, or `none` without a healthcheck. */
export function health(container: string): string {
  return docker([
    "inspect",
    "--format",
    "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}",
    container,
  ]).trim();
}

/** The container's running state (`running`, `exited`, `restarting`, ...). */
export function state(container: string): string {
  return docker(["inspect", "--format", "{{.State.Status}}", container]).trim();
}

/** Waits for `healthy` (at most `timeoutMs`); returns the seconds since `since`. */
/**
 * DMS's own shutdown after a failed setup step (its `ERROR ... Shutting down` line, after the
 * reason), as the log's error lines up to it; `undefined` while there is none. A container with a
 * restart policy starts again and would only time out, so the waits stop at the first one.
 */
export function dmsShutdown(container: string): string | undefined {
  const lines = containerLog(container).split("\n");
  const end = lines.findIndex((l) => /ERROR.*: Shutting down\s*$/.test(l));
  if (end < 0) return undefined;
  return lines
    .slice(0, end + 1)
    .filter((l) => /ERROR/.test(l))
    .slice(-4)
    .join("\n");
}

function throwIfShutDown(container: string): void {
  const why = dmsShutdown(container);
  if (why !== undefined) throw new Error(`${container}: DMS shut itself down:\n${why}`);
}

export async function waitHealthy(
  container: string,
  since: number,
  // Generous: on two shared cores under load DMS took almost 4 minutes to start Postfix.
  timeoutMs = 600_000,
): Promise<number> {
  await poll(
    `${container} healthy`,
    timeoutMs,
    1000,
    () => {
      throwIfShutDown(container);
      return health(container) === "healthy" ? true : undefined;
    },
    () =>
      `health ${health(container)}, state ${state(container)}\n${containerLog(container).slice(-4000)}`,
  );
  return (Date.now() - since) / 1000;
}

/** The TCP ports something listens on in the container's network (the host's, here). */
export function listeningPorts(container: string): Set<number> {
  const out = tryExec(container, ["ss", "-Hltn"]).out;
  const ports = new Set<number>();
  for (const line of out.split("\n")) {
    const local = line.trim().split(/\s+/)[3];
    const m = local === undefined ? null : /:(\d+)$/.exec(local);
    if (m) ports.add(Number(m[1]));
  }
  return ports;
}

/**
 * Waits until DMS said it is up and every port in `ports` listens. Include the DKIM signer's port
 * (rspamd's milter 11332, OpenDKIM 8891): it listens 15-30 s after "is up and running", and mail
 * submitted before that leaves unsigned. Asked with `ss` in the container, not by connecting:
 * each connection to Postfix before the milter listens logs a warning of its own.
 */
export async function waitListening(
  container: string,
  ports: readonly number[],
  timeoutMs = 600_000,
): Promise<void> {
  await poll(
    `${container} listening on ${ports.join(", ")}`,
    timeoutMs,
    1000,
    () => {
      throwIfShutDown(container);
      const s = state(container);
      if (s !== "running") {
        throw new Error(`${container} is ${s}:\n${containerLog(container).slice(-4000)}`);
      }
      if (!/is up and running/.test(containerLog(container))) return undefined;
      const open = listeningPorts(container);
      return ports.every((p) => open.has(p)) ? true : undefined;
    },
    () =>
      `listening: ${[...listeningPorts(container)].sort((a, b) => a - b).join(" ")}\n${containerLog(container).slice(-4000)}`,
  );
}

/** A message in a Maildir (`new/` or `cur/`), not Dovecot's index or cache, which quote headers. */
function isMessageFile(path: string): boolean {
  return /^\/var\/mail\/.*\/(?:new|cur)\/[^/]+$/.test(path);
}

/** The Maildir files of `address` (under /var/mail/<domain>/<local>/) that contain `token`. */
export function mailFilesWith(container: string, address: string, token: string): string[] {
  const [local, domain] = address.split("@") as [string, string];
  const r = tryExec(container, ["grep", "-rlF", token, `/var/mail/${domain}/${local}/`]);
  return r.status === 0 ? r.out.trim().split("\n").filter(isMessageFile) : [];
}

/** Every Maildir file of any mailbox that contains `token`. */
export function anyMailWith(container: string, token: string): string[] {
  const r = tryExec(container, ["grep", "-rlF", token, "/var/mail/"]);
  return r.status === 0 ? r.out.trim().split("\n").filter(isMessageFile) : [];
}

/** Waits (at most 60 s) for a message with `token` in `address`'s mailbox; returns its text. */
export async function waitDelivered(
  container: string,
  address: string,
  token: string,
  timeoutMs = 60_000,
): Promise<string> {
  const file = await poll(
    `a message ${token} in ${address}'s mailbox`,
    timeoutMs,
    500,
    () => mailFilesWith(container, address, token)[0],
    () => mailLog(container).slice(-4000),
  );
  return exec(container, ["cat", file]);
}

/** A message with a unique token in its subject and body, CRLF line ends. */
export function message(from: string, to: string, token: string, extra = ""): string {
  return [
    `From: <${from}>`,
    `To: <${to}>`,
    `Subject: e2e ${token}`,
    `Message-ID: <${token}@e2e.test>`,
    "Date: Mon, 30 Nov 2026 08:00:00 +0000",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    `token ${token}`,
    extra,
    "",
  ].join("\r\n");
}

/** A token unique within the run, usable in addresses and subjects. */
export function token(label: string): string {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Removes a container if it exists (ours: every name the suite uses starts with `dms-e2e`). */
export function removeContainer(name: string): void {
  spawnSync("docker", ["rm", "-f", "-v", name], { stdio: "ignore", timeout: 120_000 });
}

export { sleep };

/** A SHA512-CRYPT hash of `password` by the image's own `doveadm pw`, for `postfix-accounts.cf`. */
export function doveadmHash(image: string, password: string): string {
  return docker([
    "run",
    "--rm",
    "--entrypoint",
    "doveadm",
    image,
    "pw",
    "-s",
    "SHA512-CRYPT",
    "-p",
    password,
  ]).trim();
}

/**
 * `docker run -d` of a lean docker-mailserver for the tests that need a running server but not its
 * content filters: hostname `mail.example.com`, `cfg` mounted as the config folder, the update
 * check, rspamd, Amavis, ClamAV and SpamAssassin off (it is healthy sooner). `extra` goes before
 * the image: ports, capabilities, more env. Returns the container id.
 */
export function runLeanDms(
  name: string,
  cfg: string,
  image: string,
  extra: readonly string[] = [],
): string {
  const off = ["UPDATE_CHECK", "RSPAMD", "AMAVIS", "CLAMAV", "SPAMASSASSIN"];
  return docker([
    "run",
    "-d",
    "--name",
    name,
    "--hostname",
    "mail.example.com",
    ...extra,
    ...off.flatMap((f) => ["-e", `ENABLE_${f}=0`]),
    "-v",
    `${cfg}:/tmp/docker-mailserver`,
    image,
  ]).trim();
}
