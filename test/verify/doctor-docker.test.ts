/**
 * `dmsctl doctor` against this machine's real Docker engine: it must report the kernel `uname -r`
 * names, the cgroup version of `/sys/fs/cgroup`, and the server version `docker version` prints;
 * and flag a container whose port 25 is reached through docker-proxy (a listener in the
 * docker-mailserver image standing in for Postfix, so no mail server has to start). HostCheck's
 * probe, run with the settings the component gives its container, must agree with doctor on
 * every check it runs, and fail host-userland-proxy because of that listener's docker-proxy.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docker, ensureDocker } from "../servers/docker";
import { dmsImages } from "../e2e/harness";
import { runDmsctl } from "../helpers/cli";
import {
  HOST_CHECK_IDS,
  HOST_PROBE_MOUNTS,
  HOST_PROBE_SCRIPT,
  hostCheckFromLogs,
  hostFactsFromProbe,
} from "../../src/verify/doctor";
import { hostProbeContainer } from "../../src/components/host-check";

interface JsonReport {
  readonly checks: { id: string; status: string; message: string; remediation?: string }[];
}

function message(report: JsonReport, id: string): { status: string; message: string } {
  const c = report.checks.find((x) => x.id === id);
  assert.ok(c, `no ${id} in ${JSON.stringify(report.checks.map((x) => x.id))}`);
  return c;
}

/** cgroup v2 mounts one `cgroup2` filesystem at /sys/fs/cgroup; v1 mounts a tmpfs of hierarchies. */
function hostCgroupVersion(): string {
  const fs = spawnSync("stat", ["-fc", "%T", "/sys/fs/cgroup"], { encoding: "utf8" }).stdout.trim();
  return fs === "cgroup2fs" ? "2" : "1";
}

/** Whether the daemon's userland proxy is on: Docker's default unless daemon.json says false. */
function userlandProxyOn(): boolean {
  try {
    const j = JSON.parse(readFileSync("/etc/docker/daemon.json", "utf8")) as Record<
      string,
      unknown
    >;
    return j["userland-proxy"] !== false;
  } catch {
    return true;
  }
}

/** `docker run` of HostCheck's probe container with the settings the component gives it. */
function runProbe(image: string, hostAccess: boolean): string {
  const c = hostProbeContainer(hostAccess);
  const args = ["run", "--rm", "--network", c.networkMode, "--restart", c.restart];
  if (c.pidMode !== undefined) args.push("--pid", c.pidMode);
  for (const v of c.volumes ?? [])
    args.push("-v", `${v.hostPath}:${v.containerPath}:${v.readOnly ? "ro" : "rw"}`);
  args.push("--entrypoint", c.entrypoints[0]!, image, ...c.command);
  return docker(args);
}

const LISTENER = [
  "import socket",
  "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
  "s.bind(('0.0.0.0', 25)); s.listen(50); held = []",
  "while True:",
  "    c, a = s.accept(); c.send(b'220 doctor test\\r\\n'); held.append(c)",
].join("\n");

