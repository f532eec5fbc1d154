/**
 * Fail2ban in the real docker-mailserver image (15.1.0 unless `DMS_IMAGE` says otherwise), end to
 * end with `dmsctl doctor` and `dmsctl unban`:
 * - a client on 127.0.0.55 (swaks inside the container, bound to that loopback address) fails
 *   SMTP AUTH on the submission port until one of DMS's jails bans it for real: no `banip` shortcut, the
 *   ban comes from Fail2ban reading Postfix's log, and nftables then drops the client;
 * - `dmsctl doctor` reports the address and its jail in `container-fail2ban`;
 * - `dmsctl unban` lifts it, names the jail, and the client connects again; `fail2ban-client
 *   status` lists it in no jail and doctor passes;
 * - `dmsctl unban` of the same address again exits 3, saying it is not banned;
 * - with the `sshd` jail turned back on, Fail2ban crash-loops and doctor quotes its reason.
 *
 * The container runs on Docker's default bridge with no published port: Fail2ban's nftables
 * rules live in the container's own network namespace, so a ban never touches the host's
 * firewall, and the client's loopback address is the container's. DMS's `fail2ban-jail.cf`
 * (copied to `/etc/fail2ban/jail.d/user-jail.local`, read after DMS's `jail.local`) narrows
 * `ignoreip` to 127.0.0.1 (DMS ignores all of 127.0.0.0/8, which would make the test client
 * unbannable), and `user-patches.sh` turns the `sshd` jail off. The images built on this
 * machine install Debian's `fail2ban` package, whose `jail.d/defaults-debian.conf` enables
 * `sshd`; DMS runs no SSH server, so `/var/log/auth.log` never appears and Fail2ban stops with
 * "Have not found any log file for sshd jail" (supervisord restarts it forever). The published
 * images install Fail2ban's own release package instead, which DMS's own Fail2ban tests run.
 *
 * Starts a DMS container, so run it under the host-port lock:
 * `flock /tmp/dms-host-ports.lock node --import tsx --test test/e2e/fail2ban.test.ts`.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  dmsImages,
  doveadmHash,
  poll,
  removeContainer,
  runLeanDms,
  takeE2eLock,
  tryExec,
} from "./harness";
import { runDmsctl } from "../helpers/cli";
import { parseFail2banBanned, parseFail2banJails } from "../../src/verify/doctor";

interface JsonReport {
  readonly checks: { id: string; status: string; message: string }[];
}

/** The test client's address: loopback, so it exists in the container with nothing set up. */
const CLIENT = "127.0.0.55";
const ACCOUNT = "alice@example.com";

/** What the test puts in DMS's `fail2ban-jail.cf` (see the file comment for why). */
const JAIL_CF = [
  "[DEFAULT]",
  "# The test client is on 127.0.0.55: DMS's own ignoreip (127.0.0.1/8) would never ban it.",
  "ignoreip = 127.0.0.1/32",
  "maxretry = 3",
  "",
].join("\n");

/**
 * The `sshd` jail turned off from `user-patches.sh`, as docs/faq-options.md tells users of an
 * image built on Debian's fail2ban package to do (`overrides.userPatches`): DMS runs the script
 * before it starts Fail2ban, and `jail.d/*.local` files are read after `jail.d/*.conf`.
 */
const USER_PATCHES = [
  "#!/bin/bash",
  "# No SSH server in the mail container: the sshd jail has no log and stops Fail2ban.",
  "printf '[sshd]\\nenabled = false\\n' >/etc/fail2ban/jail.d/no-sshd.local",
  "",
].join("\n");

/** Jail -> banned addresses, read from `fail2ban-client status` as doctor reads it. */
function bans(name: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const status = tryExec(name, ["fail2ban-client", "status"]);
  assert.equal(status.status, 0, status.out);
  for (const jail of parseFail2banJails(status.out)) {
    const s = tryExec(name, ["fail2ban-client", "status", jail]);
    assert.equal(s.status, 0, s.out);
    out.set(jail, parseFail2banBanned(s.out));
  }
  return out;
}

