/**
 * End-to-end figures against the real docker-mailserver image, per release (the images the e2e
 * suite uses: `DMS_IMAGE`, else built from `../shared/dms`, else pulled), printing one JSON object
 * on the last line:
 *
 * - `runToHealthyS`: from `docker run` of the container `MailServer` registers to Docker reporting
 *   it `healthy`. Docker runs the healthcheck every `interval` (30 s, the plan's), so this figure
 *   moves in steps of the interval; `runToHealthcheckPassS` is when the same check command first
 *   succeeds (polled every second with `docker exec`), i.e. when SMTP listens.
 * - `runToSignerS`: from `docker run` to rspamd's milter listening (mail is signed from then on).
 * - `writerToLoginS`: from the start of a second config-writer run that adds an account, while DMS
 *   runs, to that account's first successful IMAP login (no restart: DMS's change detector).
 *
 * One sample per release: each costs a container start (about a minute); the e2e suite prints
 * the same figures as test diagnostics on every run.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import type { MailServerArgs } from "../src/index";
import { registered, runMailContainer, runWriter } from "../test/e2e/component";
import {
  dmsImages,
  poll,
  removeContainer,
  startResolver,
  takeE2eLock,
  tryExec,
  waitHealthy,
  waitListening,
} from "../test/e2e/harness";
import { imapLogin, listening } from "../test/e2e/mail-client";
import { makeTestCertificates } from "../test/servers/postfix";
import { pick } from "./mode";

const HEALTHCHECK = "ss --listening --ipv4 --tcp | grep --silent ':smtp' || exit 1";

function args(certFile: string, keyFile: string, pem: string, second: boolean): MailServerArgs {
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    domains: [{ name: "example.com", dkim: { privateKey: pulumi.secret(pem) } }],
    accounts: [
      { address: "first@example.com", password: pulumi.secret("first-bench-Passw0rd") },
      ...(second
        ? [{ address: "second@example.com", password: pulumi.secret("second-bench-Passw0rd") }]
        : []),
    ],
    tls: { type: "manual", certPath: certFile, keyPath: keyFile },
  };
}

async function benchRelease(image: string, release: string): Promise<Record<string, unknown>> {
  const certs = makeTestCertificates("mail.example.com");
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 })
    .privateKey.export({ type: "pkcs1", format: "pem" })
    .toString();
  const name = `dms-e2e-bench-${release.replace(/[^a-z0-9]/g, "")}`;
  const first = await registered("mail", args(certs.certFile, certs.keyFile, pem, false));
  const volumes: Record<string, string> = {};
  for (const [registeredName, plan] of Object.entries(first.volumeNames)) {
    volumes[registeredName] = `${name}-${plan}`;
  }
  const configVolume =
    volumes[Object.keys(first.volumeNames).find((k) => first.volumeNames[k] === "config")!]!;
  const cleanup = () => {
    removeContainer(name);
    removeContainer(`${name}-writer`);
    for (const v of Object.values(volumes)) {
      spawnSync("docker", ["volume", "rm", "-f", v], { stdio: "ignore" });
    }
  };
  cleanup();
  const resolver = await startResolver(first.zoneFiles);
  try {
    const w1 = runWriter(image, `${name}-writer`, configVolume, first);
    if (w1.code !== 0) throw new Error(`writer exited ${w1.code}: ${w1.output}`);
    const started = Date.now();
    runMailContainer(image, name, first, (n) => volumes[n]!, {
      resolvConf: resolver.resolvConf,
      hostsEntry: "mail.example.com:127.0.0.1",
    });
    // Side by side, so each figure is its own first success (in sequence, a later poll would
    // only see a state reached while an earlier one was still waiting).
    const [checkPass, signer, healthy] = await Promise.all([
      poll("healthcheck command passes", 600_000, 1000, () =>
        tryExec(name, ["sh", "-c", HEALTHCHECK]).status === 0 ? Date.now() : undefined,
      ),
      poll("rspamd milter listens", 600_000, 1000, async () =>
        (await listening("127.0.0.1", 11332)) ? Date.now() : undefined,
      ),
      waitHealthy(name, started),
    ]);
    await waitListening(name, [25, 587, 993, 11332]);
    const second = await registered("mail", args(certs.certFile, certs.keyFile, pem, true));
    const wrote = Date.now();
    const w2 = runWriter(image, `${name}-writer`, configVolume, second);
    if (w2.code !== 0) throw new Error(`writer exited ${w2.code}: ${w2.output}`);
    const e = {
      host: "127.0.0.1",
      port: 993,
      security: "tls" as const,
      servername: certs.hostname,
      ca: certs.caCertPem,
    };
    const login = await poll("second@example.com logs in", 120_000, 250, async () =>
      (
        await imapLogin(e, "second@example.com", "second-bench-Passw0rd").catch(() => ({
          ok: false,
        }))
      ).ok
        ? Date.now()
        : undefined,
    );
    const s = (ms: number) => Math.round(ms / 100) / 10;
    return {
      image,
      runToHealthyS: s(healthy * 1000),
      runToHealthcheckPassS: s(checkPass - started),
      runToSignerS: s(signer - started),
      writerToLoginS: s(login - wrote),
    };
  } finally {
    cleanup();
    await resolver.stop();
  }
}

async function main(): Promise<void> {
  const images = await dmsImages();
  if ("skip" in images) {
    process.stdout.write(`${JSON.stringify({ skipped: images.skip })}\n`);
    return;
  }
  // The e2e suite's lock: both bind the real mail ports with a host-networked DMS.
  const unlock = await takeE2eLock();
  const out: Record<string, unknown> = {};
  try {
    // Quick: the pinned release only (a container start each); the document names what ran.
    for (const { image, release } of pick(images, images.slice(0, 1)))
      out[release] = await benchRelease(image, release);
  } finally {
    unlock();
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
