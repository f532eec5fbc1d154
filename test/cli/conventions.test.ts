/**
 * The conventions every dmsctl command shares (docs/cli.md): --version, durations in seconds with
 * units, exit codes in every command's help, a "did you mean" for a typo without the whole help,
 * and the few messages a new user meets first (plan --out on a file, verify with a dead resolver).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDmsctl } from "../helpers/cli";
import { MAX_DURATION_S, parseDuration } from "../../src/cli/conventions";
import { EXAMPLE_SPEC_PATH } from "../records/fixtures";

const REPO = join(__dirname, "..", "..");
const COMMANDS = [
  "plan",
  "diff",
  "verify",
  "probe-port25",
  "backup",
  "restore",
  "doctor",
  "unban",
] as const;

test("--version prints the package's version and exits 0", async () => {
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string };
  for (const flag of ["--version", "-V"]) {
    const r = await runDmsctl([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${pkg.version}\n`);
  }
});

test("an unknown command suggests the closest one, without printing the whole help", async () => {
  const r = await runDmsctl(["paln", "spec.yaml"]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    "error: unknown command 'paln'\n(Did you mean plan?)\n(run dmsctl --help, or dmsctl COMMAND --help, for usage)\n",
  );
  assert.equal(r.stdout, "");
});

test("every command's help lists its exit codes", async () => {
  for (const cmd of COMMANDS) {
    const r = await runDmsctl([cmd, "--help"]);
    assert.equal(r.code, 0, cmd);
    const block = r.stdout.slice(r.stdout.indexOf("\nExit codes:\n"));
    assert.ok(r.stdout.includes("\nExit codes:\n"), `${cmd} --help has no exit codes`);
    // 0, 1 and the usage code at least, each with a meaning.
    for (const code of ["0", "1"]) assert.match(block, new RegExp(`\\n  ${code}  \\S`), cmd);
    assert.match(block, cmd === "diff" ? /\n {2}3 {2}a guard tripped/ : /\n {2}2 {2}usage error/);
  }
  const top = await runDmsctl(["--help"]);
  assert.match(top.stdout, /Durations are seconds: 10, 10s, 500ms or 2m/);
});

test("durations: seconds by default, ms/s/m units, bounded, with a hint for old milliseconds", () => {
  const cases: Array<[string, number | RegExp]> = [
    ["10", 10],
    ["10s", 10],
    ["500ms", 0.5],
    ["2m", 120],
    ["1.5", 1.5],
    ["300", 300],
    ["0", /must be more than 0 and at most 300 seconds, got "0"$/],
    ["2000", /got "2000" \(a bare number is seconds; for milliseconds write 2000ms\)$/],
    ["6m", /at most 300 seconds, got "6m"$/],
    ["10 sec", /must be a duration such as 10, 10s, 500ms or 2m/],
    ["-1", /must be a duration/],
  ];
  assert.equal(MAX_DURATION_S, 300);
  for (const [input, want] of cases) {
    const got = parseDuration("--timeout", input);
    if (typeof want === "number") assert.equal(got, want, input);
    else {
      assert.equal(typeof got, "string", input);
      assert.match(got as string, want, input);
      assert.ok((got as string).startsWith("--timeout: "), input);
    }
  }
});

test("diff --timeout takes seconds now: a millisecond count is refused, not waited for", async () => {
  const r = await runDmsctl(["diff", EXAMPLE_SPEC_PATH, "--timeout", "2000"]);
  assert.equal(r.code, 1); // diff's documented code for usage errors
  assert.match(
    r.stderr,
    /^error: option '--timeout <duration>' argument '2000' is invalid\. must be more than 0 and at most 300 seconds, got "2000" \(a bare number is seconds; for milliseconds write 2000ms\)\n/,
  );
});

test("probe-port25 and verify name a bad duration with the others, all at once", async () => {
  const r = await runDmsctl(["probe-port25", "--timeout", "10 sec", "--format", "xml"]);
  assert.equal(r.code, 2);
  assert.equal(
    r.stderr,
    [
      'dmsctl probe-port25: --timeout: must be a duration such as 10, 10s, 500ms or 2m (seconds when no unit is given), got "10 sec"',
      'dmsctl probe-port25: --format: must be table or json, got "xml"',
      "",
    ].join("\n"),
  );
});

test("plan --out naming an existing file says so, naming the path", async () => {
  const dir = mkdtempSync(join(tmpdir(), "dmsctl-conv-"));
  try {
    const file = join(dir, "afile");
    writeFileSync(file, "x");
    const r = await runDmsctl(["plan", EXAMPLE_SPEC_PATH, "--out", file]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `dmsctl plan: --out ${file} exists and is not a directory\n`);
    assert.equal(readFileSync(file, "utf8"), "x");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the plan table's record count matches the rows it lists", async () => {
  const r = await runDmsctl(["plan", EXAMPLE_SPEC_PATH]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split("\n");
  const head = lines.findIndex((l) => l.startsWith("DNS records: "));
  const m = /^DNS records: (\d+) record sets, (\d+) values \(one row each\) in \d+ zones$/.exec(
    lines[head]!,
  );
  assert.ok(m, lines[head]);
  const rows = lines.slice(head + 2, lines.indexOf("", head));
  assert.equal(rows.length, Number(m[2]));
  assert.ok(Number(m[1]) <= Number(m[2]));
});

test("verify against a resolver where nothing listens prints one root-cause failure", async () => {
  const r = await runDmsctl([
    "verify",
    EXAMPLE_SPEC_PATH,
    "--resolver",
    "127.0.0.1:9",
    "--no-connect",
    "--timeout",
    "2s",
  ]);
  assert.equal(r.code, 1);
  const failed = r.stdout.split("\n").filter((l) => l.startsWith("FAIL "));
  assert.equal(failed.length, 1, r.stdout);
  assert.match(
    failed[0]!,
    /^FAIL +error +dns-server-answers +127\.0\.0\.1:9 +the DNS server 127\.0\.0\.1:9 does not answer: \d+ lookups, \d+ unreachable \(nothing listens\)$/,
  );
  assert.ok(!r.stdout.includes("Publish"), "no check tells the user to publish records");
  const summary = /^(\d+) checks: 0 passed, 1 failed \(1 error\), (\d+) skipped: FAILED$/m.exec(
    r.stdout,
  );
  assert.ok(summary, r.stdout);
  const rows = r.stdout.split("\n").filter((l) => /^(pass|FAIL|skip) /.test(l));
  assert.equal(rows.length, Number(summary[1]));
  assert.equal(Number(summary[2]), rows.length - 1);
});
