/**
 * The CLI stays a thin shell over the layers (issue 10): the commands import the shared CLI types,
 * never the program (`main.ts`) that imports them, and nothing outside `src/cli` imports the CLI.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(__dirname, "..", "..", "src");

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith(".ts")
        ? [join(dir, e.name)]
        : [],
  );
}

function imports(file: string): string[] {
  return [...readFileSync(file, "utf8").matchAll(/^(?:import|export)[^;]*?from "([^"]+)"/gms)].map(
    (m) => m[1]!,
  );
}

test("no command imports the program that registers it", () => {
  const commands = tsFiles(join(SRC, "cli", "commands"));
  assert.ok(commands.length >= 4);
  for (const f of commands) {
    assert.ok(!imports(f).includes("../main"), `${relative(SRC, f)} imports ../main`);
  }
});

test("nothing outside src/cli imports the CLI", () => {
  const bad: string[] = [];
  for (const f of tsFiles(SRC)) {
    if (relative(SRC, f).startsWith("cli/")) continue;
    for (const i of imports(f)) if (/(^|\/)cli\//.test(i)) bad.push(`${relative(SRC, f)}: ${i}`);
  }
  assert.deepEqual(bad, []);
});
