/**
 * The pure parts of issue 11 in `src/providers/host/docker.ts`: values in the form the Docker
 * provider reads back, the keyed recreate label, and the run-once handshake run by a real `sh`
 * and `bash` (the gates of the config writer and of the port-25 probe in `fail` mode).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  READY_FILE,
  READY_GRACE_SECONDS,
  READY_HANDSHAKE,
  SEEN_FILE,
  WRITER_SCRIPT,
  dockerCapabilities,
  dockerMemorySwapMb,
  goDuration,
  recreateLabel,
  runOnceGate,
} from "../../src/providers/host/docker";
import { PORT25_FAIL_GATE } from "../../src/components/port25-check";

describe("goDuration: Go's time.Duration.String() of whole seconds", () => {
  // Expected values as Go prints them (`fmt.Println(60 * time.Second)` is `1m0s`).
  const cases: [number, string][] = [
    [0, "0s"],
    [1, "1s"],
    [3, "3s"],
    [30, "30s"],
    [59, "59s"],
    [60, "1m0s"],
    [61, "1m1s"],
    [90, "1m30s"],
    [3599, "59m59s"],
    [3600, "1h0m0s"],
    [3661, "1h1m1s"],
    [90000, "25h0m0s"],
  ];
  for (const [s, want] of cases) {
    it(`${s} s is ${want}`, () => assert.equal(goDuration(s), want));
  }
  it("refuses fractions and negatives", () => {
    assert.throws(() => goDuration(1.5), /whole number of seconds >= 0, got 1.5/);
    assert.throws(() => goDuration(-1), /got -1/);
  });
});

describe("dockerCapabilities: as Docker 20.10 reports CapAdd", () => {
  it("prefixes CAP_, upper-cases, dedupes and sorts; ALL stays ALL", () => {
    assert.deepEqual(dockerCapabilities(["NET_ADMIN"]), ["CAP_NET_ADMIN"]);
    assert.deepEqual(dockerCapabilities(["sys_ptrace", "CAP_NET_ADMIN", "net_admin"]), [
      "CAP_NET_ADMIN",
      "CAP_SYS_PTRACE",
    ]);
    assert.deepEqual(dockerCapabilities(["all"]), ["ALL"]);
  });
});

describe("dockerMemorySwapMb", () => {
  it("is twice the memory (what Docker stores when swap is unset), none without a limit", () => {
    assert.equal(dockerMemorySwapMb(1024), 2048);
    assert.equal(dockerMemorySwapMb(undefined), undefined);
  });
});

describe("recreateLabel", () => {
  const hc = {
    tests: ["CMD", "true"],
    interval: "30s",
    timeout: "3s",
    retries: 3,
    startPeriod: "0s",
  };
  const port = { internal: 25, external: 25, ip: "0.0.0.0", protocol: "tcp" };
  it("is 64 hex characters, stable for the same inputs", () => {
    const a = recreateLabel("key", "startup", [port], hc);
    assert.match(a, /^[0-9a-f]{64}$/);
    assert.equal(recreateLabel("key", "startup", [port], hc), a);
  });
  it("changes with the key, the startup hash, a port and the healthcheck", () => {
    const a = recreateLabel("key", "startup", [port], hc);
    const variants = [
      recreateLabel("key2", "startup", [port], hc),
      recreateLabel("key", "startup2", [port], hc),
      recreateLabel("key", "startup", [{ ...port, ip: "::" }], hc),
      recreateLabel("key", "startup", [port, { ...port, ip: "::" }], hc),
      recreateLabel("key", "startup", [port], { ...hc, retries: 4 }),
      recreateLabel("key", "startup", [port], { ...hc, tests: ["CMD", "false"] }),
    ];
    assert.equal(new Set([a, ...variants]).size, variants.length + 1);
  });
});

describe("run-once gate", () => {
  const root = mkdtempSync(join(tmpdir(), "gate-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  /** The container's paths moved under a temporary directory. */
  const local = (s: string) =>
    s
      .replaceAll(READY_FILE, join(root, "ready"))
      .replaceAll(SEEN_FILE, join(root, "seen"))
      // The grace after a passed check is for Docker's status poll; here it only costs time.
      .replaceAll(`sleep ${READY_GRACE_SECONDS}`, "sleep 0.2");
  const reset = () => {
    rmSync(join(root, "ready"), { force: true });
    rmSync(join(root, "seen"), { force: true });
  };

  it("asks the provider to wait for healthy, with a healthcheck that sees the ready file", () => {
    const g = runOnceGate(75);
    assert.equal(g.wait, true);
    assert.equal(g.waitTimeout, 75);
    assert.deepEqual(g.healthcheck, {
      tests: ["CMD-SHELL", `test -e ${READY_FILE} && touch ${SEEN_FILE}`],
      interval: "1s",
      timeout: "5s",
      startPeriod: "0s",
      retries: 3,
    });
  });

  it("the handshake stays up after the check passed, so Docker's status can be polled", () => {
    assert.equal(READY_GRACE_SECONDS, 10);
    assert.match(READY_HANDSHAKE, new RegExp(`\\|\\| sleep ${READY_GRACE_SECONDS}$`));
  });

  it("a script that succeeds marks ready and exits once the healthcheck has seen it", () => {
    reset();
    // Stand-in for Docker's healthcheck: runs the gate's test until it passes (bounded).
    const check = local((runOnceGate(60).healthcheck.tests as string[])[1]!);
    const script = `(for i in $(seq 1 100); do sh -c '${check}' && exit 0; sleep 0.05; done) &\n${local(READY_HANDSHAKE)}`;
    const started = Date.now();
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(existsSync(join(root, "ready")) && existsSync(join(root, "seen")));
    assert.ok(Date.now() - started < 10_000, "returned as soon as the check had run");
  });

  it("the config writer never reaches the handshake when a write fails", () => {
    reset();
    // The staging directory does not exist: `cd` fails under `set -eu`.
    const script = local(
      `${WRITER_SCRIPT.replace(/^src=\S+; dst=\S+$/m, `src=${root}/missing; dst=${root}/config`)}\n${READY_HANDSHAKE}`,
    );
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8", timeout: 20_000 });
    assert.notEqual(r.status, 0);
    assert.equal(existsSync(join(root, "ready")), false);
  });

  /** Runs the probe gate with a stand-in probe printing `lines`. */
  function gate(lines: string[]): { status: number | null; stdout: string } {
    reset();
    const probe = join(root, "probe.sh");
    writeFileSync(probe, `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(" ")}\n`);
    // A healthcheck stand-in so that the open case does not wait its full 30 s.
    writeFileSync(join(root, "seen"), "");
    const r = spawnSync(
      "bash",
      ["-c", local(PORT25_FAIL_GATE), "dms-port25-gate", "/bin/bash", probe],
      { encoding: "utf8", timeout: 20_000 },
    );
    return { status: r.status, stdout: r.stdout };
  }

  it("the probe gate passes when a target is open, and prints the probe's output", () => {
    const out = [
      "DMS-PORT25 a.example:25 timeout 10000 no answer",
      "DMS-PORT25 b.example:25 open 40 banner 220 b.example ESMTP",
      "DMS-PORT25-END",
    ];
    const r = gate(out);
    assert.equal(r.status, 0);
    assert.equal(r.stdout, out.join("\n") + "\n");
    assert.ok(existsSync(join(root, "ready")));
  });

  it("the probe gate fails when no target is open, even if a detail says open", () => {
    const r = gate([
      "DMS-PORT25 a.example:25 timeout 10000 no answer",
      "DMS-PORT25 b.example:25 unexpected-banner 40 banner 554 not open here",
      "DMS-PORT25-END",
    ]);
    assert.equal(r.status, 1);
    assert.equal(existsSync(join(root, "ready")), false);
  });
});
