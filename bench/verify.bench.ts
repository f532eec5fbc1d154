/**
 * Verify benchmarks, printing one JSON object on the last line:
 *
 * - `verify100`: a full `verifyMailServer` of a server with 100 domains (all DNS checks, SPF
 *   evaluated and DKIM signed-and-verified with mailauth for each domain) against a local BIND
 *   serving the zones the plan renders. SMTP/TLS checks are skipped (`network: false`): they cost
 *   the same for 1 or 100 domains and are measured by their tests.
 * - `port25Dropped`: how long the outbound probe takes to classify a port whose SYNs are dropped
 *   (nftables `drop` in a network namespace), against its timeout, for the library probe (run by
 *   `dmsctl probe-port25` inside the namespace) and for the in-container bash command.
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { startBind } from "../test/servers/bind";
import { createNetnsPair, netnsAvailable } from "../test/servers/netns";
import { makeFixture, specInput } from "../test/verify/fixture";
import { DnsClient } from "../src/net/dns";
import { verifyMailServer } from "../src/verify/verify";
import { port25ProbeCommand } from "../src/verify/port25-probe-script";
import { port25CheckFromLogs } from "../src/verify/port25-check";
import { pick } from "./mode";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function benchVerify(): Promise<Record<string, unknown>> {
  const size = pick(100, 10);
  const domains = Array.from({ length: size }, (_, i) => `d${String(i).padStart(3, "0")}.example`);
  const fx = makeFixture(specInput(["example.com", ...domains.slice(0, size - 1)]));
  const bind = await startBind({ zones: fx.zones });
  try {
    const runs: number[] = [];
    let checks = 0;
    let failed = 0;
    for (let i = 0; i < pick(3, 1); i++) {
      const started = performance.now();
      const report = await verifyMailServer(fx.spec, fx.plan, {
        dns: new DnsClient({ server: bind.hostPort, timeoutMs: 2000 }),
        dkimPrivateKeys: fx.keys,
        network: false,
      });
      runs.push(performance.now() - started);
      checks = report.checks.length;
      failed = report.summary.fail;
    }
    return {
      domains: fx.spec.domains.length,
      zones: Object.keys(fx.zones).length,
      checks,
      failedChecks: failed,
      runsMs: runs.map((r) => Math.round(r)),
      medianMs: Math.round(median(runs)),
      smtpTls: "skipped (network: false)",
    };
  } finally {
    await bind.stop();
  }
}

function inNetns(ns: string, argv: string[]): Promise<{ stdout: string; wallMs: number }> {
  const started = performance.now();
  return new Promise((resolve) =>
    execFile(
      "ip",
      ["netns", "exec", ns, ...argv],
      { encoding: "utf8", timeout: 60_000 },
      (_e, stdout) => resolve({ stdout, wallMs: performance.now() - started }),
    ),
  );
}

async function benchPort25(): Promise<Record<string, unknown>> {
  if (!netnsAvailable()) return { skipped: "needs root with ip netns and nft" };
  const pair = await createNetnsPair({ outbound: "drop" });
  try {
    const out: Record<string, unknown>[] = [];
    for (const timeoutS of pick([1, 2, 5], [1])) {
      const cli = await inNetns(pair.host, [
        process.execPath,
        "--import",
        "tsx",
        join(__dirname, "..", "test", "verify", "dmsctl.ts"),
        "probe-port25",
        "--target",
        `${pair.remoteAddress}:25`,
        "--timeout",
        String(timeoutS),
        "--format",
        "json",
      ]);
      const lib = JSON.parse(cli.stdout) as { targets: { outcome: string; elapsedMs: number }[] };
      const targets = [{ host: pair.remoteAddress }];
      const script = await inNetns(
        pair.host,
        port25ProbeCommand({ targets, timeoutMs: timeoutS * 1000 }),
      );
      const parsed = port25CheckFromLogs(script.stdout, targets);
      out.push({
        timeoutMs: timeoutS * 1000,
        library: { outcome: lib.targets[0]!.outcome, classifiedAfterMs: lib.targets[0]!.elapsedMs },
        libraryCliWallMs: Math.round(cli.wallMs),
        script: {
          outcome: parsed.targets[0]!.outcome,
          classifiedAfterMs: parsed.targets[0]!.elapsedMs,
          wallMs: Math.round(script.wallMs),
        },
      });
    }
    return { runs: out };
  } finally {
    await pair.stop();
  }
}

async function main(): Promise<void> {
  const verify100 = await benchVerify();
  process.stderr.write(`verify100: ${JSON.stringify(verify100)}\n`);
  const port25Dropped = await benchPort25();
  process.stdout.write(`${JSON.stringify({ verify100, port25Dropped })}\n`);
}

void main();
