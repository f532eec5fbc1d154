/**
 * The public API is a list, not an accident: `src/index.ts` exports exactly the names
 * `docs/api.md` lists, each with TSDoc. A new export fails here until its row is added.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { apiDocRow, publicExports } from "./helpers/public-api";

const ROOT = join(__dirname, "..");
const exported = publicExports(ROOT);
const documented = new Set(
  [...readFileSync(join(ROOT, "docs", "api.md"), "utf8").matchAll(/^\| `([^`]+)` +\|/gm)].map(
    (m) => m[1]!,
  ),
);

describe("public API", () => {
  it("exports exactly the names docs/api.md lists", () => {
    const names = new Set(exported.map((e) => e.name));
    const undocumented = exported.filter((e) => !documented.has(e.name));
    const gone = [...documented].filter((n) => !names.has(n)).sort();
    assert.deepEqual(
      { undocumented: undocumented.map((e) => e.name), gone },
      { undocumented: [], gone: [] },
      [
        undocumented.length > 0
          ? `exported but not in docs/api.md; add these rows (then run prettier):\n${undocumented.map(apiDocRow).join("\n")}`
          : "",
        gone.length > 0 ? `listed in docs/api.md but not exported: ${gone.join(", ")}` : "",
      ]
        .filter(Boolean)
        .join("\n"),
    );
  });

  it("gives every export TSDoc", () => {
    const bare = exported.filter((e) => e.summary === "").map((e) => `${e.name} (${e.file})`);
    assert.deepEqual(bare, []);
  });

  it("keeps internal helpers internal", () => {
    // Shared by the layers, free to change: ordering, name/IP canonicalisation, salts, child names.
    for (const internal of ["cmp", "canonicalIp", "deriveSalt", "slug", "recordSetChildName"])
      assert.ok(!exported.some((e) => e.name === internal), `${internal} is exported`);
  });
});
