import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  parseTarget,
  formatTarget,
  port25Remediation,
  probePort25,
  summarizePort25,
  type Port25Outcome,
  type Port25Target,
  type Port25TargetResult,
} from "../../src/verify/port25";
import {
  PORT25_PROBE_SCRIPT,
  PROBE_END_MARKER,
  PROBE_LINE_PREFIX,
  parsePort25ProbeOutput,
  port25ProbeCommand,
} from "../../src/verify/port25-probe-script";
import { startPeer, requireTool, type Peer } from "./peers";
import { freePort } from "../servers/bind";
import { asProviderLogs, dockerFramed } from "../servers/docker";
import {
  makeTestCertificates,
  postfixAvailable,
  startPostfix,
  type PostfixServer,
} from "../servers/postfix";

const BOUND_MS = 1500;
// Elapsed-time bounds prove a probe gives up at its own deadline instead of waiting for the
// kernel's connect timeout (about two minutes). The slack absorbs scheduling delay on a loaded
// machine (measured: 2.1 s for a 2 s bound at load average 20); it stays far below two minutes.
const SCHEDULING_SLACK_MS = 5000;

describe("target parsing", () => {
  test("host, host:port, [v6]:port and bare v6", () => {
    assert.deepEqual(parseTarget("mx.example.com"), { host: "mx.example.com" });
    assert.deepEqual(parseTarget("127.0.0.1:2525"), { host: "127.0.0.1", port: 2525 });
    assert.deepEqual(parseTarget("[::1]:25"), { host: "::1", port: 25 });
    assert.deepEqual(parseTarget("2001:db8::1"), { host: "2001:db8::1" });
    assert.equal(parseTarget("mx.example.com:99999"), undefined);
    assert.equal(parseTarget("bad host"), undefined);
    assert.equal(formatTarget({ host: "::1" }), "[::1]:25");
    assert.equal(formatTarget({ host: "a.example", port: 587 }), "a.example:587");
  });
});

describe("verdict and remediation (pure)", () => {
  const r = (target: string, outcome: Port25Outcome): Port25TargetResult => ({
    target,
    outcome,
    elapsedMs: 10,
    detail: "x",
  });
  test("open when any target is open", () => {
    const s = summarizePort25([r("a:25", "timeout"), r("b:25", "open")]);
    assert.equal(s.verdict, "open");
    assert.equal(s.summary, "open: 1 of 2 targets answered with a banner and EHLO");
    assert.equal(s.remediation, "");
  });
  test("blocked names the counts and gives the provider's path", () => {
    const s = summarizePort25(
      [r("a:25", "timeout"), r("b:25", "timeout"), r("c:25", "refused")],
      "aws",
    );
    assert.equal(s.verdict, "blocked");
    assert.equal(s.summary, "blocked: none of 3 targets answered (1 refused, 2 timeout)");
    assert.match(s.remediation, /^Outbound connections to port 25 are silently dropped/);
    assert.match(s.remediation, /ec2-email-limit-rdns-request/);
    assert.match(s.remediation, /set `relay: \{ host, port, username, passwordEnv \}` in the spec/);
  });
  test("each provider has its own text", () => {
    assert.match(
      port25Remediation("timeout", "gcp"),
      /Compute Engine blocks outbound TCP 25 permanently, for every project\. Send through a relay on port 587 or 465; Google does not lift the block\. \(https:\/\/cloud\.google\.com\//,
    );
    assert.match(port25Remediation("timeout", "azure"), /Enterprise Agreement/);
    assert.match(port25Remediation("refused", "vultr"), /Open a support ticket/);
    assert.match(port25Remediation("refused", "digitalocean"), /why-is-smtp-blocked/);
    assert.match(port25Remediation("refused", "other"), /Ask the hosting provider/);
    assert.match(port25Remediation("timeout"), /set `cloud` in the spec/);
    assert.equal(port25Remediation("open", "aws"), "");
  });
});

/** Runs the exact in-container command on this host (no namespace), as the container would. */
// Asynchronously: the fake peers live in this process's event loop.
async function runScript(targets: Port25Target[], timeoutMs: number) {
  const argv = port25ProbeCommand({ targets, timeoutMs });
  const started = Date.now();
  const stdout = await new Promise<string>((resolve) =>
    execFile(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: timeoutMs + 5000 }, (_e, out) =>
      resolve(out),
    ),
  );
  return { elapsed: Date.now() - started, stdout, parsed: parsePort25ProbeOutput(stdout, targets) };
}

