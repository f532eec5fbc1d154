/**
 * Golden files for rendered text under `test/golden/`. `UPDATE_GOLDEN=1` rewrites them; review the
 * git diff before committing.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const ROOT = join(__dirname, "..", "golden");

/** Asserts `actual` equals the golden file `test/golden/<relPath>` byte for byte. */
export function assertGolden(relPath: string, actual: string): void {
  const file = join(ROOT, relPath);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `golden file ${relPath} is missing: run with UPDATE_GOLDEN=1`);
  assert.equal(actual, readFileSync(file, "utf8"), `output differs from golden file ${relPath}`);
}

function listFiles(dir: string): string[] {
  let out: string[] = [];
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out = out.concat(listFiles(p));
    else out.push(p);
  }
  return out;
}

/**
 * Checks (or with UPDATE_GOLDEN=1 writes) a whole directory of goldens, `test/golden/<name>/`:
 * every file must equal its golden and no golden may be left over (UPDATE_GOLDEN removes stale ones).
 */
export function assertGoldenDir(name: string, files: ReadonlyMap<string, string>): void {
  const dir = join(ROOT, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    rmSync(dir, { recursive: true, force: true });
    for (const [path, content] of files) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    return;
  }
  const existing = listFiles(dir)
    .map((p) => relative(dir, p))
    .sort();
  assert.deepEqual(existing, [...files.keys()].sort(), `golden files of ${name}`);
  for (const [path, content] of files) {
    assert.equal(content, readFileSync(join(dir, path), "utf8"), `golden ${name}/${path}`);
  }
}