describe("dmsctl doctor on this machine's Docker", () => {
  let available: boolean | string = false;
  const name = `dms-doctor-test-${process.pid}`;
  before(async () => {
    if (!(await ensureDocker())) {
      available = "no Docker engine";
      return;
    }
    const images = await dmsImages();
    if ("skip" in images) {
      available = images.skip;
      return;
    }
    docker([
      "run",
      "-d",
      "--name",
      name,
      "-p",
      "0:25",
      "--entrypoint",
      "python3",
      images[0]!.image,
      "-c",
      LISTENER,
    ]);
    available = true;
  });
  after(() => {
    spawnSync("docker", ["rm", "-f", name], { stdio: "ignore" });
  });

  it("reports the real kernel, cgroup version and Docker server version", async (t) => {
    if (available !== true) return t.skip(String(available));
    const r = await runDmsctl(["doctor", "--format", "json"], process.env);
    const report = JSON.parse(r.stdout) as JsonReport;
    const kernel = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
    const server = docker(["version", "--format", "{{.Server.Version}}"]).trim();
    assert.equal(
      message(report, "host-kernel").message.replace(/ is older.*/, ""),
      `kernel ${kernel}`,
    );
    assert.equal(message(report, "host-cgroup").message, `cgroup v${hostCgroupVersion()}`);
    assert.match(
      message(report, "host-docker-version").message,
      new RegExp(`^Docker Engine ${server.replace(/[.+]/g, "\\$&")}\\b`),
    );
    assert.equal(
      message(report, "host-userland-proxy").status,
      userlandProxyOn() ? "fail" : "pass",
    );
    // Host-only: no container checks; warnings only, so exit 0 unless an error-level one failed.
    assert.equal(report.checks.filter((c) => c.id.startsWith("container-")).length, 0);
    assert.equal(r.code, 0, r.stderr);
  });

  it("HostCheck's probe, run as HostCheck runs it, agrees with doctor's local checks", async (t) => {
    if (available !== true) return t.skip(String(available));
    const image = docker(["inspect", "--format", "{{.Config.Image}}", name]).trim();
    // The listener above publishes a port: with userland-proxy on, a docker-proxy runs for it.
    assert.ok(userlandProxyOn(), "this test expects Docker's default userland-proxy here");
    const doctor = JSON.parse(
      (await runDmsctl(["doctor", "--format", "json"], process.env)).stdout,
    ) as JsonReport;
    const started = Date.now();
    const logs = runProbe(image, true);
    const elapsed = Date.now() - started;
    const probe = hostCheckFromLogs(logs);
    t.diagnostic(
      `probe ran in ${elapsed} ms; ${probe.map((c) => `${c.id} ${c.status}`).join(", ")}`,
    );
    assert.deepEqual(
      probe.map((c) => c.id),
      [...HOST_CHECK_IDS],
    );
    for (const id of HOST_CHECK_IDS) {
      const mine = probe.find((c) => c.id === id)!;
      const theirs = message(doctor, id);
      assert.notEqual(mine.status, "skip", `${id} skipped by the probe: ${mine.message}`);
      assert.equal(
        mine.status,
        theirs.status,
        `${id}: probe "${mine.message}", doctor "${theirs.message}"`,
      );
      // The userland-proxy check names its source: doctor the default, the probe the process.
      // doctor also names the host's iptables backend, which the probe cannot see (its
      // iptables is the image's); everything else is word for word.
      if (id === "host-nftables")
        assert.equal(mine.message, theirs.message.replace(/; iptables is \S+$/, ""), id);
      else if (id !== "host-userland-proxy") assert.equal(mine.message, theirs.message, id);
    }
    const proxy = probe.find((c) => c.id === "host-userland-proxy")!;
    assert.equal(proxy.status, "fail");
    assert.match(
      proxy.message,
      /^userland-proxy is on \(\d+ docker-proxy process\(es\) on the host\)$/,
    );
    assert.equal(
      proxy.remediation,
      doctor.checks.find((c) => c.id === "host-userland-proxy")!.remediation,
    );
    assert.match(proxy.remediation!, /"userland-proxy": false/);
    // Only DMS-DOCTOR lines: nothing else of the host reaches the logs (and Pulumi's state).
    assert.deepEqual(
      logs.split("\n").filter((l) => l !== "" && !l.startsWith("DMS-DOCTOR ")),
      [],
    );
  });

  it("HostCheck's probe without hostAccess skips exactly the three checks that need it", async (t) => {
    if (available !== true) return t.skip(String(available));
    const image = docker(["inspect", "--format", "{{.Config.Image}}", name]).trim();
    const probe = hostCheckFromLogs(runProbe(image, false));
    assert.deepEqual(
      probe.filter((c) => c.status === "skip").map((c) => c.id),
      ["host-userland-proxy", "host-ipv6", "host-firewall-frontend"],
    );
    const kernel = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
    assert.equal(
      probe.find((c) => c.id === "host-kernel")!.message.replace(/ is older.*/, ""),
      `kernel ${kernel}`,
    );
    assert.equal(
      probe.find((c) => c.id === "host-cgroup")!.message,
      `cgroup v${hostCgroupVersion()}`,
    );
  });

  it("HostCheck's probe prints only the three daemon.json booleans and ufw's ENABLED", async (t) => {
    if (available !== true) return t.skip(String(available));
    const image = docker(["inspect", "--format", "{{.Config.Image}}", name]).trim();
    const dir = mkdtempSync(join(tmpdir(), "dms-hostcheck-"));
    try {
      mkdirSync(join(dir, "docker"));
      mkdirSync(join(dir, "ufw"));
      // Spread over lines as people write it, with settings that must not leak.
      writeFileSync(
        join(dir, "docker", "daemon.json"),
        [
          "{",
          '  "proxies": { "http-proxy": "http://ops:s3cret-proxy-pw@proxy.internal:3128" },',
          '  "registry-mirrors": ["https://mirror.internal"],',
          '  "userland-proxy" : false,',
          '  "ipv6": true,',
          '  "ip6tables":',
          "    true",
          "}",
        ].join("\n"),
      );
      writeFileSync(join(dir, "ufw", "ufw.conf"), "# ufw.conf\nENABLED=yes\nLOGLEVEL=low\n");
      const logs = docker([
        "run",
        "--rm",
        "--network",
        "none",
        "--pid",
        "host",
        "-v",
        `${join(dir, "docker")}:${HOST_PROBE_MOUNTS[0].containerPath}:ro`,
        "-v",
        `${join(dir, "ufw")}:${HOST_PROBE_MOUNTS[1].containerPath}:ro`,
        "--entrypoint",
        "/bin/sh",
        image,
        "-c",
        HOST_PROBE_SCRIPT,
      ]);
      assert.doesNotMatch(logs, /s3cret|proxy\.internal|mirror|LOGLEVEL/);
      const facts = hostFactsFromProbe(logs);
      assert.deepEqual(facts.userlandProxy, { on: false, source: "daemon.json" });
      assert.equal(facts.ipv6, true);
      assert.equal(facts.ip6tables, true);
      assert.deepEqual(facts.firewalls, [{ name: "ufw", active: true }]);
      const checks = hostCheckFromLogs(logs);
      assert.equal(checks.find((c) => c.id === "host-firewall-frontend")!.message, "ufw active");
      assert.equal(checks.find((c) => c.id === "host-ipv6")!.message, "IPv6 on, ip6tables on");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("flags a container whose port 25 is reached through the userland proxy", async (t) => {
    if (available !== true) return t.skip(String(available));
    if (!userlandProxyOn()) return t.skip("userland-proxy is off on this daemon");
    const r = await runDmsctl(["doctor", name, "--format", "json"], process.env);
    const report = JSON.parse(r.stdout) as JsonReport;
    const gateway = docker([
      "inspect",
      "--format",
      "{{.NetworkSettings.Networks.bridge.Gateway}}",
      name,
    ]).trim();
    const c = message(report, "container-client-ip");
    assert.equal(c.status, "fail", c.message);
    assert.match(
      c.message,
      new RegExp(
        `loopback 127\\.0\\.0\\.1:\\d+ from 127\\.0\\.0\\.1 arrived from gateway ${gateway.replace(/\./g, "\\.")}`,
      ),
    );
    assert.equal(r.code, 1, "container-client-ip is an error-level check");
  });

  it("refuses to unban something that is not an IP, and fails on a missing container", async () => {
    const bad = await runDmsctl(["unban", "192.0.2.0/24"], process.env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /must be an IPv4 or IPv6 address, got "192\.0\.2\.0\/24"/);
    if (available !== true) return;
    const missing = await runDmsctl(
      ["unban", "192.0.2.1", "--container", `${name}-absent`],
      process.env,
    );
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no container named/);
  });
});
