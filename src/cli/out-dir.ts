/**
 * `dmsctl plan --out DIR` as one step: the whole tree is replaced at once, so whoever reads DIR
 * (a person, `docker compose`, a backup) sees either the previous run's files or this run's, never
 * a mix, even when dmsctl is killed half way.
 *
 * How (all names beside DIR, in its parent, so every rename stays on one file system):
 *
 * 1. Lock: `.<DIR>.dmsctl-lock` is created exclusively and holds our pid. A second run waits for
 *    it (bounded), then fails naming the holder; a lock whose pid is dead is taken over.
 * 2. Recover what a killed run left (see {@link recover}): a finished tree is moved into place, a
 *    half-built one gives back the entries it had borrowed from DIR and is removed, a replaced one
 *    is removed. Temporaries of the per-file writer this module replaced are swept too.
 * 3. Build the new tree in `.<DIR>.dmsctl-build-<id>`: the manifest first (it names every file
 *    that is ours), then the files. Entries of DIR that are not ours (mail data in `docker-data/`,
 *    anything the user put there) are moved into the new tree by rename: cheap, and a running
 *    container keeps its bind mounts of them because a rename keeps the inode.
 * 4. Rename the build to `.<DIR>.dmsctl-ready-<id>`: from here on, recovery finishes the swap.
 * 5. Swap: DIR -> `.<DIR>.dmsctl-old-<id>`, ready -> DIR. Between these two renames DIR does not
 *    exist for an instant (Node has no renameat2(RENAME_EXCHANGE)); a kill there is recovered by
 *    the next run, which moves the ready tree into place.
 * 6. Remove the old tree: only the files its manifest (or the new one) names, only through real
 *    directories. A symbolic link is never followed: not in DIR, not in the trees beside it.
 *
 * Nothing outside DIR and these `.<DIR>.dmsctl-*` names is ever created, moved or deleted.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { cmp } from "../spec/findings";

/** One file to write. */
export interface OutFile {
  /** Relative to the output directory, `/`-separated, no `.` or `..` parts. */
  readonly path: string;
  readonly content: string;
  /** Permission bits, e.g. 0o600 for secrets. */
  readonly mode: number;
}

/** The manifest of the files a run wrote, relative to the output directory. */
export const MANIFEST = ".dmsctl-files";

/** What {@link OutDir.replace} did. */
export interface WriteReport {
  readonly written: number;
  /** Files of the previous tree that the new one no longer has. */
  readonly removed: string[];
  /** Entries of DIR that are not dmsctl's, carried over into the new tree. */
  readonly kept: string[];
  /** Whether a previous tree was replaced (a running container still mounts its folders). */
  readonly replaced: boolean;
}

/** An error about the output directory, with a message fit for the user. */
export class OutDirError extends Error {
  override readonly name = "OutDirError";
}

/** Options of {@link openOutDir}. */
export interface OpenOptions {
  /** How long to wait for another run's lock, in milliseconds. @default 30000 */
  readonly waitMs?: number;
}

/** A locked output directory; call {@link OutDir.release} when done (also after a failure). */
export interface OutDir {
  /** Absolute path of DIR. */
  readonly root: string;
  /** What recovery did when the directory was opened (for the user: one line each). */
  readonly recovered: readonly string[];
  /** Replaces the whole tree with `files`; DIR's own entries that are not dmsctl's are kept. */
  replace(files: readonly OutFile[]): WriteReport;
  /** Removes the lock. Idempotent. */
  release(): void;
}

const TEMP_KINDS = ["build", "ready", "old"] as const;
type TempKind = (typeof TEMP_KINDS)[number];
/** The per-file temporaries of the writer this module replaced: `<file>.dmsctl-tmp-<pid>-<hex>`. */
const LEGACY_TEMP = /\.dmsctl-tmp-\d+-[0-9a-f]{8}$/;
const POLL_MS = 50;

/**
 * Locks DIR (waiting up to `waitMs` for another run), then recovers what a killed run left.
 * @throws OutDirError when DIR is a symbolic link or not a directory, or the lock is held.
 */
