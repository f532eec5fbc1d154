/**
 * Cold import time of the built package (`dist/cjs/index.js`) against `@pulumi/pulumi` alone, each
 * in a fresh Node process, several runs, medians. Also reports whether `@pulumi/aws` or
 * `@pulumi/cloudflare` ended up in `require.cache` (they must not: they load only when used).
 * Target: ratio at most 1.2. Needs `npm run build` first.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(__dirname, "..");
const RUNS = 9;

function measure(target: string): { ms: number; cloudSdkLoaded: boolean } {
  const code = `
    const t0 = process.hrtime.bigint();
    require(${JSON.stringify(target)});
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const loaded = Object.keys(require.cache).some((k) => /@pulumi[\\\\/](aws|cloudflare)[\\\\/]/.test(k));
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
  base.push(measure("@pulumi/pulumi").ms);
  const m = measure(pkg);
  ours.push(m.ms);
  cloudSdkLoaded ||= m.cloudSdkLoaded;
}
process.stdout.write(
  JSON.stringify({
    runs: RUNS,
    pulumi_ms: Number(median(base).toFixed(1)),
    package_ms: Number(median(ours).toFixed(1)),
    ratio: Number((median(ours) / median(base)).toFixed(3)),
    target_ratio: 1.2,
    cloud_sdk_loaded: cloudSdkLoaded,
  }) + "\n",
);
