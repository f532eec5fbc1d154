/**
 * `npm run bench`: runs every `bench/*.bench.ts` in its own process (so one benchmark's warm-up or
 * worker threads cannot skew another) and prints one JSON document with all their figures.
 * Each benchmark prints a single JSON object on its last stdout line. `--quick` runs the same
 * benchmarks with fewer repetitions and smaller sizes (`bench/mode.ts`) and adds `"quick": true`;
 * other arguments select benchmarks by name prefix.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const dir = __dirname;
const args = process.argv.slice(2);
// --quick: fewer repetitions and smaller sizes (bench/mode.ts), same JSON shape, labelled.
const quick = args.includes("--quick");
const only = args.filter((a) => a !== "--quick");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => only.length === 0 || only.some((o) => f.startsWith(o)))
  .sort();
const results: Record<string, unknown> = quick ? { quick: true } : {};
let failed = false;
for (const file of files) {
  const name = file.replace(/\.bench\.ts$/, "");
  process.stderr.write(`bench ${name} ...\n`);
  // --expose-gc: a benchmark may collect garbage between runs, so one run's garbage is not
  // charged to the next.
  const run = spawnSync(process.execPath, ["--expose-gc", "--import", "tsx", join(dir, file)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: { ...process.env, DMS_BENCH_QUICK: quick ? "1" : "0" },
    timeout: 20 * 60 * 1000,
  });
  const last = run.stdout.trim().split("\n").pop() ?? "";
  try {
    results[name] = JSON.parse(last);
  } catch {
    failed = true;
    results[name] = {
      error: `exit ${run.status}, no JSON on the last line`,
      output: run.stdout.slice(-2000),
    };
  }
}
process.stdout.write(JSON.stringify(results, null, 2) + "\n");
process.exitCode = failed ? 1 : 0;
