/**
 * Translation of the plan's container and ports into `@pulumi/docker` argument shapes. Pure data
 * mapping (types only from `@pulumi/docker`), so it is tested without mocks.
 */
import { createHmac } from "node:crypto";
import type * as docker from "@pulumi/docker";
import type { ContainerPlan, PortRule } from "../../dms/types";
import { cmp } from "../../spec/findings";
import { RSPAMD_UI_PORT } from "./nftables";

/**
 * Docker port publishing: every non-`off` service on each of its bind addresses, on the same port
 * number inside and out. Publishing on explicit addresses (not Docker's implicit `0.0.0.0`) is
 * what keeps a `private` service off the public interface: Docker-published ports bypass host
 * firewalls such as ufw and firewalld, so the bind address is the only reliable fence.
 * @throws Error if asked to publish 11334 (the rspamd UI is never published).
 */
export function dockerPorts(ports: readonly PortRule[]): docker.types.input.ContainerPort[] {
  const out: { internal: number; external: number; ip: string; protocol: string }[] = [];
  for (const p of ports) {
    if (p.expose === "off") continue;
    if (p.port === RSPAMD_UI_PORT) throw new Error("port 11334 (rspamd UI) is never published");
    for (const ip of p.bind) out.push({ internal: p.port, external: p.port, ip, protocol: "tcp" });
  }
  return out.sort((a, b) => a.internal - b.internal || cmp(a.ip, b.ip));
}

/**
 * A whole number of seconds as Go's `time.Duration.String()` writes it (`30s`, `1m0s`,
 * `1h0m0s`). The provider reads the healthcheck back with `Duration.String()`
 * (`resourceDockerContainerRead` in kreuzwerker/terraform-provider-docker v4.5.0, the release
 * `@pulumi/docker` 5.x bridges), so any other spelling of the same duration (`60s`) is a diff on
 * every `up`.
 */
export function goDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new Error(`goDuration: a whole number of seconds >= 0, got ${seconds}`);
  }
  if (seconds === 0) return "0s";
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/** The container healthcheck, durations in the provider's canonical form ({@link goDuration}). */
export function dockerHealthcheck(
  h: ContainerPlan["healthcheck"],
): docker.types.input.ContainerHealthcheck {
  return {
    tests: [...h.test],
    interval: goDuration(h.intervalSeconds),
    timeout: goDuration(h.timeoutSeconds),
    retries: h.retries,
    startPeriod: goDuration(h.startPeriodSeconds),
  };
}

/**
 * Capabilities in the one form that reads back unchanged everywhere: `CAP_`-prefixed, upper
 * case, sorted. The provider reads `HostConfig.CapAdd` back verbatim, and `capabilities` forces
 * a new container (a set with no diff suppression, `resourceDockerContainer` schema). The Docker
 * CLI and Compose turn `NET_ADMIN` into `CAP_NET_ADMIN` before the daemon stores it, while
 * daemon 20.10 stores what the API gives it (both verified 2026-11-30 with `docker inspect`), so
 * the short form replaced the mail container whenever the container was made or compared through
 * a path that normalises; the long form is stored as is by both. `ALL` has no prefix anywhere.
 */
export function dockerCapabilities(caps: readonly string[]): string[] {
  const out = caps.map((c) => {
    const u = c.toUpperCase();
    return u === "ALL" || u.startsWith("CAP_") ? u : `CAP_${u}`;
  });
  return [...new Set(out)].sort(cmp);
}

/** The provider takes memory in MiB; the plan has bytes. Rounded up so a limit is never lowered. */
export function dockerMemoryMb(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : Math.ceil(bytes / (1024 * 1024));
}

/**
 * Memory plus swap in MiB, always set with a memory limit: twice the memory, which is what Docker
 * stores when it is left unset (memory as swap on top). Left unset, the provider reads Docker's
 * value back (`memory_swap`, `resourceDockerContainerRead`) against an empty input: a change on
 * every `up`. On a kernel without swap accounting Docker stores -1 instead ("Memory limited
 * without swap"), which is still a diff there, but an in-place update (`ContainerUpdate`), never
 * a replacement.
 */
