/**
 * `dmsctl doctor` against this machine's real Docker engine: it must report the kernel `uname -r`
 * names, the cgroup version of `/sys/fs/cgroup`, and the server version `docker version` prints;
 * and flag a container whose port 25 is reached through docker-proxy (a listener in the
 * docker-mailserver image standing in for Postfix, so no mail server has to start).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { docker, ensureDocker } from "../servers/docker";
import { dmsImages } from "../e2e/harness";
import { runDmsctl } from "../helpers/cli";
import { HOST_PROBE_SCRIPT, hostCheckFromLogs } from "../../src/verify/doctor";

interface JsonReport {
  readonly checks: { id: string; status: string; message: string }[];
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

  it("HostCheck's probe, run in the DMS image, reports the same kernel and cgroup version", async (t) => {
    if (available !== true) return t.skip(String(available));
    const image = docker(["inspect", "--format", "{{.Config.Image}}", name]).trim();
    const logs = docker([
      "run",
      "--rm",
      "--network",
      "none",
      "--entrypoint",
      "/bin/sh",
      image,
      "-c",
      HOST_PROBE_SCRIPT,
    ]);
    const kernel = spawnSync("uname", ["-r"], { encoding: "utf8" }).stdout.trim();
    assert.deepEqual(
      hostCheckFromLogs(logs).map((c) => c.message.replace(/ is older.*/, "")),
      [`kernel ${kernel}`, `cgroup v${hostCgroupVersion()}`],
    );
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
