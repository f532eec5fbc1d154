/**
 * A config writer that exits non-zero fails the update (the Docker provider alone would report
 * success): the program, run in its own process under mocks, exits non-zero with the reason.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { spawnSync } from "node:child_process";
import { join } from "node:path";

function runProgram(exitCode: number): { status: number | null; stderr: string } {
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", join(__dirname, "fixtures", "writer-exit.ts")],
    {
      env: { ...process.env, WRITER_EXIT: String(exitCode) },
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { status: r.status, stderr: r.stderr };
}

describe("config writer exit code", () => {
  it("a writer that exits 0 lets the program finish", () => {
    const r = runProgram(0);
    assert.equal(r.status, 0, r.stderr);
  });

  it("a writer that exits 3 fails the program, naming the writer and the code", () => {
    const r = runProgram(3);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /MailServer "w": the config writer w-config-writer exited with 3, so the config files were not all written/,
    );
  });
});
