/**
 * Cold import time of the built package (`dist/cjs/index.js`) against `@pulumi/pulumi` alone, each
 * in a fresh Node process, in back-to-back pairs that alternate which goes first; the ratio is the
 * median of the pairs' ratios (a cold start here varies by more than the 1.2 target's margin
 * from one run to the next, and a pair sees the same machine state on both sides), with its
 * quartiles and each side's median. Also reports whether `@pulumi/aws` or
 * `@pulumi/cloudflare` or `@pulumi/kubernetes` ended up in `require.cache` (they must not: they load only when used).
 * Target: ratio at most 1.2. Needs `npm run build` first.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { pick } from "./mode";

const ROOT = join(__dirname, "..");
const RUNS = pick(21, 3);

function measure(target: string): { ms: number; cloudSdkLoaded: boolean } {
  const code = `
    const t0 = process.hrtime.bigint();
    require(${JSON.stringify(target)});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const loaded = Object.keys(require.cache).some((k) => /@pulumi[\\\\/](aws|cloudflare|kubernetes)[\\\\/]/.test(k));
    console.log(JSON.stringify({ ms, cloudSdkLoaded: loaded }));`;
  const r = spawnSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split("\n").pop()!) as { ms: number; cloudSdkLoaded: boolean };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const pkg = join(ROOT, "dist", "cjs", "index.js");
if (!existsSync(pkg)) throw new Error("dist/cjs/index.js is missing: run `npm run build` first");
const base: number[] = [];
const ours: number[] = [];
let cloudSdkLoaded = false;
for (let i = 0; i < RUNS; i++) {
  const first = i % 2 === 0 ? "@pulumi/pulumi" : pkg;
  const second = first === pkg ? "@pulumi/pulumi" : pkg;
  for (const target of [first, second]) {
    const m = measure(target);
    if (target === pkg) {
      ours.push(m.ms);
      cloudSdkLoaded ||= m.cloudSdkLoaded;
    } else {
      base.push(m.ms);
    }
  }
}
const pairs = ours.map((o, i) => o / base[i]!);
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
process.stdout.write(
  JSON.stringify({
    runs: RUNS,
    pulumi_ms: Number(median(base).toFixed(1)),
    package_ms: Number(median(ours).toFixed(1)),
    ratio: Number(median(pairs).toFixed(3)),
    ratio_quartiles: [quantile(pairs, 0.25), quantile(pairs, 0.75)].map((x) =>
      Number(x.toFixed(3)),
    ),
    target_ratio: 1.2,
    cloud_sdk_loaded: cloudSdkLoaded,
  }) + "\n",
);
