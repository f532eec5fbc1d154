import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CHECK_IDS, CHECK_LEVELS } from "../../src/verify/checks";

describe("docs/verify.md", () => {
  it("lists every verify check id once, with its level, in report order", () => {
    const doc = readFileSync(join(__dirname, "..", "..", "docs", "verify.md"), "utf8");
    // A row may name several checks of one level: `| `tls-465`, `tls-993` | error | ...`.
    const rows = [
      ...doc.matchAll(/^\| (`[a-z0-9-]+`(?:, `[a-z0-9-]+`)*) +\| (error|warn|info) +\|/gm),
    ];
    const listed = rows.flatMap((m) =>
      [...m[1]!.matchAll(/`([a-z0-9-]+)`/g)].map((id) => [id[1]!, m[2]!] as const),
    );
    assert.deepEqual(
      listed,
      CHECK_IDS.map((id) => [id, CHECK_LEVELS[id]] as const),
    );
  });
});
