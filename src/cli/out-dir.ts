/**
 * `dmsctl plan --out DIR` as one step: whoever reads DIR (a person, `docker compose`, the running
 * mail server) sees either the previous run's files or this run's, never a mix, even when dmsctl
 * is killed half way; and a running container reads the new files without being recreated.
 *
 * The layout is the kubelet's for ConfigMap volumes, placed in the folder compose bind-mounts:
 *
 *     DIR/
 *       config/                        a real folder that never moves (mounted at /tmp/docker-mailserver)
 *         ..data -> ..dmsctl-<id>      the current run; renaming one link over it switches runs
 *         ..dmsctl-<id>/               one run's whole tree, laid out as DIR shows it
 *         postfix-accounts.cf -> ..data/config/postfix-accounts.cf
 *         rspamd -> ..data/config/rspamd
 *       compose.yaml -> config/..data/compose.yaml
 *       zones -> config/..data/zones
 *       .dmsctl-files -> config/..data/.dmsctl-files   (the manifest: every file of the run)
 *       docker-data/                   mail data and anything else not ours: never touched
 *
 * Why there: a bind mount keeps the folder it was created with (its inode), so the folder a
 * running container reads must stay while its content changes, and a link inside the mount must
 * resolve inside it (the container sees nothing else), so the runs live in that same folder.
 * docker-mailserver's change detector hashes the live files (accounts, aliases, quotas, relay
 * maps) with `sha512sum`, which reads through the links, so an account change reaches the running
 * server; everything under `rspamd/` and `opendkim/` is startup-only, and compose recreates the
 * container for it because the container's recreate-hash label changes.
 *
 * One run:
 * 1. Lock: `.<DIR>.dmsctl-lock` beside DIR is created exclusively and holds our pid. A second run
 *    waits (bounded), then fails naming the holder; the lock of a dead pid is taken over.
 * 2. Recover what a killed run left ({@link recover}): unfinished or superseded runs in
 *    `config/` are removed, links of names the current run does not have are removed, and the
 *    per-file temporaries of the writer before this one are swept.
 * 3. Check, before anything changes, that every name the new run needs is free or ours (our link,
 *    or a file or folder the previous manifest lists); anything else fails, naming all of them.
 * 4. Build `config/..dmsctl-build-<id>` (manifest first), rename it to `config/..dmsctl-<id>`.
 * 5. Add the links of names the previous run did not have: they point through `..data`, so until
 *    the switch they lead nowhere, exactly as the previous run had no such file.
 * 6. Switch: a new link renamed over `config/..data` (atomic). This is the commit point.
 * 7. Tidy: links of names the new run no longer has are removed (they lead nowhere since 6), files
 *    and folders an earlier, pre-link layout wrote are replaced by links, the previous run's
 *    folder is removed.
 *
 * Nothing is ever written through a link: files are created only inside a folder this run made,
 * links are removed or renamed over, never followed, and DIR and DIR/config must be real folders.
 * Nothing outside DIR except the lock is created, and nothing outside DIR is deleted.
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

/** The folder of DIR that the mail container bind-mounts; every run is kept inside it. */
export const MOUNTED_DIR = "config";

/** The link in {@link MOUNTED_DIR} to the current run. */
const DATA_LINK = "..data";
const RUN_PREFIX = "..dmsctl-";
const BUILD_PREFIX = "..dmsctl-build-";
const TEMP_LINK = /\.dmsctl-link-\d+-[0-9a-f]{8}$/;
/** The per-file temporaries of an earlier writer: `<file>.dmsctl-tmp-<pid>-<hex>`. */
const LEGACY_TEMP = /\.dmsctl-tmp-\d+-[0-9a-f]{8}$/;
/** What an earlier, whole-tree-swapping dmsctl left beside DIR when killed. */
const LEGACY_BESIDE = /^\.(.+)\.dmsctl-(build|ready|old)-\d+-[0-9a-f]{8}$/;
const POLL_MS = 50;

/** What {@link OutDir.replace} did. */
export interface WriteReport {
  readonly written: number;
  /** Files of the previous run that this one no longer has. */
  readonly removed: string[];
  /**
   * Whether a previous run was there. A running container reads the new live files at once;
   * startup-only changes need `docker compose up -d` (the recreate-hash label tells compose).
   */
  readonly replaced: boolean;
  /** What could not be tidied after the switch (the run itself is complete), one line each. */
  readonly notes: readonly string[];
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
  /** Makes `files` the current run; DIR's entries that are not dmsctl's are left alone. */
  replace(files: readonly OutFile[]): WriteReport;
  /** Removes the lock. Idempotent. */
  release(): void;
}