export function openOutDir(dir: string, options: OpenOptions = {}): OutDir {
  const root = resolve(dir);
  const parent = dirname(root);
  const base = basename(root);
  if (base === "" || root === parent) throw new OutDirError(`--out cannot be ${dir}`);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch (err) {
    throw new OutDirError(`cannot create ${parent}: ${code(err)}`);
  }
  const lockPath = join(parent, `.${base}.dmsctl-lock`);
  acquireLock(lockPath, dir, options.waitMs ?? 30_000);
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    fs.rmSync(lockPath, { force: true });
  };
  try {
    checkRoot(root, dir);
    const recovered = recover(parent, base);
    return {
      root,
      recovered,
      replace: (files) => replaceTree(parent, base, dir, files),
      release,
    };
  } catch (err) {
    release();
    throw err;
  }
}

function code(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

function lstat(path: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(path);
  } catch (err) {
    if (code(err) === "ENOENT") return undefined;
    throw err;
  }
}

/** DIR must be a real directory or not exist: replacing a link would leave its target behind. */
function checkRoot(root: string, dir: string): void {
  const st = lstat(root);
  if (st === undefined || st.isDirectory()) return;
  if (st.isSymbolicLink())
    throw new OutDirError(
      `--out ${dir} is a symbolic link; give the directory it points to (dmsctl never writes through a link)`,
    );
  throw new OutDirError(`--out ${dir} exists and is not a directory`);
}

function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return code(err) === "EPERM";
  }
}

function readPid(path: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(n) ? n : NaN;
  } catch (err) {
    if (code(err) === "ENOENT") return undefined;
    throw err;
  }
}

/** Sleeps without a timer, so a synchronous caller can wait for a lock. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function acquireLock(lockPath: string, dir: string, waitMs: number): void {
  const deadline = Date.now() + waitMs;
  let holder: number | undefined;
  // Bounded: one attempt per poll while waiting, plus a few for taking over dead runs' locks.
  for (let attempt = 0; attempt <= Math.ceil(waitMs / POLL_MS) + 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, `${process.pid}\n`, { flag: "wx", mode: 0o644 });
      return;
    } catch (err) {
      if (code(err) !== "EEXIST") throw new OutDirError(`cannot lock ${dir}: ${code(err)}`);
    }
    holder = readPid(lockPath);
    if (holder !== undefined && !pidAlive(holder)) {
      // Take a dead run's lock over: move it aside first, so two runs taking it over at once
      // cannot both succeed (only one rename of the same file wins), then check what we moved.
      const aside = `${lockPath}.stale-${process.pid}`;
      try {
        fs.renameSync(lockPath, aside);
      } catch (err) {
        if (code(err) === "ENOENT") continue;
        throw new OutDirError(`cannot lock ${dir}: ${code(err)}`);
      }
      const moved = readPid(aside);
      if (moved !== holder && moved !== undefined && pidAlive(moved)) {
        // A live run's fresh lock: put it back.
        fs.renameSync(aside, lockPath);
      } else {
        fs.rmSync(aside, { force: true });
      }
      continue;
    }
    if (Date.now() >= deadline) break;
    sleep(POLL_MS);
  }
  throw new OutDirError(
    `${dir} is being written by another dmsctl (pid ${holder ?? "unknown"}); waited ${Math.round(waitMs / 1000)} s`,
  );
}

/** Paths of our temporaries beside DIR, sorted, by kind. */
function temporaries(parent: string, base: string): { kind: TempKind; path: string }[] {
  const prefix = `.${base}.dmsctl-`;
  const found: { kind: TempKind; path: string }[] = [];
  for (const name of fs.readdirSync(parent).sort(cmp)) {
    if (!name.startsWith(prefix)) continue;
    const m = /^(build|ready|old)-\d+-[0-9a-f]{8}$/.exec(name.slice(prefix.length));
    if (m === null) continue;
    found.push({ kind: m[1] as TempKind, path: join(parent, name) });
  }
  return found;
}

