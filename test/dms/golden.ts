/**
 * Golden files for rendered DMS files: `test/golden/dms/<case>/...`. `UPDATE_GOLDEN=1` rewrites
 * them (and removes stale ones); otherwise every planned file must equal its golden and no golden
 * may be left over.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

export const GOLDEN_ROOT = join(__dirname, "..", "golden", "dms");

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

/** Checks (or with UPDATE_GOLDEN=1 writes) a whole directory of goldens: path -> content. */
export function assertGoldenDir(name: string, files: ReadonlyMap<string, string>): void {
  const dir = join(GOLDEN_ROOT, name);
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
