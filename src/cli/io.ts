/**
 * File output for the CLI: a set of files written into a directory so that a failed run never
 * leaves half-written config. Every file is first written to a temporary name beside its target
 * and only renamed into place once all of them were written (rename is atomic on POSIX), so DMS's
 * change detector never reads a truncated `postfix-accounts.cf`. Files the previous run wrote
 * and this one does not are removed (listed in a manifest), so a removed relay or account does
 * not live on in the config. Anything else in the directory (mail data) is never touched.
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { cmp } from "../spec/findings";

/** One file to write. */
export interface OutFile {
  /** Relative to the output directory, `/`-separated. */
  readonly path: string;
  readonly content: string;
  /** Permission bits, e.g. 0o600 for secrets. */
  readonly mode: number;
}

/** The manifest of the files a run wrote, relative to the output directory. */
export const MANIFEST = ".dmsctl-files";

/** What {@link writeFilesAtomically} did. */
export interface WriteReport {
  readonly written: number;
  readonly removed: string[];
}

/**
 * Writes `files` under `dir` (created if missing): all to temporary names first, then renamed into
 * place; on any failure before the renames, every temporary file is removed and nothing changed.
 * @throws Error naming the file that could not be written.
 */
export function writeFilesAtomically(dir: string, files: readonly OutFile[]): WriteReport {
  const root = resolve(dir);
  const sorted = [...files].sort((a, b) => cmp(a.path, b.path));
  for (const f of sorted) {
    const target = resolve(root, f.path);
    if (!target.startsWith(root + sep))
      throw new Error(`refusing to write outside ${dir}: ${f.path}`);
  }
  // An existing file where the directory should be would surface as a bare EEXIST from mkdir.
  if (existsSync(root) && !statSync(root).isDirectory()) {
    throw new Error(`cannot write to ${dir}: it exists and is not a directory; give a directory`);
  }
  const previous = readManifest(root);
  const tag = `.dmsctl-tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  const temps: string[] = [];
  try {
    mkdirSync(root, { recursive: true });
    for (const f of sorted) {
      const target = resolve(root, f.path);
      mkdirSync(dirname(target), { recursive: true });
      const temp = `${target}${tag}`;
      temps.push(temp);
      // `mode` applies on creation; chmod again so a umask cannot widen or narrow it.
      writeFileSync(temp, f.content, { mode: f.mode, flag: "wx" });
      chmodSync(temp, f.mode);
    }
    const manifestTemp = join(root, `${MANIFEST}${tag}`);
    temps.push(manifestTemp);
    writeFileSync(manifestTemp, sorted.map((f) => `${f.path}\n`).join(""), { mode: 0o644 });
  } catch (err) {
    for (const t of temps) rmSync(t, { force: true });
    const e = err as NodeJS.ErrnoException;
    const rel = e.path === undefined ? "" : relative(root, e.path.replace(tag, ""));
    const where = rel === "" ? "" : ` ${rel}`;
    throw new Error(`cannot write${where} in ${dir}: ${e.code ?? e.message}`);
  }
  for (const f of sorted) {
    const target = resolve(root, f.path);
    renameSync(`${target}${tag}`, target);
  }
  renameSync(join(root, `${MANIFEST}${tag}`), join(root, MANIFEST));
  const now = new Set(sorted.map((f) => f.path));
  const removed = previous.filter((p) => !now.has(p)).sort(cmp);
  for (const p of removed) {
    const target = resolve(root, p);
    if (target.startsWith(root + sep)) rmSync(target, { force: true });
  }
  return { written: sorted.length, removed };
}

function readManifest(root: string): string[] {
  const file = join(root, MANIFEST);
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("/") && !l.split("/").includes(".."));
}
