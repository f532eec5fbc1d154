/**
 * Backup and restore with the real docker-mailserver image (15.1.0 unless `DMS_IMAGE` says
 * otherwise): the component's writer and container (replayed as in dms.test.ts), mail delivered
 * on port 25, `dmsctl backup --out`, the container and all four volumes destroyed, a fresh
 * deployment on new volumes, `dmsctl restore` (refused while it runs, then into the stopped
 * container), and every message read again over IMAP.
 *
 * Run it under the host-port lock (host networking binds the mail ports):
 * `flock /tmp/dms-host-ports.lock node --import tsx --test test/e2e/backup.test.ts`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { MailServerArgs } from "../../src/index";
import { runDmsctl } from "../helpers/cli";
import { makeTestCertificates } from "../servers/postfix";
import {
  dmsImages,
  DMS_PORTS,
  message,
  portHolders,
  removeContainer,
  SENDER_DOMAIN,
  startResolver,
  takeE2eLock,
  token,
  waitDelivered,
  waitHealthy,
  waitListening,
  poll,
} from "./harness";
import { imapSubjects, sendMail, type Endpoint } from "./mail-client";
import { registered, runMailContainer, runWriter } from "./component";

const PASSWORD = "frank-e2e-Passw0rd";

test("backup, destroy, restore: every message survives", { timeout: 40 * 60 * 1000 }, async (t) => {
  const images = await dmsImages();
  if ("skip" in images) return t.skip(images.skip);
  const image = images.find((i) => i.release === "15.1.0") ?? images[0]!;
  const unlock = await takeE2eLock();
  t.after(unlock);
  assert.deepEqual(portHolders(DMS_PORTS), [], "something already listens on a port DMS needs");
  const certs = makeTestCertificates("mail.example.com");
  const args: MailServerArgs = {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com" }],
    accounts: [{ address: "frank@example.com", password: pulumi.secret(PASSWORD) }],
    tls: { type: "manual", certPath: certs.certFile, keyPath: certs.keyFile },
  };
  const reg = await registered("mail", args);
  const name = "dms-e2e-backup";
  const generation = { n: 1 };
  const volumeFor = (registeredName: string) =>
    `${name}-g${generation.n}-${reg.volumeNames[registeredName] ?? registeredName}`;
  const configVolume = () =>
    volumeFor(Object.keys(reg.volumeNames).find((k) => reg.volumeNames[k] === "config")!);
  const allVolumes = (g: number) =>
    Object.values(reg.volumeNames).map((plan) => `${name}-g${g}-${plan}`);
  const out = mkdtempSync(join(tmpdir(), "dms-e2e-backup-"));
  const cleanup = () => {
    removeContainer(name);
    removeContainer(`${name}-writer`);
    for (const g of [1, 2])
      spawnSync("docker", ["volume", "rm", "-f", ...allVolumes(g)], { stdio: "ignore" });
  };
  cleanup();
  const resolver = await startResolver(reg.zoneFiles);
  const imaps: Endpoint = {
    host: "127.0.0.1",
    port: 993,
    security: "tls",
    servername: certs.hostname,
    ca: certs.caCertPem,
  };
  const deploy = async () => {
    const w = runWriter(image.image, `${name}-writer`, configVolume(), reg);
    assert.equal(w.code, 0, w.output);
    const started = Date.now();
    runMailContainer(image.image, name, reg, volumeFor, {
      resolvConf: resolver.resolvConf,
      hostsEntry: "mail.example.com:127.0.0.1",
    });
    return started;
  };
  try {
    const tokens = [token("one"), token("two"), token("three")];
    await t.test("deliver three messages", async (t) => {
      t.diagnostic(`healthy after ${(await waitHealthy(name, await deploy())).toFixed(1)} s`);
      await waitListening(name, [25, 993]);
      for (const tok of tokens) {
        const from = `tester@${SENDER_DOMAIN}`;
        await sendMail(
          { ...imaps, port: 25, security: "starttls" },
          {
            helo: `mx.${SENDER_DOMAIN}`,
            from,
            to: ["frank@example.com"],
            data: message(from, "frank@example.com", tok),
          },
        );
        await waitDelivered(name, "frank@example.com", tok);
      }
      const subjects = await imapSubjects(imaps, "frank@example.com", PASSWORD);
      assert.deepEqual(subjects.sort(), tokens.map((k) => `Subject: e2e ${k}`).sort());
    });

    let archive = "";
    await t.test(
      "dmsctl backup --out writes a UTC-stamped archive of the four volumes",
      async () => {
        const r = await runDmsctl(["backup", name, "--out", out], process.env);
        assert.equal(r.code, 0, r.stderr);
        const files = readdirSync(out);
        assert.equal(files.length, 1, files.join(", "));
        assert.match(files[0]!, /^dms-e2e-backup-\d{8}T\d{6}Z\.tar\.gz$/);
        archive = join(out, files[0]!);
        assert.equal(r.stdout.trim(), archive);
        const list = spawnSync("tar", ["-tzf", archive], {
          encoding: "utf8",
          maxBuffer: 1 << 26,
        }).stdout;
        for (const d of ["var/mail/", "var/mail-state/", "var/log/mail/", "tmp/docker-mailserver/"])
          assert.ok(list.split("\n").includes(d), `${d} missing from the archive`);
      },
    );

    await t.test(
      "destroy the container and every volume; a fresh deployment has no mail",
      async (t) => {
        removeContainer(name);
        const rm = spawnSync("docker", ["volume", "rm", ...allVolumes(1)], { encoding: "utf8" });
        assert.equal(rm.status, 0, rm.stderr);
        generation.n = 2;
        t.diagnostic(
          `fresh: healthy after ${(await waitHealthy(name, await deploy())).toFixed(1)} s`,
        );
        await waitListening(name, [993]);
        const subjects = await poll("a login to the fresh server", 60_000, 3000, async () => {
          try {
            return await imapSubjects(imaps, "frank@example.com", PASSWORD);
          } catch {
            return undefined;
          }
        });
        assert.deepEqual(subjects, []);
      },
    );

    await t.test("dmsctl restore refuses a running container and changes nothing", async () => {
      const r = await runDmsctl(["restore", name, "--from", archive], process.env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /is running; refusing to restore/);
    });

    await t.test("dmsctl restore --stop brings every message back", async (t) => {
      const started = Date.now();
      const r = await runDmsctl(["restore", name, "--from", archive, "--stop"], process.env);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /swapped \/var\/mail\b/);
      t.diagnostic(
        `restore + restart -> healthy: ${(await waitHealthy(name, started)).toFixed(1)} s`,
      );
      await waitListening(name, [993]);
      const subjects = await poll("the restored mail over IMAP", 120_000, 3000, async () => {
        try {
          const s = await imapSubjects(imaps, "frank@example.com", PASSWORD);
          return s.length === tokens.length ? s : undefined;
        } catch {
          return undefined;
        }
      });
      assert.deepEqual(subjects.sort(), tokens.map((k) => `Subject: e2e ${k}`).sort());
    });
  } finally {
    if (process.env.DMS_E2E_KEEP !== "1") cleanup();
    rmSync(out, { recursive: true, force: true });
    await resolver.stop();
  }
});