function jailsBanning(name: string, ip: string): string[] {
  return [...bans(name)].filter(([, ips]) => ips.includes(ip)).map(([jail]) => jail);
}

/**
 * One SMTP session from {@link CLIENT} to submission (587): connect only, or a failed AUTH PLAIN.
 * The container has no certificate (no SSL_TYPE), so DMS offers AUTH without TLS there.
 */
function submission(name: string, what: "connect" | "bad-auth"): { status: number; out: string } {
  const common = [
    "swaks",
    "--server",
    "127.0.0.1",
    "--port",
    "587",
    "--local-interface",
    CLIENT,
    "--timeout",
    "8",
  ];
  return what === "connect"
    ? tryExec(name, [...common, "--quit-after", "CONNECT"])
    : tryExec(name, [
        ...common,
        "--auth",
        "PLAIN",
        "--auth-user",
        ACCOUNT,
        "--auth-password",
        "not-the-password",
        "--quit-after",
        "AUTH",
      ]);
}

async function doctor(
  name: string,
): Promise<{ code: number; byId: (id: string) => JsonReport["checks"][number] }> {
  const r = await runDmsctl(["doctor", name, "--format", "json"], process.env);
  const report = JSON.parse(r.stdout) as JsonReport;
  return {
    code: r.code,
    byId: (id) => {
      const c = report.checks.find((x) => x.id === id);
      assert.ok(c, `no check ${id} in ${r.stdout}`);
      return c;
    },
  };
}

