/**
 * What a running docker-mailserver sees when its config folder is delivered as links into a
 * current copy: the kubelet's ConfigMap/Secret volume (`..data` swapped, one link per top-level
 * entry) and the folder `dmsctl plan --out` writes (the same layout, docs/cli-plan.md).
 *
 * DMS's change detector (`check-for-changes.sh`) hashes the top-level files it watches with
 * `sha512sum`, which reads through a link, but lists `rspamd/` with `find ... -type f`, and `find`
 * does not enter a starting point that is a link. So in this layout a file reaches the running
 * server only when it is a live file at the top of the folder; every other file (startup-only
 * ones, and everything in a subfolder, rspamd's keys and signing config included) needs a new
 * container, which {@link linkedRestartHash} tells the orchestrator about.
 */
import { createHash } from "node:crypto";
import { cmp } from "../spec/findings";
import type { DmsFile } from "./types";

/** How a file reaches a running server through a link layout. */
export type LinkedDelivery = "live" | "restart";

/** `live` for the top-level files DMS watches; `restart` for everything else. */
export function linkedDelivery(file: DmsFile): LinkedDelivery {
  return file.reload === "live" && !file.path.includes("/") ? "live" : "restart";
}

/**
 * sha256 (hex) of everything that needs a new container in a link layout: the plan's
 * `recreateHash` (env and startup-only files) and every `restart` file with its mode. Live files
 * are left out, so an account change never recreates. A secret file counts by path and mode only,
 * never by content (the hash is readable by anyone who can inspect the container or the
 * StatefulSet); a new DKIM key still changes it through its public companion files.
 */
export function linkedRestartHash(
  recreateHash: string,
  files: readonly DmsFile[],
  modeOf: (file: DmsFile) => number = (f) => f.mode ?? (f.secret ? 0o600 : 0o644),
): string {
  const h = createHash("sha256");
  const put = (s: string) => h.update(`${Buffer.byteLength(s, "utf8")}:${s}`, "utf8");
  put(recreateHash);
  for (const f of [...files].sort((a, b) => cmp(a.path, b.path))) {
    if (linkedDelivery(f) !== "restart") continue;
    put(f.path);
    put(String(modeOf(f)));
    put(f.secret ? "secret" : f.content);
  }
  return h.digest("hex");
}
