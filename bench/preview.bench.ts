/**
 * Peak memory of `dmsctl diff --from-preview` on a generated 50 MiB `pulumi preview --json` (8 MiB
 * under `--quick`): a large stack's resources (Kubernetes, S3, security groups) with a mail
 * server's Cloudflare and Route53 records among them (`test/helpers/large-preview.ts`, fixed
 * seed, four-space indented as the engine prints it).
 *
 * Each figure is the peak resident set size (getrusage's maxRSS, reported by a preloaded hook) of
 * a child process running the CLI from the source tree, as `node --import tsx` does:
 * - `baselineRssMiB`: the same command on a preview with no steps (Node, tsx and the CLI loaded,
 *   nothing read), after one warm-up run so tsx's compile cache is not counted;
 * - `peakRssMiB`: the command on the large preview;
 * - `ratio` = (`peakRssMiB` - `baselineRssMiB`) / `inputMiB`: the memory the document costs, the
 *   figure issue 13 bounds at 4; `rawRatio` = `peakRssMiB` / `inputMiB` counts the baseline too.
 * For comparison, `wholeDocument` measures the same for plain `JSON.parse(readFileSync(file))` in
 * bare Node (against bare Node's baseline): what reading the document at once costs by itself.
 *
 * Prints one JSON object on its last line (see bench/run.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeLargePreview } from "../test/helpers/large-preview";
import { runDmsctlMeasured, runNodeMeasured } from "../test/helpers/measure-rss";
import { pick } from "./mode";

const MiB = 1024 * 1024;
const INPUT_MIB = Number(process.env.PREVIEW_BENCH_MIB ?? pick(50, 8));
const TARGET_RATIO = 4;

function round(x: number, digits = 1): number {
  return Number(x.toFixed(digits));
}

function main(): void {
  const dir = mkdtempSync(join(tmpdir(), "dms-preview-bench-"));
  try {
    const tiny = join(dir, "tiny.json");
    writeFileSync(tiny, '{"steps": []}\n');
    const file = join(dir, "preview.json");
    const doc = writeLargePreview(file, INPUT_MIB * MiB, 13);
    const diff = (f: string) =>
      runDmsctlMeasured(["diff", "--from-preview", f, "--format", "json"]);
    diff(tiny);
    const baseline = diff(tiny);
    const run = diff(file);
    if (run.code !== 2) throw new Error(`dmsctl diff exited ${run.code}: ${run.stderr}`);
    const counts = (JSON.parse(run.stdout) as { counts: Record<string, number> }).counts;

    const parseAll = `JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));`;
    const bare = runNodeMeasured(["-e", ""]);
    const whole = runNodeMeasured(["-e", parseAll, file]);

    const inputMiB = doc.bytes / MiB;
    const result = {
      inputMiB: round(inputMiB),
      steps: doc.steps,
      dnsSteps: doc.dnsSteps,
      baselineRssMiB: round(baseline.maxRssMiB),
      peakRssMiB: round(run.maxRssMiB),
      overBaselineMiB: round(run.maxRssMiB - baseline.maxRssMiB),
      ratio: round((run.maxRssMiB - baseline.maxRssMiB) / inputMiB, 2),
      rawRatio: round(run.maxRssMiB / inputMiB, 2),
      target: `ratio <= ${TARGET_RATIO}`,
      seconds: round(run.seconds),
      changes: counts,
      wholeDocument: {
        what: "JSON.parse(readFileSync(file, 'utf8')) in bare node",
        baselineRssMiB: round(bare.maxRssMiB),
        peakRssMiB: round(whole.maxRssMiB),
        ratio: round((whole.maxRssMiB - bare.maxRssMiB) / inputMiB, 2),
        seconds: round(whole.seconds),
      },
    };
    process.stderr.write(
      `diff --from-preview ${result.inputMiB} MiB: peak ${result.peakRssMiB} MiB (baseline ${result.baselineRssMiB} MiB), ratio ${result.ratio}\n`,
    );
    process.stdout.write(JSON.stringify(result) + "\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
