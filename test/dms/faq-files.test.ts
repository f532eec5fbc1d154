/**
 * The FAQ option files through their real readers where the host has them: `amavis.cf` through
 * Perl (the language Amavis loads it in), `user-patches.sh` through bash (DMS runs it with
 * `/bin/bash`), and the cron file against the `/etc/cron.d` line grammar. Properties over random
 * inputs with fast-check.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import fc from "fast-check";
import { planContainer, planDmsFiles, planEnv } from "../../src/dms";
import {
  BAYES_DB_PATH,
  QUARANTINE_SETTINGS,
  renderAmavisCf,
  renderSaLearnCron,
  SA_LEARN_CRON_TARGET,
  userPatchFragments,
} from "../../src/dms/faq-files";
import { MailServerSpecSchema, type MailServerSpecInput } from "../../src/spec/schema";
import { material, parse } from "./fixtures";
import { requireTool } from "./tools";

const dir = mkdtempSync(join(tmpdir(), "dms-faq-files-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const BASE: MailServerSpecInput = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.10",
  domains: [{ name: "example.com" }],
  features: { rspamd: false, amavis: true, spamassassin: true },
};

/** Local parts the schema accepts, `'` (special in Perl's single quotes) included. */
const localPart = fc
  .array(fc.constantFrom(..."abcxyz019.-_+'!#$%&*=?^`{}~/".split("")), {
    minLength: 1,
    maxLength: 12,
  })
  .map((cs) => cs.join(""))
  .filter((s) => !s.startsWith(".") && !s.endsWith(".") && !s.includes(".."));

/**
 * Loads each file with Perl as Amavis does (`do FILE`, the settings being package variables
 * declared elsewhere: `use vars` here) and prints what it set, as JSON.
 */
function perlRead(files: readonly string[]): { values: Record<string, string>; maps: string[] }[] {
  const script = [
    "use strict; use warnings; use JSON::PP;",
    `use vars qw(${QUARANTINE_SETTINGS.map((k) => `$${k}`).join(" ")} @local_domains_maps);`,
    "my @out;",
    "for my $f (@ARGV) {",
    `  ${QUARANTINE_SETTINGS.map((k) => `undef $${k};`).join(" ")} @local_domains_maps = ();`,
    '  my $rv = do $f; die "$f: $@" if $@; die "$f: no true return" unless $rv;',
    `  push @out, { values => { ${QUARANTINE_SETTINGS.map((k) => `${k} => $${k}`).join(", ")} }, maps => [@local_domains_maps] };`,
    "}",
    "print JSON::PP->new->canonical->encode(\\@out);",
  ].join("\n");
  const run = spawnSync("perl", ["-e", script, ...files], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return JSON.parse(run.stdout) as { values: Record<string, string>; maps: string[] }[];
}

describe("amavis.cf", () => {
  it("sets the five quarantine destinations to the account, read back by Perl", (t) => {
    if (!requireTool(t, "perl", ["-MJSON::PP", "-e", "1"])) return;
    const cases = fc.sample(fc.tuple(localPart, fc.boolean()), { numRuns: 60, seed: 17 });
    const files = cases.map(([local, all], i) => {
      const spec = parse({
        ...BASE,
        spamassassin: { quarantineTo: `${local}@example.com`, allDomainsLocal: all },
      });
      const file = join(dir, `amavis-${i}.cf`);
      writeFileSync(file, renderAmavisCf(spec)!);
      return file;
    });
    const read = perlRead(files);
    cases.forEach(([local, all], i) => {
      for (const k of QUARANTINE_SETTINGS) assert.equal(read[i]!.values[k], `${local}@example.com`);
      assert.deepEqual(read[i]!.maps, all ? ["."] : []);
    });
  });

  it("is absent without a quarantine mailbox or the local-domains override", () => {
    assert.equal(renderAmavisCf(parse(BASE)), undefined);
    assert.equal(renderAmavisCf(parse({ ...BASE, spamassassin: {} })), undefined);
  });
});

/** One `/etc/cron.d` line: five time fields, a user, a command. */
const CRON_LINE = /^(\d{1,2}|\*) (\d{1,2}|\*) (\*) (\*) (\*) ([a-z_][a-z0-9_-]*) (\S.*)$/;

describe("the sa-learn cron file", () => {
  it("is one valid /etc/cron.d line per mailbox and kind, at the spec's hour", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom("a", "b.c", "d-e", "f_g", "h+i", ""), { minLength: 1 }),
        fc.integer({ min: 0, max: 23 }),
        (locals, hour) => {
          const from = locals.map((l) => `${l}@example.com`);
          const text = renderSaLearnCron({ from, hour });
          assert.ok(text.endsWith("\n"), "cron ignores a last line without a newline");
          const lines = text.split("\n").filter((l) => l !== "" && !l.startsWith("#"));
          for (const line of lines) {
            const m = CRON_LINE.exec(line);
            assert.ok(m, `not a cron.d line: ${line}`);
            assert.ok(Number(m[1]) <= 59 && Number(m[2]) === hour, line);
            assert.equal(m[6], "root");
            assert.doesNotMatch(m[7]!, /%/, "cron reads % as a line break");
          }
          // The whole domain covers its mailboxes; else one line per mailbox and kind.
          const mailboxes = locals.includes("") ? 1 : locals.length;
          assert.equal(lines.filter((l) => / --spam /.test(l)).length, mailboxes);
          assert.equal(lines.filter((l) => / --ham /.test(l)).length, 2 * mailboxes);
          assert.ok(lines.every((l) => l.includes(BAYES_DB_PATH)));
        },
      ),
      { numRuns: 100, seed: 7 },
    );
  });
});

