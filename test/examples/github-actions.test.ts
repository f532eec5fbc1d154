/**
 * The pull-request workflow of examples/github-actions, run step by step as GitHub's runner runs
 * it (`bash -e`), with `npx` and `pulumi` replaced by recorders that exit with a chosen code: the
 * first PR that adds the spec has no base spec, the exit codes reach the step outputs, and the
 * preview is asked for its unchanged resources.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

const WORKFLOW = join(__dirname, "..", "..", "examples", "github-actions", "diff.yml");

interface Step {
  readonly name?: string;
  readonly run?: string;
  readonly env?: Record<string, string>;
}
const doc = parse(readFileSync(WORKFLOW, "utf8")) as {
  jobs: Record<string, { steps: Step[] }>;
};

function script(job: string, id: string): string {
  const step = doc.jobs[job]!.steps.find((s) => (s as { id?: string }).id === id);
  assert.ok(step?.run, `${job}.${id} has a run script`);
  return step.run.replace(/\$\{\{ vars\.PULUMI_STACK \}\}/g, "prod");
}

interface StepRun {
  readonly status: number | null;
  readonly calls: string[];
  readonly output: string;
}

/** Runs `body` as the runner does (`bash -e`), in a work dir, with recorder commands on PATH. */
function runStep(body: string, opts: { base: boolean; dmsctlExit: number }): StepRun {
  const dir = mkdtempSync(join(tmpdir(), "dms-gha-"));
  try {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    const log = join(dir, "calls.log");
    // Each recorder writes its arguments, one call per line, and exits with the chosen code.
    writeFileSync(
      join(bin, "npx"),
      `#!/usr/bin/env bash\necho "npx $*" >> ${log}\necho "# diff"\nexit ${opts.dmsctlExit}\n`,
    );
    writeFileSync(
      join(bin, "pulumi"),
      `#!/usr/bin/env bash\necho "pulumi $*" >> ${log}\necho "{}"\n`,
    );
    chmodSync(join(bin, "npx"), 0o755);
    chmodSync(join(bin, "pulumi"), 0o755);
    const work = join(dir, "work");
    mkdirSync(join(work, "base"), { recursive: true });
    writeFileSync(join(work, "mailserver.yaml"), "hostname: mail.example.com\n");
    if (opts.base) writeFileSync(join(work, "base", "mailserver.yaml"), "hostname: x\n");
    const output = join(dir, "output");
    writeFileSync(output, "");
    const r = spawnSync("bash", ["-e", "-c", body], {
      cwd: work,
      env: {
        PATH: `${bin}:/usr/bin:/bin`,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: join(dir, "summary"),
      },
      encoding: "utf8",
      timeout: 10_000,
    });
    let calls: string[] = [];
    try {
      calls = readFileSync(log, "utf8").trim().split("\n");
    } catch {
      calls = [];
    }
    return { status: r.status, calls, output: readFileSync(output, "utf8") };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the live job passes --previous only when the base has a spec (the first PR has none)", () => {
  const body = script("live", "diff");
  const first = runStep(body, { base: false, dmsctlExit: 2 });
  assert.equal(first.status, 0);
  assert.equal(first.calls.length, 1);
  assert.ok(!first.calls[0]!.includes("--previous"), first.calls[0]);
  const later = runStep(body, { base: true, dmsctlExit: 2 });
  assert.match(later.calls[0]!, /--previous base\/mailserver\.yaml/);
});

test("under bash -e the exit code reaches the output: 0, 2 and 3 pass the step, 1 fails it", () => {
  const body = script("live", "diff");
  for (const [code, ok] of [
    [0, true],
    [2, true],
    [3, true],
    [1, false],
  ] as const) {
    const r = runStep(body, { base: true, dmsctlExit: code });
    assert.equal(r.output, `exit=${code}\n`, `dmsctl exit ${code}`);
    assert.equal(r.status === 0, ok, `dmsctl exit ${code}: step status ${r.status}`);
  }
  assert.ok(
    !/\[ \$\? /.test(readFileSync(WORKFLOW, "utf8")),
    "no `[ $? ...` test of a past command",
  );
});

test("the preview job asks pulumi for unchanged resources too (--show-sames)", () => {
  const r = runStep(script("preview", "diff"), { base: true, dmsctlExit: 2 });
  assert.equal(r.status, 0);
  assert.equal(r.calls[0], "pulumi preview --stack prod --json --show-sames");
  assert.match(r.calls[1]!, /^npx dmsctl diff mailserver\.yaml --from-preview preview\.json /);
  assert.equal(r.output, "exit=2\n");
});
