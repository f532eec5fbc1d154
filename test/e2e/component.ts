/**
 * The component's path, replayed against the real image: what `MailServer` registers for its
 * config writer and its mail container (taken from Pulumi's mocks, exactly as the Docker provider
 * would receive it) is run with the Docker CLI.
 *
 * - The writer: a container from the image with the registered entrypoint and command, the
 *   registered uploads copied in (each at its path, with its permissions, owned by root as the
 *   provider's upload tar makes them), the config volume mounted; started, waited for, exit code 0.
 * - The mail container: the registered hostname, env, volumes, capabilities, restart policy and
 *   healthcheck. Host networking replaces the registered port bindings (the ports are compared
 *   with the plan's instead), and the harness adds its resolver, `/etc/hosts` entry and
 *   `ENABLE_UPDATE_CHECK=0`.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { MailServerArgs } from "../../src/index";
import {
  installMocks,
  registrations,
  resetRegistrations,
  settle,
  unwrap,
  valueOf,
} from "../components/harness";
import { docker } from "../servers/docker";
import { breakFile, requestedBreaks } from "./break";

/** One upload of the writer, as registered. */
export interface Upload {
  readonly file: string;
  readonly content: string;
  readonly permissions: string;
}

/** What the component registered for one deployment. */
export interface Registered {
  readonly writer: {
    readonly entrypoints: string[];
    readonly command: string[];
    readonly uploads: Upload[];
    /** Container paths of the writer's volumes. */
    readonly volumePaths: string[];
  };
  readonly container: {
    readonly hostname: string;
    readonly envs: string[];
    readonly ports: { internal: number; external: number; ip: string; protocol: string }[];
    readonly volumes: {
      volumeName?: string;
      hostPath?: string;
      containerPath: string;
      readOnly?: boolean;
    }[];
    readonly capabilities?: { adds?: string[] };
    readonly restart: string;
    readonly healthcheck: {
      tests: string[];
      interval: string;
      timeout: string;
      retries: number;
      startPeriod: string;
    };
  };
  /** The DKIM rotation guard, when a domain has DKIM. */
  readonly guard?: {
    readonly entrypoints: string[];
    readonly command: string[];
    readonly volumes: { volumeName: string; containerPath: string; readOnly?: boolean }[];
    readonly healthcheck: Registered["container"]["healthcheck"];
    readonly tty?: boolean;
  };
  /** Zone file text per apex (what BIND serves). */
  readonly zoneFiles: Record<string, string>;
  /** Plan names of the volumes (`mail-data`, ...) by the name the mocks gave each. */
  readonly volumeNames: Record<string, string>;
}

let mocked = false;
/**
 * The `containerLogs` the mocks give each container by child name: set a rotation guard's
 * (`<name>-dkim-rotation-guard`) to what the real guard printed; unset, it read a volume holding
 * only the retiring selectors' keys (the harness's default).
 */
export const mockedLogs: Record<string, string> = {};

/** Runs `new MailServer(name, args)` under the mocks and returns what it registered. */
export async function registered(name: string, args: MailServerArgs): Promise<Registered> {
  if (!mocked) {
    installMocks({ containerLogs: mockedLogs });
    mocked = true;
  }
  resetRegistrations();
  // Loaded after setMocks: a resource module loaded before it would talk to no engine.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { MailServer } = require("../../src/index") as typeof import("../../src/index");
  const mail = new MailServer(name, args);
  const outputs: pulumi.Output<unknown>[] = [
    mail.recreateHash,
    mail.zoneFiles,
    mail.configWriter.id,
    mail.container.id,
  ];
  await settle(outputs);
  const zoneFiles = await valueOf(mail.zoneFiles);
  const byName = (n: string) => {
    const r = registrations.find(
      (x) => x.type === "docker:index/container:Container" && x.name === n,
    );
    if (r === undefined) throw new Error(`MailServer registered no container ${n}`);
    return unwrap(r.inputs) as Record<string, unknown>;
  };
  const writer = byName(`${name}-config-writer`);
  const guard = registrations.some((x) => x.name === `${name}-dkim-rotation-guard`)
    ? byName(`${name}-dkim-rotation-guard`)
    : undefined;
  const container = byName(`${name}-container`);
  const volumeNames: Record<string, string> = {};
  for (const r of registrations.filter((x) => x.type === "docker:index/volume:Volume")) {
    const labels = (unwrap(r.inputs) as { labels?: { label: string; value: string }[] }).labels;
    const planName = labels?.find((l) => l.label === "dms.volume")?.value;
    // The mocks name a volume `${resource name}-volume` (test/components/harness.ts).
    if (planName !== undefined) volumeNames[`${r.name}-volume`] = planName;
  }
  return {
    writer: {
      entrypoints: writer.entrypoints as string[],
      command: writer.command as string[],
      uploads: writer.uploads as Upload[],
      volumePaths: (writer.volumes as { containerPath: string }[]).map((v) => v.containerPath),
    },
    container: container as unknown as Registered["container"],
    ...(guard !== undefined ? { guard: guard as unknown as NonNullable<Registered["guard"]> } : {}),
    zoneFiles,
    volumeNames,
  };
}

/**
 * Runs the writer as the provider would: create (entrypoint + command), upload, start attached,
 * wait for the exit; the config volume is `configVolume`. Returns the exit code and output.
 */
