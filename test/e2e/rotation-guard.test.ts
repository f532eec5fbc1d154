/**
 * The DKIM rotation guard of `MailServer` against the real docker-mailserver image, through the
 * component's path (./component.ts): what the component registers for its config writer and its
 * guard is run with the Docker CLI on a real config volume, one case per DKIM engine.
 *
 * 1. The writer of `selector: s2026a` fills the volume (the guard of that first deploy, on the
 *    empty volume, passes).
 * 2. The guard of `selector: s2026b` (no `retiring`) reads the volume read-only: its output names
 *    s2026a and holds no key material, and the component's verdict on it is the
 *    `dkim-rotation-one-step` refusal.
 * 3. With `retiring: [s2026a]` the verdict passes, and the component, given the guard's real
 *    output as its logs, registers the writer; that writer switches the volume to s2026b, and
 *    the guard of step two (`retiring: []`) passes on it.
 *
 * Run under the host-port lock with one image, e.g.
 * `DMS_IMAGE=15.1.0=local/dms:15.1.0 node --import tsx --test test/e2e/rotation-guard.test.ts`.
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import type { MailServerArgs } from "../../src/components/args";
import { guardVerdict } from "../../src/components/mail-server/rotation-guard";
import {
  publicKeyFingerprint,
  signingFilesFromListing,
  signingSelector,
} from "../../src/dms/dkim-signing";
import { MOCK_KEY_BASE64 } from "../components/harness";
import { MailServerSpecSchema } from "../../src/spec/schema";
import { makeTestCertificates, type TestCertificates } from "../servers/postfix";
import { dmsImages, removeContainer, takeE2eLock, type DmsImage } from "./harness";
import { mockedLogs, registered, runGuard, runWriter } from "./component";

type Engine = "rspamd" | "opendkim";
const WHAT = 'MailServer "mail"';

function args(
  certs: TestCertificates,
  engine: Engine,
  dkim: Record<string, unknown>,
): MailServerArgs {
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com", dkim }],
    accounts: [{ address: "alice@example.com", password: "alice-guard-Passw0rd" }],
    features: engine === "rspamd" ? { rspamd: true } : { rspamd: false },
    tls: { type: "manual", certPath: certs.certFile, keyPath: certs.keyFile },
    dkimPublishWait: { enabled: false },
  } as MailServerArgs;
}

/** The domains part of the spec the component validates, for the verdict. */
function domains(dkim: Record<string, unknown>) {
  return MailServerSpecSchema.parse({
    hostname: "mail.example.com",
    domains: [{ name: "example.com", dkim }],
  });
}

async function guardCase(t: TestContext, image: DmsImage, engine: Engine): Promise<void> {
  const certs = makeTestCertificates("mail.example.com");
  const name = `dms-e2e-guard-${engine}`;
  const volume = `${name}-config`;
  const cleanup = () => {
    removeContainer(`${name}-writer`);
    removeContainer(`${name}-guard`);
    spawnSync("docker", ["volume", "rm", "-f", volume], { stdio: "ignore" });
  };
  cleanup();
  t.after(cleanup);
  const guardOn = async (dkim: Record<string, unknown>) => {
    const reg = await registered("mail", args(certs, engine, dkim));
    const run = runGuard(image.image, `${name}-guard`, volume, reg);
    assert.equal(run.code, 0, run.output);
    t.diagnostic(`guard ran in ${run.seconds.toFixed(1)} s`);
    return run.output;
  };

  // 1. First deploy: the guard reads an empty volume and passes; the writer writes s2026a.
  const first = await guardOn({ selector: "s2026a" });
  assert.deepEqual(signingFilesFromListing(first), {});
  assert.equal(guardVerdict(WHAT, domains({ selector: "s2026a" }), first), undefined);
  const regA = await registered("mail", args(certs, engine, { selector: "s2026a" }));
  const wA = runWriter(image.image, `${name}-writer`, volume, regA);
  assert.equal(wA.code, 0, wA.output);

  // 2. One step: refused, from what the real guard printed.
  const oneStep = await guardOn({ selector: "s2026b" });
  const file =
    engine === "rspamd" ? "rspamd/override.d/dkim_signing.conf" : "opendkim/SigningTable";
  assert.ok(oneStep.includes(`DMS-DKIM-SIGNING-FILE ${file}`), oneStep);
  assert.match(oneStep, /s2026a/);
  // Only selector lines leave the container: no key, no key path.
  assert.doesNotMatch(oneStep, /PRIVATE KEY|BEGIN|path\s*=/);
  const refused = guardVerdict(WHAT, domains({ selector: "s2026b" }), oneStep);
  assert.ok(refused, "the one-step switch was not refused");
  assert.match(
    refused,
    /error dkim-rotation-one-step domains\[0\]\.dkim\.selector: changes from "s2026a" to "s2026b" with "s2026a" not in retiring/,
  );
  assert.match(refused, /first set retiring: \["s2026a"\]/);

  // 3. Two steps: passes; the component given the real output registers its writer, which
  // switches the volume; the guard of step two passes on what it wrote.
  const rotating = { selector: "s2026b", retiring: ["s2026a"] };
  const twoStep = await guardOn(rotating);
  assert.equal(guardVerdict(WHAT, domains(rotating), twoStep), undefined);
  // The real image's openssl hashes s2026a's key as Node does; the component's key for the
  // retiring selector passes only when it is that key.
  const signed = publicKeyFingerprint(MOCK_KEY_BASE64);
  const keyFile =
    engine === "rspamd"
      ? /DMS-DKIM-SIGNING-KEY rspamd\/dkim\/rsa-\d+-s2026a-example\.com\.private\.txt ([0-9a-f]{64})/
      : /DMS-DKIM-SIGNING-KEY opendkim\/keys\/example\.com\/s2026a\.private ([0-9a-f]{64})/;
  assert.equal(keyFile.exec(twoStep)?.[1], signed, twoStep);
  const held = (fp: string) => new Map([["example.com/s2026a", fp]]);
  assert.equal(guardVerdict(WHAT, domains(rotating), twoStep, held(signed)), undefined);
  assert.match(
    guardVerdict(WHAT, domains(rotating), twoStep, held("0".repeat(64))) ?? "",
    /error dkim-retiring-key-mismatch domains\[0\]\.dkim\.retiring\[0\]/,
  );
  mockedLogs["mail-dkim-rotation-guard"] = twoStep;
  try {
    const regB = await registered("mail", args(certs, engine, rotating));
    const wB = runWriter(image.image, `${name}-writer`, volume, regB);
    assert.equal(wB.code, 0, wB.output);
  } finally {
    delete mockedLogs["mail-dkim-rotation-guard"];
  }
  const after = await guardOn({ selector: "s2026b" });
  // The signing files name s2026b only; s2026a's key file stays (its record is still published).
  const signing = signingFilesFromListing(after);
  assert.equal(signingSelector(signing, "example.com"), "s2026b");
  assert.doesNotMatch(`${signing.signingTable ?? ""}${signing.rspamdSigning ?? ""}`, /s2026a/);
  assert.equal(guardVerdict(WHAT, domains({ selector: "s2026b" }), after), undefined);
}

test("DKIM rotation guard on the real image", { timeout: 60 * 60 * 1000 }, async (t) => {
  const images = await dmsImages();
  if ("skip" in images) return t.skip(images.skip);
  const image = images.find((i) => i.release === "15.1.0") ?? images[0]!;
  const unlock = await takeE2eLock();
  t.after(unlock);
  for (const engine of ["rspamd", "opendkim"] as const) {
    await t.test(engine, (t) => guardCase(t, image, engine));
  }
});
