import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { planContainer, planDmsFiles, planEnv, planPorts, recreateHash } from "../../src/dms";
import type { MailServerSpecInput } from "../../src/spec/schema";
import {
  PASSWORDS,
  RELAY_PASSWORD,
  RICH,
  RICH_OPENDKIM,
  keyPem,
  material,
  parse,
  shuffled,
} from "./fixtures";

function planOf(input: MailServerSpecInput) {
  const spec = parse(input);
  const files = planDmsFiles(spec, material(spec));
  return {
    files,
    env: planEnv(spec),
    container: planContainer(spec, files),
    ports: planPorts(spec),
  };
}

describe("determinism", () => {
  for (const [name, input] of [
    ["rspamd", RICH],
    ["opendkim", RICH_OPENDKIM],
  ] as const) {
    it(`plans ${name} byte-identically twice and with every list shuffled`, () => {
      const once = JSON.stringify(planOf(input));
      assert.equal(JSON.stringify(planOf(input)), once);
      const reordered = shuffled(input);
      // The shuffle really reorders (otherwise this test would prove nothing).
      assert.notDeepEqual(reordered.accounts, input.accounts);
      assert.notDeepEqual(reordered.domains, input.domains);
      assert.notDeepEqual(reordered.aliases, input.aliases);
      assert.equal(JSON.stringify(planOf(reordered)), once);
    });
  }
});

describe("planEnv", () => {
  it("never holds a secret: no password, hash, key or relay credential in any value", () => {
    for (const input of [RICH, RICH_OPENDKIM]) {
      const spec = parse(input);
      const m = material(spec);
      const secrets = [
        RELAY_PASSWORD,
        ...Object.values(PASSWORDS),
        ...m.passwordHashes.values(),
        ...[...m.dkimKeys.values()].flatMap((k) => (k.privateKeyPem ? [k.privateKeyPem] : [])),
      ];
      const env = planEnv(spec);
      const text = env.map(([k, v]) => `${k}=${v}`).join("\n");
      for (const s of secrets) assert.ok(!text.includes(s), "a secret leaked into the env");
      assert.doesNotMatch(text, /PASSWORD|BEGIN|SHA512-CRYPT|\$6\$/);
      assert.ok(!text.includes(keyPem("example.org").split("\n")[1]!));
    }
  });

  it("derives the defaults for a minimal spec", () => {
    const spec = parse({ hostname: "mail.example.org", domains: [{ name: "example.org" }] });
    assert.deepEqual(planEnv(spec), [
      ["ACCOUNT_PROVISIONER", "FILE"],
      ["ENABLE_AMAVIS", "0"],
      ["ENABLE_CLAMAV", "0"],
      ["ENABLE_DNSBL", "0"],
      ["ENABLE_FAIL2BAN", "0"],
      ["ENABLE_IMAP", "1"],
      ["ENABLE_MANAGESIEVE", "0"],
      ["ENABLE_OPENDKIM", "0"],
      ["ENABLE_OPENDMARC", "0"],
      ["ENABLE_POLICYD_SPF", "0"],
      ["ENABLE_POP3", "0"],
      ["ENABLE_QUOTAS", "1"],
      ["ENABLE_RSPAMD", "1"],
      ["ENABLE_SPAMASSASSIN", "0"],
      ["ENABLE_SRS", "0"],
      ["LOG_LEVEL", "info"],
      ["PERMIT_DOCKER", "none"],
      ["POSTMASTER_ADDRESS", "postmaster@example.org"],
      ["SMTP_ONLY", "0"],
      ["SPOOF_PROTECTION", "1"],
      ["SSL_TYPE", "letsencrypt"],
      ["TZ", "UTC"],
    ]);
  });

  it("sets POSTMASTER_ADDRESS from the spec or the domains, never from the accounts", () => {
    const postmaster = (input: MailServerSpecInput) =>
      new Map(planEnv(parse(input))).get("POSTMASTER_ADDRESS");
    const accounts = [
      { address: "zed@b.example", password: "zed-password-123" },
      { address: "amy@c.example", password: "amy-password-123" },
    ];
    const domains = [{ name: "c.example" }, { name: "b.example" }];
    // The hostname's parent domain when it is a mail domain here (DMS's own default) ...
    assert.equal(
      postmaster({ hostname: "mail.b.example", domains, accounts }),
      "postmaster@b.example",
    );
    // ... else the first domain in sorted order, whatever the accounts are ...
    assert.equal(
      postmaster({ hostname: "mx.provider.example", domains, accounts }),
      "postmaster@b.example",
    );
    assert.equal(
      postmaster({ hostname: "mx.provider.example", domains, accounts: accounts.slice(1) }),
      "postmaster@b.example",
    );
    // ... and the spec's when it sets one.
    assert.equal(
      postmaster({ hostname: "mail.b.example", domains, accounts, postmaster: "amy@c.example" }),
      "amy@c.example",
    );
  });

  it("lets spec.env win, forces quotas off with smtpOnly, and maps TLS types", () => {
    const spec = parse({
      hostname: "mail.example.org",
      domains: [{ name: "example.org" }],
      features: { smtpOnly: true },
      tls: { type: "none" },
      env: { SPOOF_PROTECTION: "0", PERMIT_DOCKER: "container", AAA_FIRST: "x" },
    });
    const env = new Map(planEnv(spec));
    assert.equal(planEnv(spec)[0]![0], "AAA_FIRST");
    assert.equal(env.get("SPOOF_PROTECTION"), "0");
    assert.equal(env.get("PERMIT_DOCKER"), "container");
    assert.equal(env.get("SMTP_ONLY"), "1");
    assert.equal(env.get("ENABLE_QUOTAS"), "0");
    assert.equal(env.get("ENABLE_IMAP"), "0");
    assert.equal(env.get("SSL_TYPE"), "");
    const selfSigned = parse({
      hostname: "mail.example.org",
      domains: [{ name: "example.org" }],
      tls: { type: "self-signed" },
    });
    assert.equal(new Map(planEnv(selfSigned)).get("SSL_TYPE"), "self-signed");
  });

  it("rejects env values with line breaks, naming each", () => {
    const spec = parse({
      hostname: "mail.example.org",
      domains: [{ name: "example.org" }],
      env: { B_VAR: "x\ny", A_VAR: "1\r" },
    });
    assert.throws(() => planEnv(spec), {
      message: "env.A_VAR: must not contain a line break\nenv.B_VAR: must not contain a line break",
    });
  });
});

