/**
 * Golden files for rendered text under `test/golden/`. `UPDATE_GOLDEN=1` rewrites them; review the
 * git diff before committing.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

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
