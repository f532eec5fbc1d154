/**
 * DKIM rotation against the real docker-mailserver image, one targeted case per DKIM engine
 * (rspamd, OpenDKIM): `dmsctl plan --out` with selector `s2026a`, DMS started from the written
 * compose.yaml, a message signed; then the rotation's first step (`selector: s2026b`,
 * `retiring: [s2026a]`) re-planned into the same folder, the rotated zone published, and the
 * container recreated by plain `docker-compose up -d` (the signing config is startup-only, so the
 * recreate-hash label changed), a second message signed. Both messages verify against a BIND serving the rotated zone
 * (both selectors published: the overlap), the first with s2026a, the second with s2026b.
 *
 * Run under the host-port lock with one image, e.g.
 * `DMS_IMAGE=15.1.0=local/dms:15.1.0 node --import tsx --test test/e2e/dkim-rotation.test.ts`.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { runDmsctl } from "../helpers/cli";
import { makeTestCertificates, type TestCertificates } from "../servers/postfix";
import { startBind } from "../servers/bind";
import { DnsClient } from "../../src/net/dns";
import {
  DMS_PORTS,
  dmsImages,
  message,
  portHolders,
  removeContainer,
  startResolver,
  takeE2eLock,
  token,
  waitDelivered,
  waitHealthy,
  waitListening,
  type DmsImage,
} from "./harness";
import { sendMail } from "./mail-client";
import { dkimResults, type DkimVerdict } from "./dkim";
import { compose, composeForTest, zonesOf } from "./plan-out";

const PASSWORD = "alice-rotation-Passw0rd";
const SIGNER = { rspamd: 11332, opendkim: 8891 } as const;
type Engine = keyof typeof SIGNER;

function specYaml(certs: TestCertificates, engine: Engine, dkim: Record<string, unknown>): string {
  return stringify({
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com", dkim }],
    accounts: [{ address: "alice@example.com", passwordEnv: "E2E_ALICE" }],
    features: engine === "rspamd" ? { rspamd: true } : { rspamd: false },
    tls: { type: "manual", certPath: certs.certFile, keyPath: certs.keyFile },
  });
}

async function planOut(yaml: string, work: string, dir: string): Promise<string> {
  const spec = join(work, "spec.yaml");
  writeFileSync(spec, yaml);
  const run = await runDmsctl(["plan", spec, "--out", dir], { E2E_ALICE: PASSWORD });
  assert.equal(run.code, 0, run.stderr);
  return run.stderr;
}

/** Submits a message on 587 and returns it as delivered, with its DKIM signatures' selectors. */
async function signedMessage(
  certs: TestCertificates,
  name: string,
  label: string,
): Promise<string> {
  const tok = token(label);
  await sendMail(
    {
      host: "127.0.0.1",
      port: 587,
      security: "starttls",
      servername: certs.hostname,
      ca: certs.caCertPem,
    },
    {
      helo: "client.e2e.test",
      from: "alice@example.com",
      to: ["alice@example.com"],
      auth: { user: "alice@example.com", password: PASSWORD },
      data: message("alice@example.com", "alice@example.com", tok),
    },
  );
  return waitDelivered(name, "alice@example.com", tok);
}

const selectors = (raw: string) =>
  [...raw.matchAll(/^DKIM-Signature:[^]*?\bs=([a-z0-9-]+);/gm)].map((m) => m[1]!);