export function dockerMemorySwapMb(memoryMb: number | undefined): number | undefined {
  return memoryMb === undefined ? undefined : memoryMb * 2;
}

/** `KEY=value` strings, in the plan's (sorted) order. */
export function dockerEnvs(env: ContainerPlan["env"]): string[] {
  return env.map(([k, v]) => `${k}=${v}`);
}

/** Where the config writer stages files before moving them into the config volume. */
export const STAGING_DIR = "/run/dms-staging";
/** The config volume's mount point in both containers (docs/dms-contract.md#config-volume). */
export const CONFIG_DIR = "/tmp/docker-mailserver";
/** The list of files the writer manages, kept in the volume to remove files the plan drops. */
export const MANIFEST = ".pulumi-dms-managed";

/**
 * The config writer's shell script (POSIX sh, run by the DMS image's /bin/sh). For each staged
 * file it writes a temporary file beside the target and renames it over the target: a rename in
 * one directory is atomic, so DMS's change detector never hashes a half-written file
 * (docs/dms-contract.md#live-reload). Then it deletes files listed in the previous manifest that the plan no
 * longer has (a removed alias file, a dropped DKIM key), and replaces the manifest last.
 *
 * rspamd reads its DKIM keys straight from the config volume, as `_rspamd`, and DMS gives that
 * directory to `_rspamd` only at startup (docs/dms-contract.md#dkim-keys): a key the writer
 * (root) put there later, mode 0600, would be unreadable and signing would stop until the
 * container was recreated. So a key gets its owner before it is renamed into place. The writer
 * runs the same image, so the user exists with the same uid; without it (a test shell) the
 * files keep the writer's owner.
 */
export const WRITER_SCRIPT = [
  "set -eu",
  `src=${STAGING_DIR}; dst=${CONFIG_DIR}`,
  `rspamd_owner=""`,
  `if id _rspamd >/dev/null 2>&1; then rspamd_owner=_rspamd:_rspamd; fi`,
  `cd "$src"`,
  `while IFS= read -r f; do`,
  `  [ -n "$f" ] || continue`,
  `  mkdir -p "$dst/$(dirname "$f")"`,
  `  cp -p "$src/$f" "$dst/$f.pulumi-tmp"`,
  `  case "$f" in rspamd/dkim/*) [ -z "$rspamd_owner" ] || chown "$rspamd_owner" "$dst/$f.pulumi-tmp" ;; esac`,
  `  mv -f "$dst/$f.pulumi-tmp" "$dst/$f"`,
  `done < "$src/${MANIFEST}"`,
  `if [ -f "$dst/${MANIFEST}" ]; then`,
  `  while IFS= read -r f; do`,
  `    [ -n "$f" ] || continue`,
  `    grep -qxF -- "$f" "$src/${MANIFEST}" || rm -f "$dst/$f"`,
  `  done < "$dst/${MANIFEST}"`,
  `fi`,
  `cp "$src/${MANIFEST}" "$dst/${MANIFEST}.pulumi-tmp"`,
  `mv -f "$dst/${MANIFEST}.pulumi-tmp" "$dst/${MANIFEST}"`,
].join("\n");

/**
 * The mail container's `dms.recreate-hash` label: HMAC-SHA256 under the stack's secret key (kept
 * in state, so an unchanged spec gives the same label on every run) over everything whose change
 * must replace the container but which the provider does not replace on by itself:
 * - the plan's startup hash (env and startup-only files). Those files can hold the relay password
 *   and OpenDKIM keys, and the rest of the hash input is derivable from the spec, so an unkeyed
 *   hash in a label (readable with `docker inspect` and in the state) would let a weak password
 *   be guessed offline;
 * - the published ports: the provider's port diff is ignored (see `mailContainer`), so a changed
 *   port table replaces the container through this label instead;
 * - the healthcheck: not replace-on-change in the provider schema and not applied by its update
 *   (`resourceDockerContainerUpdate` updates only restart and resource limits), so without this a
 *   changed healthcheck would never reach the container.
 */