function readManifest(tree: string): string[] {
  let text: string;
  try {
    const st = lstat(join(tree, MANIFEST));
    if (st === undefined || !st.isFile()) return [];
    text = fs.readFileSync(join(tree, MANIFEST), "utf8");
  } catch {
    return [];
  }
  return text.split("\n").filter(isSafeRelative);
}

function isSafeRelative(p: string): boolean {
  return (
    p !== "" &&
    !p.startsWith("/") &&
    !p.includes("\\") &&
    !p.includes("\0") &&
    p.split("/").every((part) => part !== "" && part !== "." && part !== "..")
  );
}

/**
 * Puts DIR back into a state of exactly one run, from whatever a killed run left beside it:
 * - `ready-*` (a finished tree): moved into place, the tree it replaces becomes `old-*`;
 * - `build-*` (unfinished): entries not named by its manifest are DIR's own, moved back; the rest
 *   is removed;
 * - `old-*` (replaced): if DIR is missing, it is put back; otherwise its files are removed.
 * Also sweeps the previous writer's `*.dmsctl-tmp-*` files inside DIR.
 */
function recover(parent: string, base: string): string[] {
  const root = join(parent, base);
  const notes: string[] = [];
  const rel = (p: string) => basename(p);
  const temps = temporaries(parent, base);
  for (const t of temps.filter((t) => t.kind === "ready")) {
    if (!lstat(t.path)?.isDirectory()) continue;
    if (lstat(root) === undefined) {
      fs.renameSync(t.path, root);
    } else {
      const old = t.path.replace(/dmsctl-ready-/, "dmsctl-old-");
      fs.renameSync(root, old);
      fs.renameSync(t.path, root);
      temps.push({ kind: "old", path: old });
    }
    notes.push(`finished the replacement an interrupted run had prepared (${rel(t.path)})`);
  }
  for (const t of temps.filter((t) => t.kind === "build")) {
    const st = lstat(t.path);
    if (st === undefined) continue;
    if (!st.isDirectory()) {
      fs.rmSync(t.path, { force: true });
      continue;
    }
    const ours = readManifest(t.path);
    const back = lstat(root) === undefined ? [] : carryBack(t.path, root, ours);
    removeOurs(t.path, [...ours, MANIFEST]);
    notes.push(
      `removed an unfinished tree of an interrupted run (${rel(t.path)})` +
        (back.length > 0 ? `, moving back ${back.join(", ")}` : ""),
    );
  }
  for (const t of temps.filter((t) => t.kind === "old")) {
    const st = lstat(t.path);
    if (st === undefined) continue;
    if (!st.isDirectory()) {
      fs.rmSync(t.path, { force: true });
      continue;
    }
    if (lstat(root) === undefined) {
      fs.renameSync(t.path, root);
      notes.push(`put back the tree an interrupted run had moved aside (${rel(t.path)})`);
      continue;
    }
    const left = removeOld(t.path, root);
    notes.push(
      left.length === 0
        ? `removed the previous tree an interrupted run had replaced (${rel(t.path)})`
        : `kept ${rel(t.path)}: it holds ${left.join(", ")}, which dmsctl did not write`,
    );
  }
  if (lstat(root)?.isDirectory()) {
    const swept = sweepLegacy(root, "");
    if (swept > 0) notes.push(`removed ${swept} temporary files an interrupted run left in DIR`);
  }
  return notes;
}

/** Removes `<file>.dmsctl-tmp-*` regular files under `dir`, through real directories only. */
function sweepLegacy(dir: string, rel: string): number {
  let n = 0;
  for (const e of fs.readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      // Mail data can be large and is never ours: do not walk it.
      if (p === "docker-data") continue;
      n += sweepLegacy(dir, p);
    } else if (e.isFile() && LEGACY_TEMP.test(e.name)) {
      fs.rmSync(join(dir, p));
      n++;
    }
  }
  return n;
}

/**
 * Removes the files `paths` names under `tree`, never through a symbolic link, then every
 * directory left empty, then `tree` itself when empty. Returns what is left (not ours).
 */