describe("planPorts", () => {
  const minimal = { hostname: "mail.example.org", domains: [{ name: "example.org" }] };
  const summary = (input: MailServerSpecInput) =>
    planPorts(parse(input)).map(
      (p) => `${p.port} ${p.expose} ${p.bind.join(",")} ${p.allowFrom.join(",")}`,
    );

  it("defaults: 25/465/587/993 public on every address from anywhere, the rest off, no 11334", () => {
    assert.deepEqual(summary(minimal), [
      "25 public 0.0.0.0,:: 0.0.0.0/0,::/0",
      "110 off  ",
      "143 off  ",
      "465 public 0.0.0.0,:: 0.0.0.0/0,::/0",
      "587 public 0.0.0.0,:: 0.0.0.0/0,::/0",
      "993 public 0.0.0.0,:: 0.0.0.0/0,::/0",
      "995 off  ",
      "4190 off  ",
    ]);
    assert.ok(
      planPorts(parse({ ...minimal, features: { rspamd: true } })).every((p) => p.port !== 11334),
    );
  });

  it("applies bindAddresses, per-service bind and allowFrom, and loopback for private", () => {
    assert.deepEqual(
      summary({
        ...minimal,
        bindAddresses: ["203.0.113.5", "2001:db8::5"],
        features: { pop3: true, managesieve: true },
        services: {
          submission: {
            expose: "public",
            allowFrom: ["198.51.100.0/24", "10.0.0.0/8", "10.0.0.0/8"],
          },
          imap: { expose: "private" },
          imaps: { expose: "private", bind: ["192.168.1.2"] },
          pop3s: { expose: "off" },
          managesieve: { expose: "public", bind: ["203.0.113.5"] },
        },
      }),
      [
        "25 public 2001:db8::5,203.0.113.5 0.0.0.0/0,::/0",
        "110 off  ",
        "143 private 127.0.0.1,::1 ",
        "465 public 2001:db8::5,203.0.113.5 0.0.0.0/0,::/0",
        "587 public 2001:db8::5,203.0.113.5 10.0.0.0/8,198.51.100.0/24",
        "993 private 192.168.1.2 ",
        "995 off  ",
        "4190 public 203.0.113.5 0.0.0.0/0,::/0",
      ],
    );
  });

  it("keeps a service off when its feature is off, whatever services says", () => {
    assert.deepEqual(
      summary({
        ...minimal,
        features: { imap: false },
        services: { imaps: { expose: "public" } },
      })[5],
      "993 off  ",
    );
  });
});

