/**
 * `dmsctl doctor` against a running docker-mailserver (15.1.0 unless `DMS_IMAGE` says otherwise)
 * on Docker's default bridge with port 25 published on a random host port, the way most users run
 * it: its supervisord services are read for real, and a test connection to the published port
 * must show whether Postfix sees the client or the bridge's gateway (docker-proxy, when the
 * daemon's userland-proxy is on, as by default).
 *
 * Starts a DMS container, so run it under the host-port lock:
 * `flock /tmp/dms-host-ports.lock node --import tsx --test test/e2e/doctor.test.ts`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docker } from "../servers/docker";
import { dmsImages, doveadmHash, poll, removeContainer, runLeanDms, takeE2eLock } from "./harness";
import { runDmsctl } from "../helpers/cli";

interface JsonReport {
  readonly checks: { id: string; status: string; message: string }[];
}

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

test("dmsctl doctor reads a running docker-mailserver", { timeout: 60 * 60 * 1000 }, async (t) => {
  const images = await dmsImages();
  if ("skip" in images) return t.skip(images.skip);
  const image = images.find((i) => i.release === "15.1.0") ?? images[0]!;
  const unlock = await takeE2eLock();
  t.after(unlock);
  const name = "dms-e2e-doctor";
  const cfg = mkdtempSync(join(tmpdir(), "dms-e2e-doctor-"));
  removeContainer(name);
  try {
    const hash = doveadmHash(image.image, "doctor-Passw0rd");
    writeFileSync(join(cfg, "postfix-accounts.cf"), `doctor@example.com|${hash}\n`);
    runLeanDms(name, cfg, image.image, ["-p", "0:25"]);
    // Postfix and Dovecot RUNNING under supervisord: DMS has finished its setup.
    await poll("postfix and dovecot RUNNING", 600_000, 5000, () => {
      const r = docker(["exec", name, "sh", "-c", "supervisorctl status postfix dovecot || true"]);
      return (r.match(/RUNNING/g) ?? []).length === 2 ? true : undefined;
    });
    const r = await runDmsctl(["doctor", name, "--format", "json"], process.env);
    const report = JSON.parse(r.stdout) as JsonReport;
    const byId = (id: string) => report.checks.find((c) => c.id === id)!;
    const services = byId("container-services");
    assert.equal(services.status, "pass", services.message);
    assert.match(services.message, /^\d+ services RUNNING, none failed$/);
    assert.equal(byId("container-fail2ban").status, "skip");
    const gateway = docker([
      "inspect",
      "--format",
      "{{.NetworkSettings.Networks.bridge.Gateway}}",
      name,
    ]).trim();
    const client = byId("container-client-ip");
    if (userlandProxyOn()) {
      assert.equal(client.status, "fail", client.message);
      assert.ok(client.message.includes(`arrived from gateway ${gateway}`), client.message);
      assert.equal(r.code, 1);
    } else {
      assert.notEqual(client.status, "fail", client.message);
    }
  } finally {
    if (process.env.DMS_E2E_KEEP !== "1") removeContainer(name);
    rmSync(cfg, { recursive: true, force: true });
  }
});
