/**
 * Registration cost of `MailServer` under Pulumi mocks with 1, 100 and 1,000 domains (Cloudflare
 * DNS, one account per domain with a ready hash), against a hand-written program that registers
 * the same children (same types, names and inputs, replayed from a MailServer run) directly
 * through the provider classes. Prints one JSON object: per case the medians in ms, the ratio
 * (median of back-to-back pairs) with its quartiles; target at most 1.10.
 *
 * Both sides are Pulumi programs (`bench/programs/`) loaded with `require()` as Pulumi's Node
 * language host loads a program (`@pulumi/pulumi/cmd/run/run.js`), their registering code in
 * already-loaded modules (warm on both sides: a fresh module's top-level code runs unoptimized,
 * which would charge the hand-written side only). `domains_100_after_await` runs the same
 * children from a function resumed after an `await` instead, for comparison: Pulumi captures a
 * stack trace of up to 10 frames for every promise it tracks (about 25 per resource), and there
 * the stacks are shallow.
 */
import { performance } from "node:perf_hooks";
import {
  installMocks,
  registrations,
  resetRegistrations,
  type Registration,
} from "../test/components/harness";
import { setRun } from "./programs/context";
import { declareHandWritten } from "./programs/hand-written-children";
import { pick } from "./mode";

// Stack traces are captured for every registered resource (Pulumi records source positions);
// tsx turns on source-map translation of them, which a compiled Pulumi program does not have and
// which charges the deeper call stacks of a component unfairly. Measure as users run: off.
process.setSourceMapsEnabled(false);
installMocks();

const HASH = `{SHA512-CRYPT}$6$abcdefghijklmnop$${"x".repeat(86)}`;

function spec(n: number) {
  const domains = Array.from({ length: n }, (_, i) => ({
    name: `d${i}.example`,
    dns: { provider: "cloudflare" as const, zoneId: `zone-${i}` },
  }));
  return {
    hostname: "mail.d0.example",
    ipv4: "192.0.2.7",
    domains,
    accounts: domains.map((d) => ({ address: `user@${d.name}`, passwordHash: HASH })),
  };
}

/** Runs a program module as the language host does: its top-level code, through `require`. */
function runProgram(file: string): unknown {
  const path = require.resolve(file);
  delete require.cache[path];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports: unknown = require(path);
  // Node also lists every module a module required in its `children`, so each run's program and
  // what it exports (the component side exports its MailServer) would stay reachable for all
  // later runs: 11.9 MB per component run at 100 domains, a heap that grows through the bench
  // and collections that cost more run after run. A language host runs its program once.
  const i = module.children.findIndex((m) => m.filename === path);
  if (i >= 0) module.children.splice(i, 1);
  return exports;
}

/** Garbage of the previous run is collected before the next starts, so neither side pays for the other's. */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function waitFor(count: number): Promise<void> {
  const deadline = Date.now() + 600_000;
  while (registrations.length < count) {
    if (Date.now() > deadline)
      throw new Error(`only ${registrations.length} of ${count} registrations`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * How a side is run: `module`, as a program's top-level code (the figures the target applies to);
 * `after-await`, called from a function resumed after an `await`, as in a program whose exported
 * async function registers after its first `await`. There the stack under the registering code is
 * two frames deep, the component's always at least one deeper, and Pulumi's per-promise stack
 * traces (10 frames at most) format that frame on the component's side only.
 */
type Mode = "module" | "after-await";

let run = 0;
async function component(
  n: number,
  expected?: number,
  mode: Mode = "module",
): Promise<{ ms: number; regs: Registration[] }> {
  resetRegistrations();
  collectGarbage();
  const input = { side: "component", name: `c${run++}`, spec: spec(n) } as const;
  setRun(input);
  const t0 = performance.now();
  let server: import("../src/components/mail-server").MailServer;
  if (mode === "module") {
    ({ server } = runProgram("./programs/mail-server") as typeof import("./programs/mail-server"));
  } else {
    await null;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MailServer } =
      require("../src/components/mail-server") as typeof import("../src/components/mail-server");
    server = new MailServer(input.name, input.spec);
  }
  if (expected === undefined) {
    // The recording run: wait for everything, however many children there are.
    await new Promise((r) => server.container.id.apply(r));
    await new Promise((r) => server.records.apply(r));
    for (let i = 0; i < 100; i++) await new Promise((r) => setImmediate(r));
  } else {
    await waitFor(expected);
  }
  return { ms: performance.now() - t0, regs: [...registrations] };
}

async function handWritten(template: Registration[], mode: Mode = "module"): Promise<number> {
  resetRegistrations();
  collectGarbage();
  const input = { side: "hand-written", prefix: `h${run++}`, template } as const;
  setRun(input);
  const t0 = performance.now();
  if (mode === "module") {
    runProgram("./programs/hand-written");
  } else {
    await null;
    declareHandWritten(input);
  }
  await waitFor(template.length);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (xs: number[], q: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))]!;
const round = (x: number, digits: number) => Number(x.toFixed(digits));

/**
 * The ratio is the median over pairs of (component / hand-written), each pair run back to back in
 * alternating order: the machine's speed drifts by more than the effect measured (absolute times of
 * whole runs differ by up to 15% here), and a pair sees the same drift on both sides. The medians
 * of each side and the quartiles of the pair ratios are printed too.
 */
async function main(): Promise<void> {
  const out: Record<string, unknown> = {};
  const cases: { key: string; n: number; mode: Mode }[] = [
    { key: "domains_1", n: 1, mode: "module" },
    { key: "domains_100", n: 100, mode: "module" },
    // Quick: 200 domains under the same key (`domains` says so); 1000 take minutes per run.
    { key: "domains_1000", n: pick(1000, 200), mode: "module" },
    { key: "domains_100_after_await", n: 100, mode: "after-await" },
  ];
  for (const { key, n, mode } of cases) {
    const first = await component(n);
    const template = first.regs;
    const reps = n >= 200 ? pick(6, 1) : n >= 100 ? pick(16, 2) : pick(100, 10);
    const c: number[] = [];
    const h: number[] = [];
    for (let i = 0; i < reps; i++) {
      // Alternate which runs first, so heap growth and GC debt do not always fall on one side.
      if (i % 2 === 0) {
        h.push(await handWritten(template, mode));
        c.push((await component(n, template.length, mode)).ms);
      } else {
        c.push((await component(n, template.length, mode)).ms);
        h.push(await handWritten(template, mode));
      }
    }
    const pairs = c.map((x, i) => x / h[i]!);
    out[key] = {
      domains: n,
      resources: template.length,
      component_ms: round(median(c), 1),
      hand_written_ms: round(median(h), 1),
      ratio: round(median(pairs), 3),
      ratio_quartiles: [round(quantile(pairs, 0.25), 3), round(quantile(pairs, 0.75), 3)],
      reps,
    };
    process.stderr.write(`${key}: ${JSON.stringify(out[key])}\n`);
  }
  out.target_ratio = 1.1;
  out.target_applies_to = "domains_1, domains_100, domains_1000 (program modules)";
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}
void main();
