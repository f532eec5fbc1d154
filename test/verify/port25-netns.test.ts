/**
 * The outbound port 25 probe from a host whose firewall drops or rejects port 25, in network
 * namespaces made by the test: both the CLI (`dmsctl probe-port25`) and the exact command the
 * `Port25Check` one-shot container runs, executed inside the namespace.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { createNetnsPair, netnsAvailable, type NetnsPair } from "../servers/netns";
import {
  makeTestCertificates,
  postfixAvailable,
  startPostfix,
  type PostfixServer,
} from "../servers/postfix";
import { port25ProbeCommand } from "../../src/verify/port25-probe-script";
import { port25CheckFromLogs } from "../../src/verify/port25-check";
import { requireTool } from "./peers";

const skip =
  requireTool(netnsAvailable(), "ip netns and nft (as root)") ||
  requireTool(postfixAvailable(), "postfix");
const TIMEOUT_S = 2;
// Elapsed-time bounds prove a probe gives up at its own deadline instead of waiting for the
// kernel's connect timeout (about two minutes). The slack absorbs scheduling delay on a loaded
// machine (measured: 2.1 s for a 2 s bound at load average 20); it stays far below two minutes.
const SCHEDULING_SLACK_MS = 5000;
const DMSCTL = join(__dirname, "dmsctl.ts");

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly elapsedMs: number;
}

function inNetns(ns: string, argv: readonly string[]): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      "ip",
      ["netns", "exec", ns, ...argv],
      { encoding: "utf8", timeout: 30_000 },
      (err, stdout) => {
        const code = err ? (typeof err.code === "number" ? err.code : -1) : 0;
        resolve({ code, stdout, elapsedMs: Date.now() - started });
      },
    );
  });
}

describe("outbound port 25 in network namespaces", { skip }, () => {
  let dropped: NetnsPair;
  let rejected: NetnsPair;
  let open: NetnsPair;
  let postfix: PostfixServer;
  before(async () => {
    dropped = await createNetnsPair({ outbound: "drop" });
    rejected = await createNetnsPair({ outbound: "reject" });
    open = await createNetnsPair({ outbound: "allow" });
    postfix = await startPostfix({
      hostname: "mx.remote.test",
      netns: open.remote,
      listeners: [{ address: open.remoteAddress, port: 25, kind: "smtp" }],
      tls: makeTestCertificates("mx.remote.test"),
    });
  });
  after(async () => {
    await postfix?.stop();
    for (const p of [dropped, rejected, open]) await p?.stop();
  });

  const cli = (pair: NetnsPair) =>
    inNetns(pair.host, [
      process.execPath,
      "--import",
      "tsx",
      DMSCTL,
      "probe-port25",
      "--target",
      `${pair.remoteAddress}:25`,
      "--timeout",
      String(TIMEOUT_S),
      "--format",
      "json",
    ]);
  const script = (pair: NetnsPair) =>
    inNetns(
      pair.host,
      port25ProbeCommand({ targets: [{ host: pair.remoteAddress }], timeoutMs: TIMEOUT_S * 1000 }),
    );

  test("dropped: the CLI says timeout within the bound and exits 1", async () => {
    const run = await cli(dropped);
    assert.equal(run.code, 1, run.stdout);
    const result = JSON.parse(run.stdout);
    assert.equal(result.verdict, "blocked");
    assert.equal(result.targets[0].outcome, "timeout");
    assert.equal(
      result.targets[0].detail,
      `no answer to the connection attempt within ${TIMEOUT_S}.0 s`,
    );
    assert.ok(
      result.targets[0].elapsedMs >= TIMEOUT_S * 1000 - 50,
      String(result.targets[0].elapsedMs),
    );
    assert.ok(
      result.targets[0].elapsedMs < TIMEOUT_S * 1000 + SCHEDULING_SLACK_MS,
      String(result.targets[0].elapsedMs),
    );
    assert.match(result.remediation, /silently dropped/);
  });

  test("rejected: the CLI says refused at once and exits 1", async () => {
    const run = await cli(rejected);
    assert.equal(run.code, 1, run.stdout);
    const result = JSON.parse(run.stdout);
    assert.equal(result.targets[0].outcome, "refused");
    // Refused answers at once: well inside the timeout a dropped connection waits out.
    assert.ok(result.targets[0].elapsedMs < TIMEOUT_S * 1000, String(result.targets[0].elapsedMs));
  });

  test("open: Postfix in the remote namespace answers; exit 0", async () => {
    const run = await cli(open);
    assert.equal(run.code, 0, run.stdout);
    const result = JSON.parse(run.stdout);
    assert.equal(result.verdict, "open");
    assert.equal(result.targets[0].detail, 'banner "220 mx.remote.test ESMTP"');
  });

  test("the container's exact command: timeout, refused and open, parsed as the component does", async () => {
    const [d, r, o] = await Promise.all([script(dropped), script(rejected), script(open)]);
    assert.ok(
      d.elapsedMs < TIMEOUT_S * 1000 + SCHEDULING_SLACK_MS,
      `dropped took ${d.elapsedMs} ms`,
    );
    assert.equal(d.code, 0);
    const targetOf = (p: NetnsPair) => [{ host: p.remoteAddress }];
    const dc = port25CheckFromLogs(d.stdout, targetOf(dropped), "aws");
    const rc = port25CheckFromLogs(r.stdout, targetOf(rejected));
    const oc = port25CheckFromLogs(o.stdout, targetOf(open));
    assert.deepEqual(
      [dc.targets[0]!.outcome, rc.targets[0]!.outcome, oc.targets[0]!.outcome],
      ["timeout", "refused", "open"],
    );
    assert.equal(
      dc.targets[0]!.detail,
      `no answer to the connection attempt within ${TIMEOUT_S} s`,
    );
    assert.equal(dc.verdict, "blocked");
    assert.match(dc.remediation, /ec2-email-limit-rdns-request/);
    assert.equal(oc.verdict, "open");
    assert.equal(oc.targets[0]!.detail, "banner 220 mx.remote.test ESMTP");
    assert.equal(dc.complete && rc.complete && oc.complete, true);
  });
});
