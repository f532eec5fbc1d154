/**
 * End to end for the FAQ options, against the real docker-mailserver image: one `dmsctl plan
 * --out` spec with the classic stack (Amavis + SpamAssassin) and every option at once, started
 * once per release:
 * - `spamassassin.learn`: `user-patches.sh` installs the cron file as `/etc/cron.d/dms-sa-learn`
 *   (root, 0644), and the image's cron daemon runs it: with its lines moved to the next minutes,
 *   cron learns the spam from Junk and the ham from the inbox, then hands the database back to
 *   Amavis, and says so in /var/log/cron.log;
 * - `spamassassin.quarantineTo`: GTUBE spam reaches the quarantine mailbox (Amavis reads our
 *   `amavis.cf`), and, with learning's `MOVE_SPAM_TO_JUNK`, the recipient's Junk folder;
 * - `spamassassin.rules`: DMS copies the rules and `spamassassin --lint` accepts them;
 * - `behindProxy`: `postconf proxy_interfaces` shows both public addresses;
 * - `timezone: host`: the host's /etc/localtime is the container's, and TZ stays unset.
 *
 * Same needs as ./dms.test.ts (Docker, BIND, docker-compose, root, the image); one DMS at a time.
 * `DMS_E2E_RELEASES=15.1.0` limits the releases (a developer's shortcut).
 */
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { makeTestCertificates } from "../servers/postfix";
import {
  containerLog,
  dmsImages,
  DMS_PORTS,
  exec,
  mailFilesWith,
  poll,
  portHolders,
  removeContainer,
  startResolver,
  takeE2eLock,
  token,
  tryExec,
  waitDelivered,
  waitHealthy,
  waitListening,
} from "./harness";
import { sendMail } from "./mail-client";
import { checkLog } from "./log-check";
import {
  BENIGN,
  compose,
  composeDown,
  composeForTest,
  endpoint,
  inbound,
  planOut,
  writtenFiles,
  zonesOf,
  type Scenario,
} from "./plan-out";
import { message, SENDER_DOMAIN } from "./harness";
import { SA_LEARN_CRON_TARGET } from "../../src/dms/faq-files";

const AMAVIS = 10024;
const OPENDKIM = 8891;
/** SpamAssassin's test string: every SpamAssassin scores it 1000. */
const GTUBE = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";
const BAYES = "/var/mail-state/lib-amavis/.spamassassin";
const RULES = [
  "# e2e: a custom rule that matches nothing real",
  "header   LOCAL_E2E_RULE Subject =~ /\\bdmsctl-e2e-custom-rule\\b/",
  "describe LOCAL_E2E_RULE e2e custom rule",
  "score    LOCAL_E2E_RULE 0.1",
  "",
].join("\n");

/**
 * `nspam` or `nham` of `sa-learn --dump magic`: the messages learnt as spam or ham; 0 while the
 * database does not exist yet (sa-learn then prints an error and exits non-zero).
 */
function learnt(container: string, what: "nspam" | "nham"): number {
  const r = tryExec(container, ["sa-learn", "--dump", "magic", "--dbpath", BAYES]);
  if (r.status !== 0) return 0;
  const out = r.out;
  // `0.000          0          1          0  non-token data: nspam`: the third column.
  const m = new RegExp(`^\\s*\\S+\\s+\\S+\\s+(\\d+)\\s+\\S+\\s+non-token data: ${what}$`, "m").exec(
    out,
  );
  assert.ok(m, `no ${what} in sa-learn --dump magic:\n${out}`);
  return Number(m[1]);
}

/** One cron time slot: the container-local minute and hour, and when it starts (epoch ms). */
interface CronSlot {
  readonly minute: number;
  readonly hour: number;
  readonly epochMs: number;
}

/**
 * The next `count` whole minutes of the container's clock (its local time, which cron uses),
 * the first at least `marginS` seconds away.
 */
function nextMinutes(container: string, count: number, marginS: number): CronSlot[] {
  const now = Number(exec(container, ["date", "+%s"]).trim());
  let first = Math.ceil((now + 1) / 60) * 60;
  if (first - now < marginS) first += 60;
  return Array.from({ length: count }, (_, i) => {
    const at = first + i * 60;
    const [minute, hour] = exec(container, ["date", "-d", `@${at}`, "+%M %H"])
      .trim()
      .split(" ");
    return { minute: Number(minute), hour: Number(hour), epochMs: at * 1000 };
  });
}

/** The cron file with each job's minute and hour replaced by its slot; comments unchanged. */
function retimeCron(text: string, slotOf: (command: string) => CronSlot): string {
  return text
    .split("\n")
    .map((line) => {
      if (line === "" || line.startsWith("#")) return line;
      const fields = line.split(" ");
      const slot = slotOf(fields.slice(6).join(" "));
      return [String(slot.minute), String(slot.hour), ...fields.slice(2)].join(" ");
    })
    .join("\n");
}