/**
 * Locks DIR (waiting up to `waitMs` for another run), then recovers what a killed run left.
 * @throws OutDirError when DIR or DIR/config is a symbolic link or not a directory, or the lock
 *   is held.
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
    checkRealDir(root, `--out ${dir}`);
    checkRealDir(join(root, MOUNTED_DIR), `--out ${dir}: ${join(dir, MOUNTED_DIR)}`);
    const recovered = [...recover(root), ...legacyBeside(parent, base)];
    return { root, recovered, replace: (files) => replaceRun(root, dir, files), release };
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

/** `path` must be a real directory or not exist: writing under a link would write elsewhere. */
function checkRealDir(path: string, shown: string): void {
  const st = lstat(path);
  if (st === undefined || st.isDirectory()) return;
  if (st.isSymbolicLink())
    throw new OutDirError(
      `${shown} is a symbolic link; give the directory it points to (dmsctl never writes through a link)`,
    );
  throw new OutDirError(`${shown} exists and is not a directory`);
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

/** Where the entry named `name` lives (DIR or DIR/config) and the link that makes it ours. */
interface Entry {
  /** Path relative to DIR: `compose.yaml`, `config/rspamd`. */
  readonly rel: string;
  /** The link's target, relative to the folder holding it. */
  readonly target: string;
}

function entryOf(rel: string): Entry {
  const [first, second] = rel.split("/");
  if (first === MOUNTED_DIR && second !== undefined)
    return { rel: `${MOUNTED_DIR}/${second}`, target: `${DATA_LINK}/${MOUNTED_DIR}/${second}` };
  return { rel: first!, target: `${MOUNTED_DIR}/${DATA_LINK}/${first}` };
}

/** The entries (top-level names of DIR and of DIR/config) that `paths` need, sorted. */
function entriesOf(paths: readonly string[]): Entry[] {
  const byRel = new Map<string, Entry>();
  for (const p of paths) {
    const e = entryOf(p);
    byRel.set(e.rel, e);
  }
  return [...byRel.values()].sort((a, b) => cmp(a.rel, b.rel));
}

function readManifestAt(file: string): string[] | undefined {
  const st = lstat(file);
  if (st === undefined || !st.isFile()) return undefined;
  return fs.readFileSync(file, "utf8").split("\n").filter(isSafeRelative);
}

/** The run `config/..data` points to, when it is one of ours and complete. */
function currentRun(root: string): string | undefined {
  const link = join(root, MOUNTED_DIR, DATA_LINK);
  if (!lstat(link)?.isSymbolicLink()) return undefined;
  const target = fs.readlinkSync(link);
  if (!target.startsWith(RUN_PREFIX) || target.includes("/")) return undefined;
  return lstat(join(root, MOUNTED_DIR, target))?.isDirectory() ? target : undefined;
}

/**
 * The files the previous run wrote: the current run's manifest, or the manifest an earlier,
 * link-less layout kept as a plain file in DIR.
 */
function previousFiles(root: string): string[] {
  const run = currentRun(root);
  if (run !== undefined) return readManifestAt(join(root, MOUNTED_DIR, run, MANIFEST)) ?? [];
  return readManifestAt(join(root, MANIFEST)) ?? [];
}

/** Every path under `dir` (links not followed), relative to it; folders end with `/`. */
function listAll(dir: string, rel = ""): string[] {
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

/** How the entry at `e.rel` stands: free, our link, or a plain file/folder of an earlier run. */
type Standing = "free" | "link" | "plain" | { readonly foreign: string[] };

function standing(root: string, e: Entry, previous: ReadonlySet<string>): Standing {
  const path = join(root, e.rel);
  const st = lstat(path);
  if (st === undefined) return "free";
  if (st.isSymbolicLink())
    return fs.readlinkSync(path) === e.target ? "link" : { foreign: [e.rel] };
  if (st.isFile()) return previous.has(e.rel) ? "plain" : { foreign: [e.rel] };
  if (st.isDirectory()) {
    const foreign = listAll(path)
      .map((p) => `${e.rel}/${p}`)
      .filter((p) => !previous.has(p));
    return foreign.length === 0 ? "plain" : { foreign };
  }
  return { foreign: [e.rel] };
}

/** Removes a plain file or a folder of files an earlier run wrote (nothing else is in it). */
function removePlain(path: string): void {
  fs.rmSync(path, { recursive: true, force: true });
}

/** Puts our link at `e.rel`, replacing what is there (a link or a file) in one rename. */
function placeLink(root: string, e: Entry, id: string): void {
  const path = join(root, e.rel);
  if (lstat(path)?.isDirectory()) removePlain(path);
  const tmp = `${path}.dmsctl-link-${id}`;
  fs.symlinkSync(e.target, tmp);
  fs.renameSync(tmp, path);
}

/**
 * Puts DIR back into the state of exactly one run: removes runs that are not current (finished
 * or not: every file in them is ours), switch links and link temporaries a killed run left, and
 * links (of our form) to names the current run does not have; sweeps an earlier writer's
 * per-file temporaries.
 */
function recover(root: string): string[] {
  const notes: string[] = [];
  if (lstat(root) === undefined) return notes;
  const swept = sweepLegacy(root, "");
  if (swept > 0) notes.push(`removed ${swept} temporary files an interrupted run left in DIR`);
  const mounted = join(root, MOUNTED_DIR);
  if (lstat(mounted) === undefined) return notes;
  const run = currentRun(root);
  for (const name of fs.readdirSync(mounted).sort(cmp)) {
    const path = join(mounted, name);
    if (name.startsWith(BUILD_PREFIX)) {
      if (removeRun(path, `${MOUNTED_DIR}/${name}`, notes))
        notes.push(`removed an unfinished run an interrupted dmsctl left (${MOUNTED_DIR}/${name})`);
    } else if (name.startsWith(RUN_PREFIX) && name !== run && lstat(path)?.isDirectory()) {
      if (removeRun(path, `${MOUNTED_DIR}/${name}`, notes))
        notes.push(`removed a run that is not the current one (${MOUNTED_DIR}/${name})`);
    } else if (name.startsWith(`${DATA_LINK}.dmsctl-link-`) && lstat(path)?.isSymbolicLink()) {
      fs.rmSync(path);
    }
  }
  const manifest = run === undefined ? [] : (readManifestAt(join(mounted, run, MANIFEST)) ?? []);
  const current = new Set(entriesOf([...manifest, MANIFEST]).map((e) => e.rel));
  let stale = 0;
  for (const dir of ["", MOUNTED_DIR]) {
    for (const name of fs.readdirSync(join(root, dir)).sort(cmp)) {
      const rel = dir === "" ? name : `${dir}/${name}`;
      const st = lstat(join(root, rel));
      if (!st?.isSymbolicLink()) continue;
      if (TEMP_LINK.test(name)) {
        fs.rmSync(join(root, rel));
        continue;
      }
      if (rel === `${MOUNTED_DIR}/${DATA_LINK}` || current.has(rel)) continue;
      if (fs.readlinkSync(join(root, rel)) !== entryOf(rel).target) continue;
      fs.rmSync(join(root, rel));
      stale++;
    }
  }
  if (stale > 0) notes.push(`removed ${stale} links an interrupted run left`);
  return notes;
}

/** Removes `<file>.dmsctl-tmp-*` regular files under `dir`, through real directories only. */
function sweepLegacy(dir: string, rel: string): number {
  let n = 0;
  for (const e of fs.readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel === "" ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      // Mail data can be large and is never ours; runs hold no temporaries.
      if (p === "docker-data" || e.name.startsWith(RUN_PREFIX)) continue;
      n += sweepLegacy(dir, p);
    } else if (e.isFile() && LEGACY_TEMP.test(e.name)) {
      fs.rmSync(join(dir, p));
      n++;
    }
  }
  return n;
}

/**
 * An earlier dmsctl swapped whole trees beside DIR and, killed, could leave one there holding
 * the user's own entries (it moved them into the new tree). Those are never deleted: the user
 * is told where they are.
 */
function legacyBeside(parent: string, base: string): string[] {
  return fs
    .readdirSync(parent)
    .filter((n) => LEGACY_BESIDE.exec(n)?.[1] === base)
    .sort(cmp)
    .map(
      (n) =>
        `left ${join(parent, n)} untouched: an earlier dmsctl version's interrupted run, which may hold files of yours; move what you need into DIR and delete it`,
    );
}

function replaceRun(root: string, dir: string, files: readonly OutFile[]): WriteReport {
  const sorted = [...files].sort((a, b) => cmp(a.path, b.path));
  const newFiles = new Set<string>();
  const newDirs = new Set<string>();
  const bad: string[] = [];
  for (const f of sorted) {
    const parts = f.path.split("/");
    if (
      !isSafeRelative(f.path) ||
      f.path === MANIFEST ||
      f.path === MOUNTED_DIR ||
      parts.slice(0, 2).some((part) => part.startsWith(".."))
    ) {
      bad.push(f.path);
      continue;
    }
    newFiles.add(f.path);
    for (let i = 1; i < parts.length; i++) newDirs.add(parts.slice(0, i).join("/"));
  }
  if (bad.length > 0) throw new OutDirError(`refusing to write outside ${dir}: ${bad.join(", ")}`);
  const clash = [...newDirs].filter((d) => newFiles.has(d)).sort(cmp);
  if (clash.length > 0)
    throw new OutDirError(`cannot write ${clash.join(", ")} in ${dir}: each is also a folder`);

  const replaced = currentRun(root) !== undefined || lstat(join(root, MANIFEST)) !== undefined;
  const previous = previousFiles(root);
  // The manifest of a link-less layout was a plain file in DIR, not listed in itself.
  const previousSet = new Set([...previous, MANIFEST]);
  const entries = entriesOf([...sorted.map((f) => f.path), MANIFEST]);
  const standings = new Map<string, Standing>();
  const inTheWay: string[] = [];
  for (const e of entries) {
    const s = lstat(root) === undefined ? "free" : standing(root, e, previousSet);
    standings.set(e.rel, s);
    if (typeof s === "object") inTheWay.push(...s.foreign);
  }
  if (inTheWay.length > 0) {
    throw new OutDirError(
      `cannot write ${dir}: dmsctl did not write ${inTheWay.join(", ")}, and its own files go there; ` +
        `move them away (nothing was changed)`,
    );
  }

  const id = `${process.pid}-${randomBytes(4).toString("hex")}`;
  const mounted = join(root, MOUNTED_DIR);
  const build = join(mounted, `${BUILD_PREFIX}${id}`);
  const run = `${RUN_PREFIX}${id}`;
  try {
    fs.mkdirSync(mounted, { recursive: true, mode: 0o755 });
    fs.mkdirSync(build, { mode: 0o755 });
    // The manifest first: it names every file of the run (and of its removal, if it is stopped).
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
    // The mail server's users (`_rspamd`, `opendkim`) must pass through; a umask must not stop them.
    fs.chmodSync(build, 0o755);
    fs.renameSync(build, join(mounted, run));
    for (const e of entries) if (standings.get(e.rel) === "free") placeLink(root, e, id);
  } catch (err) {
    // Nothing the previous run reads has changed: drop this run and its new links.
    fs.rmSync(build, { recursive: true, force: true });
    fs.rmSync(join(mounted, run), { recursive: true, force: true });
    for (const e of entries) {
      if (standings.get(e.rel) !== "free") continue;
      const path = join(root, e.rel);
      if (lstat(path)?.isSymbolicLink() && fs.readlinkSync(path) === e.target) fs.rmSync(path);
    }
    throw new OutDirError(`cannot write ${describePath(err, root)} in ${dir}: ${code(err)}`);
  }

  // The switch: one rename, after which every link leads into the new run.
  const before = currentRun(root);
  const tmp = join(mounted, `${DATA_LINK}.dmsctl-link-${id}`);
  fs.symlinkSync(run, tmp);
  fs.renameSync(tmp, join(mounted, DATA_LINK));

  // Tidy up. Every step here is also done by the next run's recovery if this one is killed.
  for (const e of entries) if (standings.get(e.rel) === "plain") placeLink(root, e, id);
  const wanted = new Set(entries.map((e) => e.rel));
  for (const e of entriesOf(previous)) {
    if (wanted.has(e.rel)) continue;
    const s = standing(root, e, previousSet);
    if (s === "link" || s === "plain") removePlain(join(root, e.rel));
  }
  const notes: string[] = [];
  if (before !== undefined) removeRun(join(mounted, before), `${MOUNTED_DIR}/${before}`, notes);
  const now = new Set(newFiles);
  return {
    written: sorted.length,
    removed: previous.filter((p) => !now.has(p)).sort(cmp),
    replaced,
    notes,
  };
}

/**
 * Removes a run that is not current. The mail server gives some of its files to its own users
 * (`rspamd/dkim/` to `_rspamd`), which a dmsctl not running as root may not delete: that is said,
 * not thrown, because the new run is complete; the next run tries again.
 */
function removeRun(path: string, shown: string, notes: string[]): boolean {
  try {
    fs.rmSync(path, { recursive: true, force: true });
    return true;
  } catch (err) {
    notes.push(
      `could not remove ${shown} (${code(err)}): the mail server may have given files in it to its own users; remove it as root`,
    );
    return false;
  }
}

function describePath(err: unknown, root: string): string {
  const p = (err as NodeJS.ErrnoException).path;
  if (p === undefined) return "the tree";
  const inRun = /\/config\/\.\.dmsctl-(?:build-)?[^/]+\/(.*)$/.exec(p);
  if (inRun !== null) return inRun[1]!;
  return p.startsWith(root + "/") ? p.slice(root.length + 1) : p;
}