describe("against misbehaving peers on loopback", () => {
  const peers: Record<string, Peer> = {};
  let refusedPort = 0;
  before(async () => {
    peers.tarpit = await startPeer({ kind: "tarpit" });
    peers.garbage = await startPeer({ kind: "banner", text: "HELLO THERE \x01garbage\r\n" });
    peers.reset = await startPeer({ kind: "reset", afterMs: 50 });
    peers.rejecting = await startPeer({
      kind: "banner",
      text: "554 5.7.1 no SMTP service here\r\n",
    });
    peers.ehloFails = await startPeer({
      kind: "smtp",
      banner: "220 peer.test ESMTP",
      ehloReply: "502 5.5.2 no",
    });
    peers.open = await startPeer({
      kind: "smtp",
      banner: "220 peer.test ESMTP",
      ehloReply: "250 peer.test",
    });
    refusedPort = await freePort();
  });
  after(async () => {
    for (const p of Object.values(peers)) await p.close();
  });

  const cases = (): Array<[string, Port25Target, Port25Outcome, RegExp]> => [
    [
      "tarpit",
      { host: "127.0.0.1", port: peers.tarpit!.port },
      "tarpit",
      /^connected, but no (banner|reply) within/,
    ],
    [
      "garbage",
      { host: "127.0.0.1", port: peers.garbage!.port },
      "unexpected-banner",
      /^not an SMTP reply: "?HELLO THERE (\\x01|\?)garbage/,
    ],
    [
      "reset",
      { host: "127.0.0.1", port: peers.reset!.port },
      "reset",
      /^connection (reset|closed) by the peer/,
    ],
    [
      "554",
      { host: "127.0.0.1", port: peers.rejecting!.port },
      "unexpected-banner",
      /^banner "?554 5\.7\.1 no SMTP service here"? is not 220$/,
    ],
    [
      "EHLO 502",
      { host: "127.0.0.1", port: peers.ehloFails!.port },
      "unexpected-banner",
      /EHLO got "?502 5\.5\.2 no"?$/,
    ],
    ["refused", { host: "127.0.0.1", port: refusedPort }, "refused", /^connection refused/],
    [
      "open",
      { host: "127.0.0.1", port: peers.open!.port },
      "open",
      /^banner "?220 peer\.test ESMTP"?$/,
    ],
  ];

  test("the library probe classifies each, within the bound", async () => {
    const list = cases();
    const started = Date.now();
    const result = await probePort25({ targets: list.map((c) => c[1]), timeoutMs: BOUND_MS });
    const elapsed = Date.now() - started;
    assert.ok(elapsed < BOUND_MS + SCHEDULING_SLACK_MS, `took ${elapsed} ms`);
    assert.deepEqual(
      result.targets.map((t) => t.outcome),
      list.map((c) => c[2]),
    );
    for (const [i, c] of list.entries()) assert.match(result.targets[i]!.detail, c[3], c[0]);
    assert.equal(result.verdict, "open");
  });

  test("the in-container script classifies each the same way, within the bound", async () => {
    const list = cases();
    const { elapsed, parsed, stdout } = await runScript(
      list.map((c) => c[1]),
      2000,
    );
    assert.ok(elapsed < 2000 + SCHEDULING_SLACK_MS, `took ${elapsed} ms`);
    assert.equal(parsed.complete, true, stdout);
    assert.deepEqual(
      parsed.results.map((t) => t.outcome),
      list.map((c) => c[2]),
      stdout,
    );
    for (const [i, c] of list.entries()) assert.match(parsed.results[i]!.detail, c[3], c[0]);
  });

  test("blocked when nothing answers", async () => {
    const result = await probePort25({
      targets: [
        { host: "127.0.0.1", port: refusedPort },
        { host: "127.0.0.1", port: peers.tarpit!.port },
      ],
      timeoutMs: 500,
      cloud: "gcp",
    });
    assert.equal(result.verdict, "blocked");
    assert.equal(result.summary, "blocked: none of 2 targets answered (1 refused, 1 tarpit)");
    assert.match(result.remediation, /Compute Engine blocks outbound TCP 25/);
  });
});