function removeOurs(tree: string, paths: readonly string[]): string[] {
  for (const p of paths) {
    const parts = p.split("/");
    let dir = tree;
    let real = true;
    for (const part of parts.slice(0, -1)) {
      dir = join(dir, part);
      if (!lstat(dir)?.isDirectory()) {
        real = false;
        break;
      }
    }
    if (!real) continue;
    const target = join(tree, p);
    const st = lstat(target);
    // A directory where our file was is not ours to delete; a link is removed, not followed.
    if (st !== undefined && !st.isDirectory()) fs.rmSync(target, { force: true });
  }
  pruneEmpty(tree);
  if (lstat(tree) === undefined) return [];
  return listAll(tree, "");
}

/** Removes empty real directories under and including `dir`, bottom up. */
function pruneEmpty(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) pruneEmpty(join(dir, e.name));
  }
  if (fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
}

function listAll(dir: string, rel: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      const inner = listAll(dir, p);
      out.push(...(inner.length > 0 ? inner : [`${p}/`]));
    } else out.push(p);
  }
  return out.sort(cmp);
}

/** Removes a replaced tree: its own files, and files the new tree at `root` wrote over. */
function removeOld(old: string, root: string): string[] {
  const legacy: string[] = [];
  const collect = (rel: string) => {
    for (const e of fs.readdirSync(join(old, rel), { withFileTypes: true })) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) collect(p);
      else if (e.isFile() && LEGACY_TEMP.test(e.name)) legacy.push(p);
    }
  };
  collect("");
  return removeOurs(old, [...readManifest(old), ...readManifest(root), ...legacy, MANIFEST]);
}

/** Moves entries of an unfinished build that are not in `ours` back into DIR; returns them. */
function carryBack(build: string, root: string, ours: readonly string[]): string[] {
  const mine = new Set([...ours, MANIFEST]);
  const dirsOfMine = new Set<string>();
  for (const p of mine) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) dirsOfMine.add(parts.slice(0, i).join("/"));
  }
  const moved: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(join(build, rel), { withFileTypes: true })) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (mine.has(p)) continue;
      if (e.isDirectory() && dirsOfMine.has(p)) {
        walk(p);
        continue;
      }
      const dest = join(root, p);
      if (lstat(dest) !== undefined) continue;
      if (!ensureRealDir(root, dirname(p))) continue;
      fs.renameSync(join(build, p), dest);
      moved.push(p);
    }
  };
  walk("");
  return moved.sort(cmp);
}

/** Creates `rel` (`/`-separated, "." for the root) under `root` as real directories. */
function ensureRealDir(root: string, rel: string): boolean {
  if (rel === "." || rel === "") return true;
  let dir = root;
  for (const part of rel.split("/")) {
    dir = join(dir, part);
    const st = lstat(dir);
    if (st === undefined) fs.mkdirSync(dir);
    else if (!st.isDirectory()) return false;
  }
  return true;
}

/** One entry of DIR to move into the new tree. */
interface Carry {
  readonly path: string;
}

/**
 * Decides, before anything moves, which entries of the current DIR the new tree takes over: every
 * entry that is not a file dmsctl wrote (previous manifest), not replaced by a new file, and not a
 * leftover temporary. A directory holding none of our files moves whole.
 * @throws OutDirError when an entry is in the way of the new tree (a file or link where it needs
 *   a directory, or a directory where it writes a file).
 */
function planCarry(
  root: string,
  dir: string,
  previous: ReadonlySet<string>,
  newFiles: ReadonlySet<string>,
  newDirs: ReadonlySet<string>,
): Carry[] {
  const prevDirs = new Set<string>();
  for (const p of previous) {
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i++) prevDirs.add(parts.slice(0, i).join("/"));
  }
  const carry: Carry[] = [];
  const walk = (rel: string) => {
    const entries = fs.readdirSync(join(root, rel), { withFileTypes: true });
    entries.sort((a, b) => cmp(a.name, b.name));
    for (const e of entries) {
      const p = rel === "" ? e.name : `${rel}/${e.name}`;
      if (p === MANIFEST) continue;
      if (e.isDirectory()) {
        if (newFiles.has(p))
          throw new OutDirError(`cannot write ${p} in ${dir}: a directory is in the way`);
        if (newDirs.has(p) || prevDirs.has(p)) walk(p);
        else carry.push({ path: p });
        continue;
      }
      if (previous.has(p) || (e.isFile() && LEGACY_TEMP.test(e.name))) continue;
      if (newDirs.has(p)) {
        const what = e.isSymbolicLink() ? "a symbolic link" : "a file";
        throw new OutDirError(
          `cannot write ${p} in ${dir}: EEXIST (${what} where dmsctl writes a directory; dmsctl never writes through a link)`,
        );
      }
      if (newFiles.has(p)) continue;
      carry.push({ path: p });
    }
  };
  walk("");
  return carry;
}

