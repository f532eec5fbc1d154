/**
 * The `dmsctl plan --out` path of the end-to-end suite, shared by its files: plan a spec into a
 * directory, start the written compose.yaml with only the test machine's swaps, send mail to it,
 * check its log against the benign list, and stop it.
 */
import assert from "node:assert/strict";
import { breakPlanOut, requestedBreaks } from "./break";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { runDmsctl } from "../helpers/cli";
import type { TestCertificates } from "../servers/postfix";
import { message, removeContainer, SENDER_DOMAIN, type DmsImage } from "./harness";
import { sendMail, type Endpoint, type Security } from "./mail-client";
import type { Benign } from "./log-check";

export function endpoint(certs: TestCertificates, port: number, security: Security): Endpoint {
  return { host: "127.0.0.1", port, security, servername: certs.hostname, ca: certs.caCertPem };
}

/** The written files of a `plan --out` directory, from its manifest. */
export function writtenFiles(dir: string): string[] {
  return readFileSync(join(dir, ".dmsctl-files"), "utf8").trim().split("\n");
}

/** Zone texts of a `plan --out` directory, by apex. */
export function zonesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, "zones"))) {
    out[f.replace(/\.zone$/, "")] = readFileSync(join(dir, "zones", f), "utf8");
  }
  return out;
}

/**
 * The written compose.yaml, used as written except for what the test machine needs: the image
 * under test, host networking (so the published ports go: every service is on loopback), the
 * resolver (a mounted resolv.conf and the hostname in /etc/hosts), a container name of the
 * suite's own, and the update check off.
 */
export function composeForTest(
  dir: string,
  image: string,
  resolvConf: string,
  name: string,
): string {
  const doc = parse(readFileSync(join(dir, "compose.yaml"), "utf8")) as {
    services: { mailserver: Record<string, unknown> };
  };
  const svc = doc.services.mailserver;
  svc.image = image;
  svc.network_mode = "host";
  delete svc.ports;
  svc.extra_hosts = [`${String(svc.hostname)}:127.0.0.1`];
  svc.volumes = [...(svc.volumes as string[]), `${resolvConf}:/etc/resolv.conf:ro`];
  svc.container_name = name;
  // The harness's one env addition: no daily check against GitHub (unreachable here).
  svc.environment = { ENABLE_UPDATE_CHECK: "0" };
  const file = join(dir, "compose.e2e.yaml");
  writeFileSync(file, stringify(doc));
  return file;
}

export function compose(project: string, file: string, args: string[]): string {
  const r = spawnSync("docker-compose", ["-p", project, "-f", file, ...args], {
    encoding: "utf8",
    timeout: 300_000,
  });
  if (r.status !== 0) throw new Error(`docker-compose ${args.join(" ")}: ${r.stdout}${r.stderr}`);
  return `${r.stdout}${r.stderr}`;
}

/** Runs `dmsctl plan SPEC --out DIR` in-process with the given environment; fails on errors. */
export async function planOut(
  specYaml: string,
  dir: string,
  env: NodeJS.ProcessEnv,
): Promise<string> {
  const spec = join(dir, "..", `${dir.split("/").pop()}.yaml`);
  writeFileSync(spec, specYaml);
  const run = await runDmsctl(["plan", spec, "--out", dir], env);
  assert.equal(run.code, 0, run.stderr);
  // DMS_E2E_BREAK (./break.ts): corrupt what was written, to show that a case notices.
  const breaks = requestedBreaks();
  if (breaks.length > 0) {
    const changed = breakPlanOut(dir, writtenFiles(dir), breaks);
    assert.ok(changed.length > 0, `DMS_E2E_BREAK=${breaks.join(",")} changed nothing in ${dir}`);
  }
  return run.stderr;
}

/** Submits as `user` on 587 (STARTTLS) or 465 (TLS); returns the final reply. */
export function submit(
  certs: TestCertificates,
  port: 465 | 587,
  user: string,
  password: string,
  to: string,
  tok: string,
): Promise<string> {
  return sendMail(endpoint(certs, port, port === 587 ? "starttls" : "tls"), {
    helo: "client.e2e.test",
    from: user,
    to: [to],
    auth: { user, password },
    data: message(user, to, tok),
  });
}

/** Relays an inbound message on port 25 (STARTTLS), unauthenticated, from the sender domain. */
export function inbound(certs: TestCertificates, to: string, tok: string): Promise<string> {
  const from = `tester@${SENDER_DOMAIN}`;
  return sendMail(endpoint(certs, 25, "starttls"), {
    helo: `mx.${SENDER_DOMAIN}`,
    from,
    to: [to],
    data: message(from, to, tok),
  });
}

/**
 * Warnings and errors treated as benign, each with why. Anything else that is a warning or an
 * error fails the log check. The list is also in docs/testing.md.
 */
export const BENIGN: readonly Benign[] = [
  {
    pattern:
      /WARN .*Rspamd DKIM private key file '\/tmp\/docker-mailserver\/rspamd\/dkim\/[^']+' does not appear to have correct permissions\/ownership/,
    reason:
      "plan --out writes the keys owned by the user running dmsctl (the image's _rspamd uid is not known on the host); DMS checks them before it chowns rspamd/dkim/ to _rspamd at the end of its setup, and signing is verified right after. The component's writer chowns them itself, so there this warning fails the check.",
    only: "plan-out",
  },
  {
    pattern: /WARN .*Alias '([^']+)' will not be added to '\/etc\/dovecot\/userdb' twice/,
    reason:
      "an account in a catch-all domain needs its self-alias (`bob@x bob@x`, or the catch-all takes its mail); with quotas on, DMS derives a userdb line for each alias of an account, which for the self-alias equals the account's own line, so it skips it and says so",
  },
  {
    pattern: /dovecot: master: Warning: SIGHUP received - reloading configuration/,
    reason:
      "DMS's change detector reloads Dovecot after the component's writer or a second `plan --out` changed postfix-accounts.cf: the live reload this library relies on (no restart)",
  },
  {
    pattern:
      /dovecot: (?:auth|imap\(\d+\)): Error: .*(?:auth-master client: Master requested auth for nonexistent client|auth-master: login: request \[\d+\]: Login auth request failed: Internal auth failure|auth client \d+ disconnected with \d+ pending requests)/,
    reason:
      "a login that raced that reload: Dovecot's new auth process does not know the old login process's client, refuses once, and the client's retry succeeds (the test retries for up to 60 s)",
  },
];

export interface Scenario {
  readonly image: DmsImage;
  readonly certs: TestCertificates;
}

/** Stops a compose scenario (unless DMS_E2E_KEEP=1), its resolver, and removes its work folder. */
export async function composeDown(
  project: string,
  file: string,
  name: string,
  resolver: { stop(): Promise<void> },
  work: string,
): Promise<void> {
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
