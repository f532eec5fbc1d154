/**
 * A real Docker engine for tests: Debian's `docker.io` (`dockerd` 20.10), started by the harness
 * when no daemon answers, as BIND is. No registry is reachable here, so images are made locally
 * (`docker import`, or the real docker-mailserver image built from `../shared/dms`). Under
 * `CI=true` a missing engine is a failure (the test command installs it), never a skip.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

/** Where a daemon started by the tests logs. */
export const DOCKERD_LOG = "/tmp/dms-test-dockerd/dockerd.log";

/** `docker ...`, synchronously; throws with stderr on a non-zero exit. */
export function docker(args: readonly string[], input?: string | Buffer): string {
  const res = spawnSync("docker", [...args], {
    input,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    timeout: 300_000,
  });
  if (res.status !== 0) {
    throw new Error(`docker ${args.join(" ")} exited ${res.status}: ${res.stderr || res.error}`);
  }
  return res.stdout;
}

function daemonAnswers(): boolean {
  return (
    spawnSync("docker", ["info", "--format", "{{.ServerVersion}}"], { timeout: 10_000 }).status ===
    0
  );
}

/**
 * Makes sure a Docker daemon answers: starts `dockerd` in the background when none does and waits
 * at most 60 s for it. Returns `false` only outside CI when no engine can be had (the caller skips);
 * under `CI=true` that throws instead.
 */