function replaceTree(
  parent: string,
  base: string,
  dir: string,
  files: readonly OutFile[],
): WriteReport {
  const root = join(parent, base);
  const sorted = [...files].sort((a, b) => cmp(a.path, b.path));
  const newFiles = new Set<string>();
  const newDirs = new Set<string>();
  for (const f of sorted) {
    if (!isSafeRelative(f.path) || f.path === MANIFEST)
      throw new OutDirError(`refusing to write outside ${dir}: ${f.path}`);
    newFiles.add(f.path);
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) newDirs.add(parts.slice(0, i).join("/"));
  }
  for (const d of newDirs)
    if (newFiles.has(d)) throw new OutDirError(`cannot write ${d} in ${dir}: it is also a folder`);

  const exists = lstat(root) !== undefined;
  const previous = exists ? readManifest(root) : [];
  const carry = exists ? planCarry(root, dir, new Set(previous), newFiles, newDirs) : [];

  const id = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const build = join(parent, `.${base}.dmsctl-build-${id}`);
  const ready = join(parent, `.${base}.dmsctl-ready-${id}`);
  const old = join(parent, `.${base}.dmsctl-old-${id}`);
  const carried: string[] = [];
  try {
    fs.mkdirSync(build, { mode: exists ? fs.statSync(root).mode & 0o7777 : 0o755 });
    // The manifest first: from now on it tells recovery which entries of the build are ours.
    fs.writeFileSync(join(build, MANIFEST), sorted.map((f) => `${f.path}\n`).join(""), {
      flag: "wx",
      mode: 0o644,
    });
    for (const d of [...newDirs].sort(cmp)) fs.mkdirSync(join(build, d), { mode: 0o755 });
    for (const f of sorted) {
      const target = join(build, f.path);
      // `mode` applies on creation; chmod again so a umask cannot widen or narrow it.
      fs.writeFileSync(target, f.content, { mode: f.mode, flag: "wx" });
      fs.chmodSync(target, f.mode);
    }
    for (const c of carry) {
      ensureRealDir(build, dirname(c.path));
      fs.renameSync(join(root, c.path), join(build, c.path));
      carried.push(c.path);
    }
    fs.renameSync(build, ready);
  } catch (err) {
    // Give DIR its own entries back, then drop the build; DIR is as it was.
    for (const p of carried.reverse()) fs.renameSync(join(build, p), join(root, p));
    if (lstat(build) !== undefined) fs.rmSync(build, { recursive: true, force: true });
    if (err instanceof OutDirError) throw err;
    throw new OutDirError(`cannot write ${describePath(err, build)} in ${dir}: ${code(err)}`);
  }
  if (exists) fs.renameSync(root, old);
  fs.renameSync(ready, root);
  const left = exists ? removeOld(old, root) : [];
  if (left.length > 0) {
    throw new OutDirError(
      `wrote ${dir}, but kept the previous tree as ${old}: it holds ${left.join(", ")}, which dmsctl did not write`,
    );
  }
  const now = new Set(newFiles);
  return {
    written: sorted.length,
    removed: previous.filter((p) => !now.has(p)).sort(cmp),
    kept: carried.sort(cmp),
    replaced: exists,
  };
}

function describePath(err: unknown, build: string): string {
  const p = (err as NodeJS.ErrnoException).path;
  if (p === undefined) return "the tree";
  return p.startsWith(build + "/") ? p.slice(build.length + 1) : p;
}
