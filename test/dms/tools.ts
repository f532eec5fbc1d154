/**
 * Real tools the dms tests check against: glibc/libxcrypt crypt(3) through Python 3's `crypt`
 * module, and Dovecot's `doveadm pw -t`. A missing tool skips the test locally and fails it under
 * `CI=true` (never a silent pass in CI).
 */
import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";

/** Whether `cmd` can run; otherwise skips the test (or throws under CI=true). */
export function requireTool(t: TestContext, cmd: string, args: readonly string[]): boolean {
  const run = spawnSync(cmd, args, { encoding: "utf8" });
  if (run.status === 0) return true;
  const why = `${cmd} ${args.join(" ")} is not available (${run.error?.message ?? `exit ${run.status}`})`;
  if (process.env.CI === "true") throw new Error(`${why}; required under CI=true`);
  t.skip(why);
  return false;
}

/** Probe for Python's crypt module (deprecated in 3.11, removed in 3.13). */
export const PYTHON_CRYPT_PROBE = ["-W", "ignore", "-c", "import crypt"] as const;

/** crypt(3) of each [password, setting] pair, through Python 3's `crypt` module in one process. */
export function glibcCrypt(cases: readonly (readonly [string, string])[]): string[] {
  const script = [
    "import crypt, json, sys",
    "cases = json.load(sys.stdin)",
    "print(json.dumps([crypt.crypt(p, s) for p, s in cases]))",
  ].join("\n");
  const run = spawnSync("python3", ["-W", "ignore", "-c", script], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`python3 crypt failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}

/** `doveadm pw -t HASH -p PASSWORD`: exit status and stderr. */
export function doveadmVerify(
  hash: string,
  password: string,
): { status: number | null; out: string } {
  const run = spawnSync("doveadm", ["pw", "-t", hash, "-p", password], { encoding: "utf8" });
  return { status: run.status, out: (run.stdout + run.stderr).trim() };
}
