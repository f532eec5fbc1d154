/**
 * The on-disk layout the kubelet gives a ConfigMap, Secret or projected volume (its
 * `AtomicWriter`, pkg/volume/util/atomic_writer.go in kubernetes/kubernetes): the payload in a
 * timestamped directory `..<timestamp>`, a symlink `..data` to it, and one relative symlink per
 * top-level entry through `..data`. An update writes a new timestamped directory, points a
 * temporary symlink at it and renames that over `..data` (one atomic swap), then adds and removes
 * top-level symlinks and deletes the old directory. Tests mount the directory read-only into a
 * container, as the kubelet does.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { dirname, join } from "node:path";

/** One file of the payload, at a path relative to the volume. */
export interface PayloadFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

let generation = 0;

/** A timestamped directory name like the kubelet's (`..2026_11_30_07_41_02.123456789`). */
function timestampDir(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  generation += 1;
  return (
    `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_` +
    `${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.${p(generation, 9)}`
  );
}

/** Writes (or updates) the volume at `root` with exactly `files`, as the kubelet does. */
export function writeProjectedVolume(root: string, files: readonly PayloadFile[]): void {
  mkdirSync(root, { recursive: true });
  const dataLink = join(root, "..data");
  const old = existsSync(dataLink) ? readlinkSync(dataLink) : undefined;
  const ts = timestampDir();
  for (const f of files) {
    const target = join(root, ts, f.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, f.content);
    chmodSync(target, f.mode);
  }
  chmodSync(join(root, ts), 0o755);
  // The swap: a new symlink renamed over `..data`, so readers see the old or the new payload.
  const tmp = join(root, "..data_tmp");
  rmSync(tmp, { force: true });
  symlinkSync(ts, tmp);
  renameSync(tmp, dataLink);
  const top = new Set(files.map((f) => f.path.split("/")[0]!));
  for (const entry of top) {
    if (!existsSync(join(root, entry))) symlinkSync(join("..data", entry), join(root, entry));
  }
  for (const entry of readdirSync(root)) {
    if (entry.startsWith("..") || top.has(entry)) continue;
    rmSync(join(root, entry), { force: true });
  }
  if (old !== undefined) rmSync(join(root, old), { recursive: true, force: true });
}