export function runWriter(
  image: string,
  containerName: string,
  configVolume: string,
  r: Registered,
): { code: number; output: string } {
  const [entrypoint, ...entryArgs] = r.writer.entrypoints;
  if (entrypoint === undefined) throw new Error("the writer has no entrypoint");
  docker([
    "create",
    "--name",
    containerName,
    "--entrypoint",
    entrypoint,
    "-v",
    `${configVolume}:${r.writer.volumePaths[0]}`,
    image,
    ...entryArgs,
    ...r.writer.command,
  ]);
  const staging = mkdtempSync(join(tmpdir(), "dms-e2e-uploads-"));
  try {
    // One tree holding every upload at its absolute path, copied in at `/`: the provider sends
    // each upload as a tar entry at its path with its permissions, extracted as root.
    const roots = new Set<string>();
    for (const u of r.writer.uploads) {
      const local = join(staging, u.file);
      mkdirSync(dirname(local), { recursive: true });
      // DMS_E2E_BREAK (./break.ts): corrupt an upload, to show that a case notices.
      const rel = u.file.replace(/^\/run\/dms-staging\//, "");
      writeFileSync(local, breakFile(rel, u.content, requestedBreaks()));
      chmodSync(local, parseInt(u.permissions, 8));
      roots.add(u.file.split("/").slice(0, 3).join("/"));
    }
    for (const root of roots) {
      // `/run/dms-staging` (the staging dir) is copied as a whole into its parent.
      docker(["cp", join(staging, root), `${containerName}:${dirname(root)}`]);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const run = spawnSync("docker", ["start", "--attach", containerName], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const code = Number(docker(["inspect", "--format", "{{.State.ExitCode}}", containerName]).trim());
  docker(["rm", containerName]);
  return { code, output: `${run.stdout}${run.stderr}` };
}

/**
 * Runs the rotation guard as the provider would: the registered entrypoint, command, volume
 * (read-only), TTY and healthcheck (its run-once handshake needs the check), attached; the config
 * volume is `configVolume`. Returns the exit code and the output (what `containerLogs` holds).
 */
export function runGuard(
  image: string,
  containerName: string,
  configVolume: string,
  r: Registered,
): { code: number; output: string; seconds: number } {
  const g = r.guard;
  if (g === undefined) throw new Error("the component registered no rotation guard");
  const [entrypoint, ...entryArgs] = g.entrypoints;
  if (entrypoint === undefined) throw new Error("the guard has no entrypoint");
  const [kind, test] = g.healthcheck.tests;
  if (kind !== "CMD-SHELL" || test === undefined) throw new Error("unexpected guard healthcheck");
  const v = g.volumes[0]!;
  docker([
    "create",
    "--name",
    containerName,
    "--entrypoint",
    entrypoint,
    "-v",
    `${configVolume}:${v.containerPath}${v.readOnly === true ? ":ro" : ""}`,
    "--health-cmd",
    test,
    "--health-interval",
    flagDuration(g.healthcheck.interval),
    "--health-timeout",
    flagDuration(g.healthcheck.timeout),
    "--health-retries",
    String(g.healthcheck.retries),
    ...(g.tty === true ? ["--tty"] : []),
    image,
    ...entryArgs,
    ...g.command,
  ]);
  const started = Date.now();
  const run = spawnSync("docker", ["start", "--attach", containerName], {
    encoding: "utf8",
    timeout: 120_000,
  });
  const seconds = (Date.now() - started) / 1000;
  const code = Number(docker(["inspect", "--format", "{{.State.ExitCode}}", containerName]).trim());
  docker(["rm", containerName]);
  return { code, output: `${run.stdout}${run.stderr}`, seconds };
}

/**
 * A registered duration to the CLI's flag value. Both are Go `time.ParseDuration` syntax: the
 * component sends the provider's canonical form (`1m0s`, `30s`), which the CLI takes as is.
 */
function flagDuration(d: string): string {
  if (!/^(?:\d+(?:\.\d+)?(?:ns|us|ms|s|m|h))+$/.test(d))
    throw new Error(`unexpected duration ${JSON.stringify(d)}`);
  return d;
}

/**
 * `docker run -d` of the registered mail container, with host networking and the harness's
 * resolver and hosts entry. `volumeFor` maps each registered volume name to a real volume.
 */
export function runMailContainer(
  image: string,
  containerName: string,
  r: Registered,
  volumeFor: (registeredName: string) => string,
  extra: { resolvConf: string; hostsEntry: string },
): void {
  const c = r.container;
  const args = [
    "run",
    "-d",
    "--name",
    containerName,
    "--hostname",
    c.hostname,
    "--network",
    "host",
  ];
  args.push("--add-host", extra.hostsEntry);
  args.push("-v", `${extra.resolvConf}:/etc/resolv.conf:ro`);
  for (const e of c.envs) args.push("--env", e);
  // The harness's one env addition: no daily check against GitHub (unreachable here).
  args.push("--env", "ENABLE_UPDATE_CHECK=0");
  for (const v of c.volumes) {
    const source = v.volumeName !== undefined ? volumeFor(v.volumeName) : v.hostPath;
    if (source === undefined) throw new Error(`volume without a source: ${JSON.stringify(v)}`);
    args.push("-v", `${source}:${v.containerPath}${v.readOnly ? ":ro" : ""}`);
  }
  for (const cap of c.capabilities?.adds ?? []) args.push("--cap-add", cap);
  args.push("--restart", c.restart);
  const h = c.healthcheck;
  const [kind, ...test] = h.tests;
  if (kind !== "CMD-SHELL" || test.length !== 1) {
    throw new Error(`unexpected healthcheck test ${JSON.stringify(h.tests)}`);
  }
  args.push(
    "--health-cmd",
    test[0]!,
    "--health-interval",
    flagDuration(h.interval),
    "--health-timeout",
    flagDuration(h.timeout),
    "--health-retries",
    String(h.retries),
    "--health-start-period",
    flagDuration(h.startPeriod),
  );
  args.push(image);
  docker(args);
}
