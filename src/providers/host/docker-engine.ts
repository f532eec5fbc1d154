/**
 * The Docker Engine through the `docker` CLI (`child_process`, no shell): what `dmsctl backup`,
 * `restore`, `doctor` and `unban` run. The CLI honours `DOCKER_HOST` and contexts, so a remote
 * engine (`ssh://`) works as it does for `docker` itself; files move through stdin/stdout, never
 * through bind mounts of this machine's paths.
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";

/** The result of one `docker` run. */
export interface DockerResult {
  /** Exit code; -1 when `docker` could not be started or was killed by the timeout. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runDocker}. */
export interface RunDockerOptions {
  /** A file streamed to `docker`'s stdin. */
  readonly stdinFile?: string;
  /** A file `docker`'s stdout is written to (then `stdout` of the result is empty). */
  readonly stdoutFile?: string;
  /** Text for stdin. */
  readonly input?: string;
  /** Kill `docker` after this long. @default 120 000 ms */
  readonly timeoutMs?: number;
  /** Environment of `docker`. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** Called with each chunk of stderr as it arrives (progress). */
  readonly onStderr?: (text: string) => void;
}

/** Runs `docker ARGS...`; never throws (a missing `docker` is code -1 with the reason in stderr). */
export function runDocker(
  args: readonly string[],
  opts: RunDockerOptions = {},
): Promise<DockerResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let settled = false;
    const done = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    };
    const child = spawn("docker", [...args], {
      env: opts.env ?? process.env,
      stdio: [
        opts.stdinFile !== undefined || opts.input !== undefined ? "pipe" : "ignore",
        "pipe",
        "pipe",
      ],
    });
    const timer = setTimeout(() => {
      stderr += `\ndocker ${args[0] ?? ""}: timed out after ${opts.timeoutMs ?? 120_000} ms`;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 120_000);
    child.on("error", (err) => {
      stderr += `cannot run docker: ${err.message}`;
      done(-1);
    });
    if (opts.stdoutFile !== undefined) {
      const out = createWriteStream(opts.stdoutFile, { mode: 0o600 });
      child.stdout!.pipe(out);
      // The exit code counts only once the file is flushed.
      child.on("close", (code) => out.end(() => done(code ?? -1)));
    } else {
      child.stdout!.setEncoding("utf8").on("data", (t: string) => (stdout += t));
      child.on("close", (code) => done(code ?? -1));
    }
    child.stderr!.setEncoding("utf8").on("data", (t: string) => {
      stderr += t;
      opts.onStderr?.(t);
    });
    if (opts.stdinFile !== undefined) {
      const input = createReadStream(opts.stdinFile);
      input.on("error", (err) => {
        stderr += `cannot read ${opts.stdinFile}: ${err.message}`;
        child.kill("SIGKILL");
      });
      input.pipe(child.stdin!);
    } else if (opts.input !== undefined) {
      child.stdin!.end(opts.input);
    }
    child.stdin?.on("error", () => {
      // docker exited before reading everything; its exit code says why.
    });
  });
}

/** One mount of a container, as `docker inspect` reports it. */
export interface ContainerMount {
  readonly type: string;
  /** The volume name (volumes only). */
  readonly name?: string;
  readonly source: string;
  readonly destination: string;
  readonly rw: boolean;
}

/** What the commands need of `docker inspect CONTAINER`. */
export interface ContainerInfo {
  readonly id: string;
  /** Without the leading `/`. */
  readonly name: string;
  /** The image id (`sha256:...`): present on the host, so helper containers never pull. */
  readonly imageId: string;
  /** The image as configured (`repo:tag`). */
  readonly image: string;
  readonly running: boolean;
  readonly mounts: readonly ContainerMount[];
  /** `host`, `bridge`, a network name, `container:...`. */
  readonly networkMode: string;
  /** Gateway addresses of the container's networks (empty with host networking). */
  readonly gateways: readonly string[];
  /** Host bindings of container port 25/tcp, `ip:port` (empty when not published). */
  readonly smtpBindings: readonly { readonly hostIp: string; readonly hostPort: number }[];
}

interface RawInspect {
  Id: string;
  Name: string;
  Image: string;
  Config?: { Image?: string };
  State?: { Running?: boolean };
  Mounts?: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: {
    Networks?: Record<string, { Gateway?: string; IPv6Gateway?: string }>;
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null>;
  };
}

/** Parses the JSON of `docker inspect --type container X` (an array of one). */
export function parseContainerInspect(json: string): ContainerInfo {
  const [raw] = JSON.parse(json) as RawInspect[];
  if (raw === undefined) throw new Error("docker inspect returned no container");
  const nets = Object.values(raw.NetworkSettings?.Networks ?? {});
  return {
    id: raw.Id,
    name: raw.Name.replace(/^\//, ""),
    imageId: raw.Image,
    image: raw.Config?.Image ?? raw.Image,
    running: raw.State?.Running === true,
    mounts: (raw.Mounts ?? []).map((m) => ({
      type: m.Type,
      ...(m.Name !== undefined && m.Name !== "" ? { name: m.Name } : {}),
      source: m.Source,
      destination: m.Destination,
      rw: m.RW,
    })),
    networkMode: raw.HostConfig?.NetworkMode ?? "",
    gateways: nets.flatMap((n) => [n.Gateway ?? "", n.IPv6Gateway ?? ""]).filter((g) => g !== ""),
    smtpBindings: (raw.NetworkSettings?.Ports?.["25/tcp"] ?? []).map((b) => ({
      hostIp: b.HostIp,
      hostPort: Number(b.HostPort),
    })),
  };
}

/** `docker inspect` of a container; a sentence when it does not exist or Docker fails. */
export async function inspectContainer(ref: string): Promise<ContainerInfo | string> {
  const r = await runDocker(["inspect", "--type", "container", ref], { timeoutMs: 30_000 });
  if (r.code !== 0) {
    return /no such/i.test(r.stderr)
      ? `no container named ${JSON.stringify(ref)} on this Docker host`
      : `docker inspect ${ref} failed: ${r.stderr.trim()}`;
  }
  try {
    return parseContainerInspect(r.stdout);
  } catch (err) {
    return `docker inspect ${ref}: ${(err as Error).message}`;
  }
}