export function recreateLabel(
  key: string,
  startupHash: string,
  ports: readonly docker.types.input.ContainerPort[],
  healthcheck: docker.types.input.ContainerHealthcheck,
): string {
  // Fixed key order and sorted ports: the same inputs always encode to the same bytes.
  const material = JSON.stringify({
    v: 1,
    startup: startupHash,
    ports: ports.map((p) => [p.internal, p.external, p.ip, p.protocol]),
    healthcheck: [
      healthcheck.tests,
      healthcheck.interval,
      healthcheck.timeout,
      healthcheck.startPeriod,
      healthcheck.retries,
    ],
  });
  return createHmac("sha256", key).update(`dms.recreate-hash\0${material}`, "utf8").digest("hex");
}

/** Created by a run-once container when its work succeeded (see {@link runOnceGate}). */
export const READY_FILE = "/run/dms-run-once.ready";
/** Created by the healthcheck once it has seen {@link READY_FILE}. */
export const SEEN_FILE = "/run/dms-run-once.seen";
/** How long a gated container stays up after its healthcheck passed (see {@link READY_HANDSHAKE}). */
export const READY_GRACE_SECONDS = 10;

/**
 * The end of a gated run-once script: mark success, wait (at most 30 s) until Docker's
 * healthcheck has seen it, then stay up 10 s more. Docker 20.10 reports a stopped container as
 * `unhealthy` whatever its last check said (verified 2026-11-30), and the provider polls the
 * status once a second, so a container that exited right after its check could never be seen
 * healthy; 10 s leaves room for a slow or remote Docker API.
 */
export const READY_HANDSHAKE = [
  `: > ${READY_FILE}`,
  "i=0",
  `while [ ! -e ${SEEN_FILE} ] && [ "$i" -lt 300 ]; do sleep 0.1; i=$((i + 1)); done`,
  `[ ! -e ${SEEN_FILE} ] || sleep ${READY_GRACE_SECONDS}`,
].join("\n");

/**
 * Inputs that make the provider's create fail when a run-once container (the config writer, the
 * port-25 probe in `fail` mode) did not succeed, so that a failed run is retried by the next
 * `pulumi up` without `--replace`.
 *
 * Why: the provider runs such a container only at create and never fails on its exit code
 * (`resourceDockerContainerCreate` waits for it to stop, then reads `exit_code`); a later read
 * refreshes only that code. So with unchanged inputs an old failure stayed in state and nothing
 * ever ran the container again. With `wait`, create polls the health status until `healthy` or
 * `waitTimeout` seconds, and fails otherwise; the healthcheck passes only once the script reached
 * {@link READY_HANDSHAKE}. A failed create leaves the container in state with an
 * initialization error (pulumi-terraform-bridge keeps a partial state that has an id), and the
 * engine replaces a resource that has initialization errors when `replaceOnChanges` is `["*"]`
 * (`applyReplaceOnChanges` in pulumi/pulumi `pkg/resource/deploy/step_generator.go`), so the
 * next `up` runs it again.
 */
export function runOnceGate(waitTimeoutSeconds: number): {
  wait: boolean;
  waitTimeout: number;
  healthcheck: docker.types.input.ContainerHealthcheck;
} {
  return {
    wait: true,
    waitTimeout: waitTimeoutSeconds,
    healthcheck: {
      tests: ["CMD-SHELL", `test -e ${READY_FILE} && touch ${SEEN_FILE}`],
      interval: goDuration(1),
      timeout: goDuration(5),
      startPeriod: goDuration(0),
      retries: 3,
    },
  };
}
