/**
 * SHA512-CRYPT cost: ours (WebAssembly, src/dms/password.ts) against glibc/libxcrypt crypt(3)
 * through Python 3's `crypt` module, measured in the same run on the same passwords and salts,
 * and the worker pool's throughput against one thread. Prints one JSON object on its last line.
 *
 * Method: each side hashes N passwords after a warm-up (so V8 has tiered the module up); the best
 * of REPEATS runs is reported, for both sides alike. The 1-minute load average before and after
 * is printed too: on a busy machine the pool cannot show its speedup.
 */
import { spawnSync } from "node:child_process";
import { availableParallelism, loadavg } from "node:os";
import { deriveSalt, hashPasswords, sha512Crypt } from "../src/dms/password";
import { pick } from "./mode";

const N = pick(500, 50);
const REPEATS = pick(3, 1);
const BATCH = pick(2000, 200);

const inputs = Array.from({ length: N }, (_, i) => {
  const password = `bench-password-${i}`;
  return { password, salt: deriveSalt("mail.example.org", `user${i}@example.org`, password) };
});

function glibcMsPerHash(): number {
  const script = [
    "import crypt, json, sys, time",
    "cases = json.load(sys.stdin)",
    "for p, s in cases[:100]: crypt.crypt(p, s)",
    "best = None",
    `for _ in range(${REPEATS}):`,
    "    t = time.perf_counter()",
    "    for p, s in cases: crypt.crypt(p, s)",
    "    d = time.perf_counter() - t",
    "    best = d if best is None or d < best else best",
    "print(best * 1000 / len(cases))",
  ].join("\n");
  const run = spawnSync("python3", ["-W", "ignore", "-c", script], {
    input: JSON.stringify(inputs.map((x) => [x.password, `$6$${x.salt}`])),
    encoding: "utf8",
  });
  if (run.status !== 0) throw new Error(`python3 crypt failed: ${run.stderr}`);
  return Number(run.stdout.trim());
}

function oursMsPerHash(): number {
  for (const x of inputs.slice(0, 200)) sha512Crypt(x.password, x.salt);
  let best = Infinity;
  for (let r = 0; r < REPEATS; r++) {
    const t = performance.now();
    for (const x of inputs) sha512Crypt(x.password, x.salt);
    best = Math.min(best, performance.now() - t);
  }
  return best / N;
}

async function batchMs(
  entries: Parameters<typeof hashPasswords>[0],
  threads: number,
  poolThreshold?: number,
) {
  const t = performance.now();
  await hashPasswords(entries, { threads, poolThreshold });
  return performance.now() - t;
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  // Other processes skew every figure (the pool most); the load average says how quiet it was.
  const loadBefore = loadavg()[0]!;
  const glibc = glibcMsPerHash();
  const ours = oursMsPerHash();

  const batch = Array.from({ length: BATCH }, (_, i) => ({
    address: `user${i}@example.org`,
    password: `batch-password-${i}`,
    salt: deriveSalt("mail.example.org", `user${i}@example.org`, `batch-password-${i}`),
  }));
  const oneThreadMs = await batchMs(batch, 1);
  const poolMs = await batchMs(batch, cores);

  // Where the pool starts to pay: small batches in-thread vs forced through the pool.
  const crossover: Record<string, { inThreadMs: number; poolMs: number }> = {};
  for (const n of [8, 16, 32, 64]) {
    crossover[String(n)] = {
      inThreadMs: round(await batchMs(batch.slice(0, n), 1)),
      poolMs: round(await batchMs(batch.slice(0, n), cores, 0)),
    };
  }

  process.stdout.write(
    JSON.stringify({
      cores,
      loadAverage1m: { before: round(loadBefore), after: round(loadavg()[0]!) },
      glibcMsPerHash: round(glibc),
      oursMsPerHash: round(ours),
      ratioToGlibc: round(ours / glibc),
      batch: BATCH,
      oneThread: {
        ms: Math.round(oneThreadMs),
        hashesPerSecond: Math.round((BATCH * 1000) / oneThreadMs),
      },
      pool: {
        threads: cores,
        ms: Math.round(poolMs),
        hashesPerSecond: Math.round((BATCH * 1000) / poolMs),
      },
      poolSpeedup: round(oneThreadMs / poolMs),
      crossover,
    }) + "\n",
  );
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exitCode = 1;
});