async function rotationCase(t: TestContext, image: DmsImage, engine: Engine): Promise<void> {
  const certs = makeTestCertificates("mail.example.com");
  const work = mkdtempSync(join(tmpdir(), `dms-e2e-rot-${engine}-`));
  const dir = join(work, "out");
  const project = `dms-e2e-rot-${engine}`;
  const name = project;
  await planOut(specYaml(certs, engine, { selector: "s2026a" }), work, dir);
  let resolver = await startResolver(zonesOf(dir));
  const file = composeForTest(dir, image.image, resolver.resolvConf, name);
  removeContainer(name);
  try {
    const started = Date.now();
    compose(project, file, ["up", "-d"]);
    t.diagnostic(`healthy after ${(await waitHealthy(name, started)).toFixed(1)} s`);
    await waitListening(name, [587, SIGNER[engine]]);
    const before = await signedMessage(certs, name, "before");
    assert.deepEqual(selectors(before), ["s2026a"]);

    // Step 1 of the rotation: publish s2026b, keep s2026a, switch signing.
    const steps = await planOut(
      specYaml(certs, engine, { selector: "s2026b", retiring: ["s2026a"] }),
      work,
      dir,
    );
    assert.match(steps, /DKIM rotation for example\.com: s2026a -> s2026b\. Apply in this order:/);
    // Steps 1-2: publish the rotated zone (both selectors) where DMS resolves. rspamd checks the
    // published key before it signs (check_pubkey), so it would not sign with s2026b before this.
    await resolver.stop();
    resolver = await startResolver(zonesOf(dir));
    // Step 3: deploy config/ (written in place by plan --out).
    const switched = Date.now();
    // The signing config is startup-only for both engines: step 3 says to run plain `up -d`,
    // which recreates because the recreate-hash label changed.
    assert.match(steps, /3\. Run docker compose up -d in the --out folder/);
    composeForTest(dir, image.image, resolver.resolvConf, name);
    compose(project, file, ["up", "-d"]);
    await waitListening(name, [587, SIGNER[engine]]);
    // rspamd picks its files up live: send until a message leaves signed with the new selector.
    let after = "";
    // While rspamd restarts, its milter may refuse a message for a moment: that try is retried.
    const tries: string[] = [];
    for (let i = 0; i < 24; i++) {
      try {
        after = await signedMessage(certs, name, `after${i}`);
        tries.push(selectors(after).join(",") || "unsigned");
        if (selectors(after).includes("s2026b")) break;
      } catch (err) {
        tries.push((err as Error).message.slice(0, 120));
      }
      await new Promise((r) => setTimeout(r, 5000));
    }
    t.diagnostic(`messages after the switch: ${tries.join(" | ")}`);
    t.diagnostic(
      `signing with s2026b ${((Date.now() - switched) / 1000).toFixed(1)} s after the switch`,
    );
    assert.deepEqual(selectors(after), ["s2026b"]);

    // The overlap: the rotated zone publishes both selectors; both messages verify.
    const bind = await startBind({ zones: zonesOf(dir) });
    try {
      const zone = zonesOf(dir)["example.com"]!;
      assert.match(zone, /^s2026a\._domainkey /m);
      assert.match(zone, /^s2026b\._domainkey /m);
      const dns = new DnsClient({ server: bind.hostPort, timeoutMs: 3000 });
      const resolve = (n: string, rr: string) => dns.resolve(n, rr);
      const verdict = (v: DkimVerdict[]) => v.map((x) => [x.domain, x.selector, x.result]);
      assert.deepEqual(verdict(await dkimResults(before, resolve)), [
        ["example.com", "s2026a", "pass"],
      ]);
      assert.deepEqual(verdict(await dkimResults(after, resolve)), [
        ["example.com", "s2026b", "pass"],
      ]);
    } finally {
      await bind.stop();
    }
  } finally {
    if (process.env.DMS_E2E_KEEP !== "1") {
      spawnSync("docker-compose", ["-p", project, "-f", file, "down", "-t", "10"], {
        stdio: "ignore",
        timeout: 300_000,
      });
      removeContainer(name);
    }
    await resolver.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

test("DKIM rotation with the real docker-mailserver", { timeout: 60 * 60 * 1000 }, async (t) => {
  const images = await dmsImages();
  if ("skip" in images) {
    t.skip(images.skip);
    return;
  }
  const unlock = await takeE2eLock();
  t.after(unlock);
  assert.deepEqual(portHolders(DMS_PORTS), [], "something already listens on a port DMS needs");
  const engines = (process.env.DMS_E2E_ENGINES ?? "rspamd,opendkim").split(",") as Engine[];
  for (const image of images) {
    for (const engine of engines) {
      await t.test(
        `${image.release}: ${engine}: mail signed before and after the switch verifies`,
        (t) => rotationCase(t, image, engine),
      );
    }
  }
});