describe("planContainer", () => {
  it("mounts letsencrypt read-only, keeps data volumes unless retainData is off, omits unset limits", () => {
    const spec = parse({
      hostname: "mail.example.org",
      domains: [{ name: "example.org" }],
      retainData: false,
      tls: { type: "letsencrypt", hostDir: "/srv/le" },
    });
    const c = planContainer(spec, []);
    assert.deepEqual(c.bindMounts, [
      { hostPath: "/srv/le", containerPath: "/etc/letsencrypt", readOnly: true },
    ]);
    assert.deepEqual(
      c.volumes.map((v) => [v.name, v.containerPath, v.retain]),
      [
        ["config", "/tmp/docker-mailserver", false],
        ["mail-data", "/var/mail", false],
        ["mail-logs", "/var/log/mail", false],
        ["mail-state", "/var/mail-state", false],
      ],
    );
    assert.equal(c.memoryBytes, undefined);
    assert.equal(c.dns, undefined);
    assert.deepEqual(c.capAdd, []);
    assert.equal(c.image, "ghcr.io/docker-mailserver/docker-mailserver:15.1.0");
    assert.equal("memoryBytes" in c, false);
  });

  describe("recreateHash", () => {
    const base = parse(RICH);
    const hashOf = (input: MailServerSpecInput) => {
      const spec = parse(input);
      return planContainer(spec, planDmsFiles(spec, material(spec))).recreateHash;
    };
    const baseHash = hashOf(RICH);

    it("is sha256 hex and stays the same when only accounts, aliases, quotas or devnull change", () => {
      assert.match(baseHash, /^[0-9a-f]{64}$/);
      const live: MailServerSpecInput[] = [
        { ...RICH, accounts: RICH.accounts!.slice(1) },
        { ...RICH, accounts: RICH.accounts!.map((a) => ({ ...a, quota: "3G" })) },
        {
          ...RICH,
          accounts: RICH.accounts!.map((a, i) =>
            i === 0 ? { ...a, aliases: ["new@example.org"] } : a,
          ),
        },
        { ...RICH, aliases: [{ address: "new@example.org", targets: ["alice@example.org"] }] },
        { ...RICH, devnull: [] },
        { ...RICH, relay: { ...RICH.relay!, username: "other-user" } },
      ];
      for (const input of live) assert.equal(hashOf(input), baseHash);
      // rspamd DKIM keys reload live too.
      const spec = parse(RICH);
      const m = material(spec);
      const keys = new Map(m.dkimKeys);
      keys.delete("example.org");
      assert.equal(
        planContainer(spec, planDmsFiles(spec, { ...m, dkimKeys: keys })).recreateHash,
        baseHash,
      );
      assert.ok(base);
    });

    it("changes when the env or a recreate file changes", () => {
      const changed: MailServerSpecInput[] = [
        { ...RICH, env: { ...RICH.env, NEW_VAR: "1" } },
        { ...RICH, logLevel: "debug" },
        {
          ...RICH,
          overrides: { ...RICH.overrides, dovecot: "mail_max_userip_connections = 51\n" },
        },
        { ...RICH, overrides: { ...RICH.overrides, userPatches: "#!/bin/bash\necho other\n" } },
        { ...RICH, bareDomain: true },
        { ...RICH, postmaster: "bob@example.org" },
      ];
      const hashes = changed.map(hashOf);
      for (const h of hashes) assert.notEqual(h, baseHash);
      assert.equal(new Set(hashes).size, hashes.length);
      // OpenDKIM files are startup-only: a different key recreates.
      const spec = parse(RICH_OPENDKIM);
      const m = material(spec);
      const keys = new Map(m.dkimKeys);
      keys.delete("example.org");
      const withKey = planContainer(spec, planDmsFiles(spec, m)).recreateHash;
      assert.notEqual(
        planContainer(spec, planDmsFiles(spec, { ...m, dkimKeys: keys })).recreateHash,
        withKey,
      );
    });

    it("never hashes a secret file's content, and sees a new key through its public companion", () => {
      const spec = parse(RICH_OPENDKIM);
      const m = material(spec);
      const files = planDmsFiles(spec, m);
      const env = planEnv(spec);
      const secrets = files.filter((f) => f.secret && f.reload === "recreate");
      assert.ok(secrets.length > 0, "the OpenDKIM spec has secret startup-only files");
      // Another private key text under the same public value: the hash must not move.
      const swapped = files.map((f) =>
        f.secret && f.reload === "recreate" ? { ...f, content: `${f.content}other\n` } : f,
      );
      assert.equal(recreateHash(env, swapped), recreateHash(env, files));
      // Every secret startup-only file has a public companion that the hash does read.
      for (const f of secrets) {
        const companion = f.path.replace(/\.private$/, ".txt");
        assert.ok(
          files.some((g) => g.path === companion && !g.secret && g.reload === "recreate"),
          `${f.path} has no public companion`,
        );
      }
    });

    it("hashes exactly the env and the recreate files", () => {
      const spec = parse(RICH);
      const files = planDmsFiles(spec, material(spec));
      const env = planEnv(spec);
      assert.equal(recreateHash(env, files), baseHash);
      assert.equal(
        recreateHash(
          env,
          files.filter((f) => f.reload === "recreate"),
        ),
        baseHash,
      );
      assert.notEqual(recreateHash(env.slice(1), files), baseHash);
    });
  });
});
