/**
 * Translation of the plan's container and ports into `@pulumi/docker` argument shapes. Pure data
 * mapping (types only from `@pulumi/docker`), so it is tested without mocks.
 */
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

/** The container healthcheck in Docker's duration syntax. */
export function dockerHealthcheck(
  h: ContainerPlan["healthcheck"],
): docker.types.input.ContainerHealthcheck {
  return {
    tests: [...h.test],
    interval: `${h.intervalSeconds}s`,
    timeout: `${h.timeoutSeconds}s`,
    retries: h.retries,
    startPeriod: `${h.startPeriodSeconds}s`,
  };
}

/** The provider takes memory in MiB; the plan has bytes. Rounded up so a limit is never lowered. */
export function dockerMemoryMb(bytes: number | undefined): number | undefined {
  return bytes === undefined ? undefined : Math.ceil(bytes / (1024 * 1024));
}

/** `KEY=value` strings, in the plan's (sorted) order. */
export function dockerEnvs(env: ContainerPlan["env"]): string[] {
  return env.map(([k, v]) => `${k}=${v}`);
}

/** Where the config writer stages files before moving them into the config volume. */
export const STAGING_DIR = "/run/dms-staging";
/** The config volume's mount point in both containers (dms-reference.md §1). */
export const CONFIG_DIR = "/tmp/docker-mailserver";
/** The list of files the writer manages, kept in the volume to remove files the plan drops. */
export const MANIFEST = ".pulumi-dms-managed";

/**
 * The config writer's shell script (POSIX sh, run by the DMS image's /bin/sh). For each staged
 * file it writes a temporary file beside the target and renames it over the target: a rename in
 * one directory is atomic, so DMS's change detector never hashes a half-written file
 * (dms-reference.md §1.2). Then it deletes files listed in the previous manifest that the plan no
 * longer has (a removed alias file, a dropped DKIM key), and replaces the manifest last.
 *
 * rspamd reads its DKIM keys straight from the config volume, as `_rspamd`, and DMS gives that
 * directory to `_rspamd` only at startup (dms-reference.md §1.3 `rspamd/dkim/`): a key the writer
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