async function faqScenario(t: TestContext, s: Scenario): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "dms-e2e-faq-"));
  const dir = join(work, "out");
  const project = `dms-e2e-faq-${s.image.release.replace(/[^a-z0-9]/g, "")}`;
  const name = project;
  await planOut(
    stringify({
      hostname: "mail.example.com",
      ipv4: "203.0.113.7",
      ipv6: "2001:db8::7",
      domains: [{ name: "example.com" }],
      accounts: [
        { address: "alice@example.com", passwordEnv: "E2E_ALICE" },
        { address: "quarantine@example.com", passwordEnv: "E2E_QUARANTINE" },
      ],
      features: { rspamd: false, amavis: true, spamassassin: true },
      tls: { type: "manual", certPath: s.certs.certFile, keyPath: s.certs.keyFile },
      timezone: "host",
      spamassassin: {
        learn: { from: ["alice@example.com"] },
        rules: RULES,
        quarantineTo: "quarantine@example.com",
        allDomainsLocal: true,
      },
      behindProxy: {},
    }),
    dir,
    { E2E_ALICE: "alice-e2e-Passw0rd", E2E_QUARANTINE: "quarantine-e2e-Passw0rd" },
  );
  const written = writtenFiles(dir);
  for (const f of ["cron/sa-learn", "amavis.cf", "spamassassin-rules.cf", "user-patches.sh"]) {
    assert.ok(written.includes(`config/${f}`), `${f} not written: ${written.join(" ")}`);
  }
  const resolver = await startResolver(zonesOf(dir));
  const file = composeForTest(dir, s.image.image, resolver.resolvConf, name);
  removeContainer(name);
  try {
    const started = Date.now();
    compose(project, file, ["up", "-d"]);
    await t.test("the healthcheck turns healthy", async (t) => {
      t.diagnostic(`healthy after ${(await waitHealthy(name, started)).toFixed(1)} s`);
    });
    await waitListening(name, [25, 587, 993, OPENDKIM, AMAVIS]);

    await t.test("behindProxy: proxy_interfaces shows in postconf", () => {
      const value = exec(name, ["postconf", "-h", "proxy_interfaces"]).trim();
      assert.equal(value, "203.0.113.7, 2001:db8::7");
    });

    await t.test("timezone host: the host's /etc/localtime, TZ unset", () => {
      const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");
      const inside = exec(name, ["sha256sum", "/etc/localtime"]).split(/\s+/)[0];
      assert.equal(inside, sha(readFileSync("/etc/localtime")));
      const env = exec(name, ["printenv"]);
      assert.doesNotMatch(env, /^TZ=/m);
    });

    await t.test("the cron file is installed as cron requires", () => {
      const stat = exec(name, ["stat", "-c", "%U:%G %a", "/etc/cron.d/dms-sa-learn"]).trim();
      assert.equal(stat, "root:root 644");
      const installed = exec(name, ["cat", "/etc/cron.d/dms-sa-learn"]);
      assert.equal(installed, readFileSync(join(dir, "config", "cron", "sa-learn"), "utf8"));
    });

    await t.test("custom rules are copied and pass spamassassin --lint", () => {
      const copied = exec(name, ["cat", "/etc/spamassassin/spamassassin-rules.cf"]);
      assert.equal(copied, RULES);
      const lint = tryExec(name, ["spamassassin", "--lint"]);
      assert.equal(lint.status, 0, lint.out);
    });

    await t.test("amavis.cf is Amavis's 50-user", () => {
      const used = exec(name, ["cat", "/etc/amavis/conf.d/50-user"]);
      assert.equal(used, readFileSync(join(dir, "config", "amavis.cf"), "utf8"));
    });

    const gtube = token("gtube");
    await t.test("GTUBE spam reaches the quarantine mailbox and alice's Junk", async () => {
      const from = `tester@${SENDER_DOMAIN}`;
      await sendMail(endpoint(s.certs, 25, "starttls"), {
        helo: `mx.${SENDER_DOMAIN}`,
        from,
        to: ["alice@example.com"],
        data: message(from, "alice@example.com", gtube, GTUBE),
      });
      await waitDelivered(name, "quarantine@example.com", gtube, 180_000);
      // SPAMASSASSIN_SPAM_TO_INBOX=1 passes it on; MOVE_SPAM_TO_JUNK files it in Junk.
      const raw = await waitDelivered(name, "alice@example.com", gtube, 120_000);
      assert.match(raw, /^X-Spam-Flag: YES/m);
      const files = mailFilesWith(name, "alice@example.com", gtube);
      assert.ok(
        files.some((f) => f.includes("/.Junk/")),
        `not in alice's Junk: ${files.join(" ")}`,
      );
    });

    await t.test("ham still reaches alice's inbox", async () => {
      const tok = token("ham");
      await inbound(s.certs, "alice@example.com", tok);
      const files = await poll("ham in alice's mailbox", 180_000, 1000, () => {
        const f = mailFilesWith(name, "alice@example.com", tok);
        return f.length > 0 ? f : undefined;
      });
      assert.ok(
        files.every((f) => !f.includes("/.Junk/")),
        files.join(" "),
      );
    });

    await t.test(
      "cron itself runs the installed file: spam and ham learnt, owner handed back",
      async (t) => {
        // Ham is read mail: an IMAP client moves it from new/ to cur/, where the inbox line reads.
        exec(name, [
          "sh",
          "-c",
          "mv /var/mail/example.com/alice/new/* /var/mail/example.com/alice/cur/",
        ]);
        // The spec's schedule is an hour of the day (spam at :00, ham at :15 and :30, chown at :45),
        // so the test keeps the planned file's lines and only moves their time fields to the next
        // three minutes of the container's clock: spam, then ham, then the chown, one minute apart
        // so no two sa-learn runs share the database. Installed under the same name, owner and
        // mode with the same `install` as user-patches.sh; cron notices the changed /etc/cron.d on
        // its next minute tick, so the first slot leaves it at least 20 s.
        const planned = readFileSync(join(dir, "config", "cron", "sa-learn"), "utf8");
        const slots = nextMinutes(name, 3, 20);
        const near = retimeCron(planned, (command) =>
          /sa-learn --spam /.test(command)
            ? slots[0]!
            : /sa-learn --ham /.test(command)
              ? slots[1]!
              : slots[2]!,
        );
        const install = readFileSync(join(dir, "config", "user-patches.sh"), "utf8")
          .split("\n")
          .find((l) => l.startsWith("install ") && l.endsWith(` ${SA_LEARN_CRON_TARGET}`));
        assert.ok(install, "no install line for the cron file in user-patches.sh");
        const staged = "/tmp/dms-sa-learn.near";
        exec(name, [
          "sh",
          "-c",
          `echo ${Buffer.from(near).toString("base64")} | base64 -d > ${staged}`,
        ]);
        exec(name, ["sh", "-c", install.replace(/ \S+ (\S+)$/, ` ${staged} $1`)]);
        assert.equal(
          exec(name, ["stat", "-c", "%U:%G %a", SA_LEARN_CRON_TARGET]).trim(),
          "root:root 644",
        );
        const t0 = Date.now();
        const until = (slot: CronSlot) => slot.epochMs - Date.now() + 60_000;
        await poll("cron's sa-learn --spam run", until(slots[0]!), 3000, () =>
          learnt(name, "nspam") >= 1 ? true : undefined,
        );
        t.diagnostic(`spam learnt ${((Date.now() - t0) / 1000).toFixed(0)} s after installing`);
        await poll("cron's sa-learn --ham run", until(slots[1]!), 3000, () =>
          learnt(name, "nham") >= 1 ? true : undefined,
        );
        await poll(
          "cron's chown of the Bayes database",
          until(slots[2]!),
          3000,
          () =>
            exec(name, ["find", BAYES, "-not", "-user", "amavis"]).trim() === "" ? true : undefined,
          () => exec(name, ["find", BAYES, "-not", "-user", "amavis"]),
        );
        t.diagnostic(
          `all three runs done ${((Date.now() - t0) / 1000).toFixed(0)} s after installing`,
        );
        // cron's own account of it: it re-read the file and ran the jobs as root.
        const cronLog = exec(name, ["cat", "/var/log/cron.log"]);
        assert.match(cronLog, /\(root\) CMD \(sa-learn --spam /, cronLog);
        assert.match(cronLog, /\(root\) CMD \(chown -R amavis:amavis /, cronLog);
      },
    );

    await t.test("the log holds no warning or error about the files we wrote", () => {
      assert.deepEqual(checkLog(containerLog(name), written, BENIGN, "plan-out"), []);
    });
  } finally {
    await composeDown(project, file, name, resolver, work);
  }
}

test("docker-mailserver FAQ options end to end", { timeout: 60 * 60 * 1000 }, async (t) => {
  const images = await dmsImages();
  if ("skip" in images) {
    t.skip(images.skip);
    return;
  }
  const only = process.env.DMS_E2E_RELEASES?.trim();
  const chosen =
    only === undefined || only === ""
      ? images
      : images.filter((i) => only.split(",").includes(i.release));
  const unlock = await takeE2eLock();
  t.after(unlock);
  assert.deepEqual(portHolders(DMS_PORTS), [], "something already listens on a port DMS needs");
  for (const image of chosen) {
    const certs = makeTestCertificates("mail.example.com");
    await t.test(`${image.release}: SpamAssassin learning, quarantine, proxy, localtime`, (t) =>
      faqScenario(t, { image, certs }),
    );
  }
});
