/**
 * Runs `dmsctl` from the source tree in a child process and reports its peak resident set size
 * (`test/helpers/max-rss.cjs`, preloaded, reads it from getrusage at exit): what the memory bound
 * of `dmsctl diff --from-preview` is measured with, in a test and in `npm run bench`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, closeSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(__dirname, "..", "..");

/** One measured run. */
export interface MeasuredRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Peak resident set size of the child, in MiB. */
  readonly maxRssMiB: number;
  readonly seconds: number;
}

/**
 * Runs `dmsctl ARGS` (through tsx, from `src/`), with `stdinFile` on its standard input when
 * given, and measures it.
 */
export function runDmsctlMeasured(args: readonly string[], stdinFile?: string): MeasuredRun {
  return runNodeMeasured(
    [
      "--import",
      "tsx",
      "-e",
      `require(${JSON.stringify(join(ROOT, "src", "cli", "main.ts"))}).main(process.argv.slice(1)).then((c) => { process.exitCode = c; });`,
      ...args,
    ],
    stdinFile,
  );
}

/** Runs `node NODEARGS` with the peak-RSS hook preloaded, and measures it. */
export function runNodeMeasured(nodeArgs: readonly string[], stdinFile?: string): MeasuredRun {
  const dir = mkdtempSync(join(tmpdir(), "dms-rss-"));
  const rssFile = join(dir, "rss.json");
  const stdin = stdinFile === undefined ? "ignore" : openSync(stdinFile, "r");
  try {
    const start = process.hrtime.bigint();
    const r = spawnSync(
      process.execPath,
      ["--require", join(ROOT, "test", "helpers", "max-rss.cjs"), ...nodeArgs],
      {
        cwd: ROOT,
        encoding: "utf8",
        stdio: [stdin, "pipe", "pipe"],
        env: { ...process.env, DMS_MAX_RSS_FILE: rssFile },
        maxBuffer: 256 * 1024 * 1024,
        timeout: 10 * 60 * 1000,
      },
    );
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (r.error) throw r.error;
    let maxRssKiB: number;
    try {
      maxRssKiB = (JSON.parse(readFileSync(rssFile, "utf8")) as { maxRssKiB: number }).maxRssKiB;
    } catch {
      throw new Error(
        `node ${nodeArgs.join(" ")}: no peak RSS reported (exit ${r.status}): ${r.stderr}`,
      );
    }
    return {
      code: r.status,
      stdout: r.stdout,
      stderr: r.stderr,
      maxRssMiB: maxRssKiB / 1024,
      seconds,
    };
  } finally {
    if (typeof stdin === "number") closeSync(stdin);
    rmSync(dir, { recursive: true, force: true });
  }
}