test(
  "Fail2ban bans a real client, doctor reports it, dmsctl unban lifts it",
  { timeout: 60 * 60 * 1000 },
  async (t) => {
    const images = await dmsImages();
    if ("skip" in images) return t.skip(images.skip);
    const image = images.find((i) => i.release === "15.1.0") ?? images[0]!;
    const unlock = await takeE2eLock();
    t.after(unlock);
    const name = "dms-e2e-fail2ban";
    const cfg = mkdtempSync(join(tmpdir(), "dms-e2e-fail2ban-"));
    removeContainer(name);
    const started = Date.now();
    try {
      const hash = doveadmHash(image.image, "fail2ban-Passw0rd");
      writeFileSync(join(cfg, "postfix-accounts.cf"), `${ACCOUNT}|${hash}\n`);
      writeFileSync(join(cfg, "fail2ban-jail.cf"), JAIL_CF);
      writeFileSync(join(cfg, "user-patches.sh"), USER_PATCHES);
      runLeanDms(name, cfg, image.image, ["--cap-add", "NET_ADMIN", "-e", "ENABLE_FAIL2BAN=1"]);

      await t.test("Fail2ban runs in the image with DMS's jails", async (t) => {
        await poll(
          "postfix, dovecot and fail2ban RUNNING, fail2ban-client answering",
          420_000,
          5000,
          () => {
            const r = tryExec(name, ["supervisorctl", "status", "postfix", "dovecot", "fail2ban"]);
            if ((r.out.match(/RUNNING/g) ?? []).length !== 3) return undefined;
            return tryExec(name, ["fail2ban-client", "ping"]).status === 0 ? true : undefined;
          },
          () => tryExec(name, ["tail", "-n", "20", "/var/log/supervisor/fail2ban.log"]).out,
        );
        t.diagnostic(`ready ${((Date.now() - started) / 1000).toFixed(0)} s after docker run`);
        const jails = [...bans(name).keys()].sort();
        for (const jail of ["custom", "dovecot", "postfix"])
          assert.ok(jails.includes(jail), `no ${jail} jail in ${jails.join(", ")}`);
        assert.ok(!jails.includes("sshd"), "the sshd jail is on");
        assert.deepEqual(jailsBanning(name, CLIENT), []);
        assert.equal(
          submission(name, "connect").status,
          0,
          "the client cannot connect before any ban",
        );
      });

      let banned: string[] = [];
      await t.test(`failed SMTP logins from ${CLIENT} get it banned`, async (t) => {
        // maxretry is 3; Fail2ban reads the log asynchronously, so check after every attempt.
        // Bounded: 10 attempts, then 30 s for Fail2ban to act on what it read.
        for (let i = 1; i <= 10 && banned.length === 0; i++) {
          const r = submission(name, "bad-auth");
          if (i === 1) assert.match(r.out, /authentication failed|535/i, r.out);
          banned = jailsBanning(name, CLIENT);
          if (banned.length > 0) t.diagnostic(`banned after ${i} failed logins`);
        }
        if (banned.length === 0)
          banned = await poll("a jail banning the client", 30_000, 1000, () => {
            const j = jailsBanning(name, CLIENT);
            return j.length > 0 ? j : undefined;
          });
        t.diagnostic(`banned in ${banned.join(", ")}`);
        // nftables drops it now: the same client cannot even connect.
        assert.notEqual(submission(name, "connect").status, 0, "the banned client still connects");
      });

      await t.test("dmsctl doctor reports the ban with the address and jail", async () => {
        const d = await doctor(name);
        const f2b = d.byId("container-fail2ban");
        assert.equal(f2b.status, "fail", f2b.message);
        for (const jail of banned)
          assert.ok(f2b.message.includes(`${CLIENT} (${jail})`), f2b.message);
      });

      await t.test("dmsctl unban lifts the ban and says where", async () => {
        const r = await runDmsctl(["unban", CLIENT, "--container", name], process.env);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(
          r.stdout,
          `unbanned ${CLIENT} in ${name}: jail ${[...banned].sort().join(", ")}\n`,
        );
        assert.deepEqual(jailsBanning(name, CLIENT), []);
        assert.equal(submission(name, "connect").status, 0, "the client still cannot connect");
      });

      await t.test("doctor passes afterwards", async () => {
        const d = await doctor(name);
        for (const id of ["container-fail2ban", "container-services", "container-mail-log"]) {
          const c = d.byId(id);
          assert.equal(c.status, "pass", `${id}: ${c.message}`);
        }
        assert.match(d.byId("container-fail2ban").message, /^no bans in \d+ jail\(s\)$/);
        assert.equal(d.code, 0);
      });

      await t.test("dmsctl unban of an address that is not banned exits 3", async () => {
        const r = await runDmsctl(["unban", CLIENT, "--container", name], process.env);
        assert.equal(r.code, 3, r.stderr);
        assert.equal(r.stdout, "");
        assert.match(
          r.stderr,
          new RegExp(
            `^dmsctl unban: ${CLIENT.replace(/\./g, "\\.")} is not banned in ${name} \\(jails checked: [^)]*postfix[^)]*\\); nothing changed\\.`,
          ),
        );
      });

      await t.test(
        "doctor names the reason when the sshd jail makes Fail2ban crash-loop",
        async () => {
          // Undo the workaround (a later jail.d/*.local wins) and restart Fail2ban: what a user of
          // an image built on Debian's package sees without it.
          // supervisorctl's verdict on a program that dies at once varies: doctor decides.
          tryExec(name, [
            "sh",
            "-c",
            "printf '[sshd]\\nenabled = true\\n' >/etc/fail2ban/jail.d/zz-sshd-on.local && supervisorctl restart fail2ban",
          ]);
          const f2b = await poll(
            "doctor reporting the crash loop's reason",
            60_000,
            3000,
            async () => {
              const c = (await doctor(name)).byId("container-fail2ban");
              return c.status === "fail" && c.message.includes("sshd") ? c : undefined;
            },
          );
          assert.match(
            f2b.message,
            /^Fail2ban is enabled \(supervisord: [A-Z]+.*\) but fail2ban-client gets no answer: Have not found any log file for sshd jail$/,
          );
        },
      );
    } finally {
      if (process.env.DMS_E2E_KEEP !== "1") removeContainer(name);
      rmSync(cfg, { recursive: true, force: true });
    }
  },
);