export async function ensureDocker(): Promise<boolean> {
  if (daemonAnswers()) return true;
  const dockerd = ["/usr/sbin/dockerd", "/usr/bin/dockerd"].find((p) => existsSync(p));
  if (!dockerd) return missing("dockerd (Debian's docker.io) is not installed");
  if (process.getuid?.() !== 0) return missing("dockerd needs root");
  mkdirSync("/tmp/dms-test-dockerd", { recursive: true });
  const log = openSync(DOCKERD_LOG, "a");
  // Detached: the daemon outlives this test file so the next one (and the image cache) reuse it.
  const child = spawn(dockerd, ["--host", "unix:///var/run/docker.sock"], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  child.unref();
  for (let i = 0; i < 60; i++) {
    if (daemonAnswers()) return true;
    await sleep(1000);
  }
  return missing(`dockerd did not answer within 60 s; see ${DOCKERD_LOG}`);
}

function missing(why: string): false {
  if (process.env.CI === "true") throw new Error(`${why}; required under CI=true`);
  return false;
}

/**
 * A tiny local image with no files at all (`docker import` of an empty tar): enough to create,
 * inspect and remove containers whose settings are under test. Nothing can run in it.
 */
export function emptyImage(tag = "local/dms-test-empty:1"): string {
  const present = spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" });
  if (present.status === 0) return tag;
  // An empty tar archive is 1024 zero bytes (two end-of-archive blocks).
  docker(["import", "-", tag], Buffer.alloc(1024));
  return tag;
}

/**
 * An image with no files but the startup configuration of the docker-mailserver image
 * (entrypoint, command, working directory, exposed ports, as `docker image inspect` shows them
 * for 15.1.0): what the provider reads back from a container that takes them from its image.
 * Containers of it can be created and inspected, never run.
 */
export function readbackImage(tag = "local/dms-test-readback:1"): string {
  const present = spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" });
  if (present.status === 0) return tag;
  docker(
    [
      "import",
      "-c",
      'ENTRYPOINT ["/usr/bin/dumb-init", "--"]',
      "-c",
      'CMD ["supervisord", "-c", "/etc/supervisor/supervisord.conf"]',
      "-c",
      "WORKDIR /",
      "-c",
      "EXPOSE 25 110 143 465 587 993 995 4190",
      "-",
      tag,
    ],
    Buffer.alloc(1024),
  );
  return tag;
}

/** The commands a run-once script of the components needs (writer, handshake, healthcheck). */
const SHELL_IMAGE_TOOLS = [
  "sh",
  "mkdir",
  "dirname",
  "cp",
  "mv",
  "grep",
  "rm",
  "id",
  "sleep",
  "touch",
  "chown",
  "cat",
];

/**
 * A small image holding this machine's `/bin/sh` and the few tools the config writer's script
 * uses, with their shared libraries (found with `ldd`): enough to run the writer and its
 * healthcheck for real, where no registry can be reached.
 */
export function shellImage(tag = "local/dms-test-shell:1"): string {
  const present = spawnSync("docker", ["image", "inspect", tag], { stdio: "ignore" });
  if (present.status === 0) return tag;
  const files = new Set<string>(["/usr/bin/env"]);
  for (const tool of SHELL_IMAGE_TOOLS) {
    const path = spawnSync("sh", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (path === "") throw new Error(`shellImage: ${tool} is not installed`);
    files.add(path);
    const ldd = spawnSync("ldd", [path], { encoding: "utf8" }).stdout;
    for (const m of ldd.matchAll(/(\/\S+) \(0x/g)) files.add(m[1]!);
  }
  // Directories the scripts write into, and /bin/sh through the usual path.
  const tar = spawnSync(
    "sh",
    [
      "-c",
      'set -e; d=$(mktemp -d); trap \'rm -rf "$d"\' EXIT; for f in "$@"; do mkdir -p "$d$(dirname "$f")"; cp -L "$f" "$d$f"; done; mkdir -p "$d/bin" "$d/run" "$d/tmp" "$d/etc"; [ -e "$d/bin/sh" ] || cp -L /bin/sh "$d/bin/sh"; echo "root:x:0:0::/:/bin/sh" > "$d/etc/passwd"; tar -C "$d" -cf - .',
      "shell-image",
      ...files,
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  );
  if (tar.status !== 0) throw new Error(`shellImage: ${tar.stderr.toString()}`);
  docker(["import", "-c", 'CMD ["/bin/sh"]', "-", tag], tar.stdout);
  return tag;
}

/**
 * A stopped container's logs as the Docker provider stores them in `containerLogs`: the Engine
 * API's log stream (`ContainerLogs`, stdout and stderr) read line by line with Go's
 * `bufio.ScanLines` (split at `\n`, one trailing `\r` dropped), each line written back with
 * `\n`, and no demultiplexing (`resourceDockerContainerCreate` in kreuzwerker/
 * terraform-provider-docker). Without a TTY every write therefore keeps Docker's 8-byte frame
 * header; with one the stream is raw. Bytes that are not UTF-8 become U+FFFD, as they do on
 * their way to Pulumi.
 */
export async function providerContainerLogs(id: string): Promise<string> {
  const { request } = await import("node:http");
  const body = await new Promise<Buffer>((resolve, reject) => {
    const req = request(
      {
        socketPath: "/var/run/docker.sock",
        path: `/containers/${encodeURIComponent(id)}/logs?stdout=1&stderr=1`,
        timeout: 30_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks)));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("Docker logs request timed out")));
    req.on("error", reject);
    req.end();
  });
  return asProviderLogs(body);
}

/**
 * A log stream's bytes as the provider turns them into `containerLogs` (see
 * {@link providerContainerLogs}): lines split at `\n` with one trailing `\r` dropped, each
 * written back with `\n`, bytes that are not UTF-8 as U+FFFD.
 */
export function asProviderLogs(body: Buffer): string {
  const lines: string[] = [];
  let start = 0;
  for (let i = 0; i <= body.length; i++) {
    if (i < body.length && body[i] !== 0x0a) continue;
    if (i === body.length && start === i) break;
    let end = i;
    if (end > start && body[end - 1] === 0x0d) end--;
    lines.push(body.subarray(start, end).toString("utf8"));
    start = i + 1;
  }
  return lines.map((l) => `${l}\n`).join("");
}

/**
 * What Docker sends for a container without a TTY: each write framed by an 8-byte header
 * (stream 1 = stdout, three zero bytes, the length as 4 bytes big-endian).
 */
export function dockerFramed(writes: readonly string[]): Buffer {
  return Buffer.concat(
    writes.flatMap((w) => {
      const data = Buffer.from(w, "utf8");
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(data.length, 4);
      return [header, data];
    }),
  );
}