describe("the script's output format", () => {
  test("markers in the script match the parser's constants", () => {
    assert.ok(PORT25_PROBE_SCRIPT.includes(`printf '%s %s %s %s %s\\n' ${PROBE_LINE_PREFIX} `));
    assert.ok(PORT25_PROBE_SCRIPT.includes(`echo ${PROBE_END_MARKER}\n`));
    assert.ok(!PORT25_PROBE_SCRIPT.includes("@{"));
  });
  test("the command is bash -c SCRIPT with whole-second timeout and targets", () => {
    const argv = port25ProbeCommand({
      targets: [{ host: "mx.example.net" }, { host: "::1", port: 2525 }],
      timeoutMs: 2500,
    });
    assert.deepEqual(argv.slice(0, 2), ["/bin/bash", "-c"]);
    assert.deepEqual(argv.slice(3), [
      "dms-port25-probe",
      "--timeout",
      "3",
      "mx.example.net:25",
      "[::1]:2525",
    ]);
  });
  test("logs as the Docker provider stores them parse the same, with a TTY or without", () => {
    const lines = [
      "DMS-PORT25 a.example:25 open 120 banner 220 a.example ESMTP",
      `DMS-PORT25 b.example:25 timeout 5000 ${"no answer ".repeat(20)}`,
      PROBE_END_MARKER,
    ];
    const targets = [{ host: "a.example" }, { host: "b.example" }];
    const clean = parsePort25ProbeOutput(lines.map((l) => `${l}\n`).join(""), targets);
    // A TTY: raw stream, CRLF line ends. No TTY: every write framed, and the 200-byte line's
    // length byte is not UTF-8, so it reaches the logs as U+FFFD.
    const tty = asProviderLogs(Buffer.from(lines.map((l) => `${l}\r\n`).join("")));
    const framed = asProviderLogs(dockerFramed(lines.map((l) => `${l}\n`)));
    assert.match(framed, /\uFFFD/);
    assert.equal(clean.complete, true);
    assert.deepEqual(parsePort25ProbeOutput(tty, targets), clean);
    assert.deepEqual(parsePort25ProbeOutput(framed, targets), clean);
  });
  test("a truncated log never reads as success", () => {
    const logs = "noise\nDMS-PORT25 a.example:25 open 120 banner 220 a.example ESMTP\n";
    const parsed = parsePort25ProbeOutput(logs, [{ host: "a.example" }, { host: "b.example" }]);
    assert.equal(parsed.complete, false);
    assert.deepEqual(parsed.results, [
      {
        target: "a.example:25",
        outcome: "open",
        elapsedMs: 120,
        detail: "banner 220 a.example ESMTP",
      },
      {
        target: "b.example:25",
        outcome: "error",
        elapsedMs: 0,
        detail: "the probe did not finish",
      },
    ]);
  });
});

describe("against a real Postfix", () => {
  const skip = requireTool(postfixAvailable(), "postfix");
  let postfix: PostfixServer | undefined;
  let port = 0;
  before(async () => {
    if (skip) return;
    port = await freePort();
    const certs = makeTestCertificates("mx.peer.test");
    postfix = await startPostfix({
      hostname: "mx.peer.test",
      listeners: [{ address: "127.0.0.1", port, kind: "smtp" }],
      tls: certs,
    });
  });
  after(async () => {
    await postfix?.stop();
  });
  test("open, with Postfix's banner, from the library and from the script", { skip }, async () => {
    const target = { host: "127.0.0.1", port };
    const lib = await probePort25({ targets: [target], timeoutMs: 3000 });
    assert.equal(lib.verdict, "open");
    assert.equal(lib.targets[0]!.detail, 'banner "220 mx.peer.test ESMTP"');
    const { parsed } = await runScript([target], 3000);
    assert.equal(parsed.results[0]!.outcome, "open");
    assert.equal(parsed.results[0]!.detail, "banner 220 mx.peer.test ESMTP");
  });
});