/**
 * What Debian's cron (the image's) requires of a file in /etc/cron.d, per cron(8): a name of
 * letters, digits, `_` and `-` only (run-parts' namespace; a file named `sa-learn.cron` or
 * `dms.sa-learn` is skipped without a word), owned by root, and not writable by group or others.
 */
const DEBIAN_CRON_D_NAME = /^[A-Za-z0-9_-]+$/;

describe("the installed cron file's name, owner and mode", () => {
  it("are ones Debian's cron reads", () => {
    const spec = parse({
      ...BASE,
      accounts: [{ address: "alice@example.com", password: "pw-alice" }],
      spamassassin: { learn: { from: ["alice@example.com"] } },
    });
    const line = userPatchFragments(spec, "/tmp/docker-mailserver")
      .split("\n")
      .find((l) => l.startsWith("install "));
    assert.ok(line, "no install line");
    const argv = line.split(" ");
    const opt = (flag: string) => argv[argv.indexOf(flag) + 1];
    const target = argv[argv.length - 1]!;
    assert.equal(target, SA_LEARN_CRON_TARGET);
    assert.equal(dirname(target), "/etc/cron.d");
    assert.match(basename(target), DEBIAN_CRON_D_NAME);
    assert.equal(opt("-o"), "root");
    const mode = parseInt(opt("-m")!, 8);
    assert.equal(mode & 0o022, 0, `group- or world-writable: ${opt("-m")}`);
    // The rule is real: names a careless rename would produce fail it.
    for (const bad of ["dms-sa-learn.cron", "dms.sa-learn", "sa-learn~"])
      assert.doesNotMatch(bad, DEBIAN_CRON_D_NAME);
  });
});

/** Runs `user-patches.sh` with bash, `install` and `postconf` replaced by stubs printing argv. */
function runPatches(script: string): string[] {
  const file = join(dir, "user-patches.sh");
  writeFileSync(file, script);
  const stubs =
    "install() { printf 'install %s\\n' \"$*\"; }; postconf() { printf 'postconf %s\\n' \"$@\"; };";
  const run = spawnSync("bash", ["-c", `${stubs} source ${file}`], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim().split("\n");
}

describe("user-patches.sh", () => {
  it("is valid bash that installs the cron file and sets proxy_interfaces, then runs the user's script", (t) => {
    if (!requireTool(t, "bash", ["-c", "true"])) return;
    const spec = parse({
      ...BASE,
      ipv6: "2001:db8::10",
      accounts: [{ address: "alice@example.com", password: "pw-alice" }],
      spamassassin: { learn: { from: ["alice@example.com"] } },
      behindProxy: {},
      overrides: { userPatches: "#!/bin/bash\necho user-script\n" },
    });
    const files = planDmsFiles(spec, material(spec));
    const patches = files.find((f) => f.path === "user-patches.sh")!;
    assert.equal(patches.mode, 0o755);
    assert.equal(patches.reload, "recreate");
    assert.equal(spawnSync("bash", ["-n"], { input: patches.content }).status, 0);
    assert.deepEqual(runPatches(patches.content), [
      "install -o root -g root -m 0644 /tmp/docker-mailserver/cron/sa-learn /etc/cron.d/dms-sa-learn",
      "postconf proxy_interfaces = 192.0.2.10, 2001:db8::10",
      "user-script",
    ]);
  });

  it("keeps a user's script alone byte for byte when no option needs a fragment", () => {
    const spec = parse({ ...BASE, overrides: { userPatches: "echo only\n" } });
    assert.equal(userPatchFragments(spec, "/tmp/docker-mailserver"), "");
    const files = planDmsFiles(spec, material(spec));
    assert.equal(files.find((f) => f.path === "user-patches.sh")!.content, "echo only\n");
  });
});

describe("timezone host and the learning env", () => {
  it("mounts /etc/localtime read-only and leaves TZ unset; learning sets both spam variables", () => {
    const spec = MailServerSpecSchema.parse({
      ...BASE,
      timezone: "host",
      accounts: [{ address: "alice@example.com", password: "pw-alice" }],
      spamassassin: { learn: { from: ["@example.com"] } },
    });
    const env = new Map(planEnv(spec));
    assert.equal(env.get("TZ"), undefined);
    assert.equal(env.get("SPAMASSASSIN_SPAM_TO_INBOX"), "1");
    assert.equal(env.get("MOVE_SPAM_TO_JUNK"), "1");
    const container = planContainer(spec, planDmsFiles(spec, material(spec)));
    assert.deepEqual(container.bindMounts, [
      { hostPath: "/etc/letsencrypt", containerPath: "/etc/letsencrypt", readOnly: true },
      { hostPath: "/etc/localtime", containerPath: "/etc/localtime", readOnly: true },
    ]);
  });

  it("changes the recreate hash when a startup-only FAQ file changes", () => {
    const hash = (rules: string) => {
      const spec = parse({ ...BASE, spamassassin: { rules } });
      return planContainer(spec, planDmsFiles(spec, material(spec))).recreateHash;
    };
    assert.notEqual(hash("score A 1\n"), hash("score A 2\n"));
  });
});
