import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  DmsPlanError,
  DOVECOT24_QUOTA_STATUS,
  grepSafeOrder,
  planContainer,
  planDmsFiles,
  planEnv,
  planPorts,
  renderEnvFile,
} from "../../src/dms";
import type { DmsFile } from "../../src/dms/types";
import type { MailServerSpecInput } from "../../src/spec/schema";
import { dovecotLine } from "../../src/spec/derived";
import { BARE, FAQ, RICH, RICH_OPENDKIM, material, parse } from "./fixtures";
import { assertGoldenDir } from "../helpers/golden";
import { doveadmVerify, requireTool } from "./tools";

/** Everything the dms module plans for a spec, as golden files. */
function planAll(input: MailServerSpecInput): Map<string, string> {
  const spec = parse(input);
  const files = planDmsFiles(spec, material(spec));
  const out = new Map<string, string>();
  for (const f of files) out.set(`config/${f.path}`, f.content);
  const meta = files.map((f) => ({
    path: f.path,
    reload: f.reload,
    secret: f.secret,
    mode: f.mode,
  }));
  out.set("files.json", JSON.stringify(meta, null, 2) + "\n");
  out.set("mailserver.env", renderEnvFile(planEnv(spec)));
  out.set("container.json", JSON.stringify(planContainer(spec, files), null, 2) + "\n");
  out.set("ports.json", JSON.stringify(planPorts(spec), null, 2) + "\n");
  return out;
}

function fileOf(files: readonly DmsFile[], path: string): DmsFile {
  const f = files.find((x) => x.path === path);
  assert.ok(f, `no ${path} in ${files.map((x) => x.path).join(", ")}`);
  return f;
}

describe("planDmsFiles goldens", () => {
  for (const [name, input] of [
    ["rich-rspamd", RICH],
    ["rich-opendkim", RICH_OPENDKIM],
    ["bare-domain", BARE],
    ["faq-options", FAQ],
  ] as const) {
    it(`renders every file, env, container and ports of ${name}`, () => {
      assertGoldenDir(`dms/${name}`, planAll(input));
    });
  }
});

describe("planDmsFiles", () => {
  const spec = parse(RICH);
  const files = planDmsFiles(spec, material(spec));

  it("writes LF files with a final newline, sorted by path, and marks reload and secrets", () => {
    assert.deepEqual(
      files.map((f) => [f.path, f.reload, f.secret]),
      [
        ["dovecot-quotas.cf", "live", false],
        ["dovecot.cf", "recreate", false],
        ["postfix-accounts.cf", "live", true],
        ["postfix-aliases.cf", "live", false],
        ["postfix-main.cf", "recreate", false],
        ["postfix-relaymap.cf", "live", false],
        ["postfix-sasl-password.cf", "live", true],
        ["postfix-virtual.cf", "live", false],
        ["rspamd/dkim/rsa-1024-s2026-example.net.public.dns.txt", "live", false],
        ["rspamd/dkim/rsa-1024-s2026-example.net.public.txt", "live", false],
        ["rspamd/dkim/rsa-2048-mail-example.org.private.txt", "live", true],
        ["rspamd/dkim/rsa-2048-mail-example.org.public.dns.txt", "live", false],
        ["rspamd/dkim/rsa-2048-mail-example.org.public.txt", "live", false],
        ["rspamd/override.d/dkim_signing.conf", "live", false],
        ["user-patches.sh", "recreate", false],
      ],
    );
    for (const f of files) {
      assert.doesNotMatch(f.content, /\r/, f.path);
      assert.ok(f.content === "" || f.content.endsWith("\n"), f.path);
    }
    assert.equal(fileOf(files, "user-patches.sh").mode, 0o755);
  });

  it("orders accounts and quotas so DMS's first-match grep finds each address's own line", () => {
    assert.equal(
      fileOf(files, "dovecot-quotas.cf").content,
      [
        "a.b@example.net:10737418240B",
        "a-b@example.net:512M",
        "bob@example.org:1G",
        "alice@example.org:5G",
        "carol@example.net:0",
        "superbob@example.org:2G",
        "",
      ].join("\n"),
    );
    assert.deepEqual(
      fileOf(files, "postfix-accounts.cf")
        .content.trimEnd()
        .split("\n")
        .map((l) => l.split("|")[0]),
      [
        "a.b@example.net",
        "a-b@example.net",
        "bob@example.org",
        "alice@example.org",
        "carol@example.net",
        "superbob@example.org",
      ],
    );
  });

  it('gives every account its own quota under DMS\'s real lookup: grep -i "ADDRESS:" | first line', (t) => {
    if (!requireTool(t, "grep", ["--version"])) return;
    const dir = mkdtempSync(join(tmpdir(), "dms-quotas-"));
    try {
      const path = join(dir, "dovecot-quotas.cf");
      writeFileSync(path, fileOf(files, "dovecot-quotas.cf").content);
      const expected: Record<string, string> = {
        "a.b@example.net": "10737418240B",
        "a-b@example.net": "512M",
        "bob@example.org": "1G",
        "alice@example.org": "5G",
        "carol@example.net": "0",
        "superbob@example.org": "2G",
      };
      for (const [address, quota] of Object.entries(expected)) {
        // As DMS's helpers/accounts.sh does it: IFS=':' read -r -a Q < <(grep "${ADDR}:" -i file)
        const run = spawnSync(
          "bash",
          ["-c", 'grep "$1:" -i "$2" | head -n 1', "_", address, path],
          {
            encoding: "utf8",
          },
        );
        assert.equal(run.stdout, `${address}:${quota}\n`, address);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("verifies every hash of postfix-accounts.cf with doveadm pw -t", (t) => {
    if (!requireTool(t, "doveadm", ["pw", "-l"])) return;
    const lines = fileOf(files, "postfix-accounts.cf").content.trimEnd().split("\n");
    assert.equal(lines.length, spec.accounts.length);
    for (const line of lines) {
      const [address, hash, ...rest] = line.split("|");
      assert.deepEqual(rest, []);
      assert.match(hash!, /^\{SHA512-CRYPT\}\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/);
      const password = spec.accounts.find((a) => a.address === address)!.password!;
      assert.deepEqual(doveadmVerify(hash!, password), { status: 0, out: `${hash} (verified)` });
    }
  });

  it("puts specific aliases before catch-alls, self-aliases accounts in catch-all domains, routes postmaster", () => {
    assert.equal(
      fileOf(files, "postfix-virtual.cf").content,
      [
        "a-b@example.net a-b@example.net",
        "a.b@example.net a.b@example.net",
        "bounce@example.net devnull@localhost",
        "carol@example.net carol@example.net",
        "hello@example.net alice@example.org",
        "info@example.org alice@example.org,external@example.com",
        "noreply@example.org devnull@localhost",
        "postmaster@example.net alice@example.org",
        "postmaster@example.org alice@example.org",
        "robert@example.org bob@example.org",
        "sales@example.org alice@example.org,bob@example.org",
        "@example.net carol@example.net",
        "",
      ].join("\n"),
    );
    assert.equal(fileOf(files, "postfix-aliases.cf").content, "devnull: /dev/null\n");
  });

  it("does not route postmaster@ when it is an account, and writes empty live files when there is nothing", () => {
    const bare = parse({
      hostname: "mail.example.org",
      domains: [{ name: "example.org" }],
      accounts: [{ address: "postmaster@example.org", passwordHash: "{SHA512-CRYPT}$6$abc$def" }],
      features: { quotas: false, rspamd: false, opendkim: false },
    });
    const out = planDmsFiles(bare, { passwordHashes: new Map(), dkimKeys: new Map() });
    assert.deepEqual(
      out.map((f) => [f.path, f.content]),
      [
        ["postfix-accounts.cf", "postmaster@example.org|{SHA512-CRYPT}$6$abc$def\n"],
        ["postfix-aliases.cf", ""],
        ["postfix-virtual.cf", ""],
      ],
    );
  });

  it("keeps the relay password out of everything but postfix-sasl-password.cf", () => {
    assert.equal(
      fileOf(files, "postfix-sasl-password.cf").content,
      "[smtp.relay.example]:587 relay-user:relay-s3cret:with colon\n",
    );
    assert.equal(
      fileOf(files, "postfix-relaymap.cf").content,
      "@example.net [smtp.relay.example]:587\n@example.org [smtp.relay.example]:587\n",
    );
    for (const f of files.filter((x) => x.path !== "postfix-sasl-password.cf")) {
      assert.doesNotMatch(f.content, /relay-s3cret/, f.path);
    }
  });

  it("lists every DMS problem with the material at once, never quoting a secret", () => {
    const m = material(spec);
    const hashes = new Map(m.passwordHashes);
    hashes.delete("bob@example.org");
    hashes.delete("carol@example.net");
    hashes.set("alice@example.org", "{PLAIN}sec|ret");
    assert.throws(
      () => planDmsFiles(spec, { ...m, passwordHashes: hashes, relayPassword: undefined }),
      (e: unknown) => {
        assert.ok(e instanceof DmsPlanError);
        assert.deepEqual(e.problems, [
          'accounts[1]: no password hash for "bob@example.org"',
          'accounts[2]: the password hash of "alice@example.org" contains "|", ":" or whitespace',
          'accounts[5]: no password hash for "carol@example.net"',
          "relay.password: the relay has a username but no password was resolved",
        ]);
        assert.doesNotMatch(e.message, /sec\|ret/);
        return true;
      },
    );
  });
});

describe("dovecot.cf for Dovecot 2.4's quota-status answers", () => {
  const dovecotCf = (input: MailServerSpecInput): string | undefined => {
    const spec = parse(input);
    return planDmsFiles(spec, material(spec)).find((f) => f.path === "dovecot.cf")?.content;
  };
  const noOverrides = { ...RICH, overrides: { userPatches: "#!/bin/bash\n" } };

  it("reads the Dovecot line from the image tag", () => {
    const line = (tag: string) => dovecotLine(parse({ ...RICH, image: { tag } }));
    assert.deepEqual(
      [
        "15.1.0",
        "15",
        "14.0.1",
        "v15.1.0",
        "my-build",
        "16.0.0",
        "16",
        "v16.1.2",
        "17.0.0-rc1",
      ].map(line),
      ["2.3", "2.3", "2.3", "2.3", "2.3", "2.4", "2.4", "2.4", "2.4"],
    );
    assert.equal(dovecotLine(parse(RICH)), "2.3", "the pinned default");
  });

  it("renders nothing for a 2.3 image: 15.1.0's DMS sets these answers itself", () => {
    assert.equal(dovecotCf(noOverrides), undefined);
    assert.equal(dovecotCf(RICH), "mail_max_userip_connections = 50\n");
  });

  it("sets nouser and success to DUNNO for a 2.4 image with quotas on, before the user's text", () => {
    const v16 = { image: { tag: "16.0.0" } };
    assert.equal(dovecotCf({ ...noOverrides, ...v16 }), DOVECOT24_QUOTA_STATUS);
    assert.equal(
      DOVECOT24_QUOTA_STATUS,
      "quota_status_nouser = DUNNO\nquota_status_success = DUNNO\n",
    );
    assert.equal(
      dovecotCf({ ...RICH, ...v16 }),
      DOVECOT24_QUOTA_STATUS + "mail_max_userip_connections = 50\n",
    );
    // No quota-status policy without quotas: nothing to answer.
    assert.equal(
      dovecotCf({ ...noOverrides, ...v16, features: { ...RICH.features, quotas: false } }),
      undefined,
    );
    assert.equal(
      dovecotCf({ ...noOverrides, ...v16, features: { ...RICH.features, smtpOnly: true } }),
      undefined,
    );
  });
});

describe("grepSafeOrder", () => {
  it("sorts shorter first, and '.' first among equal lengths", () => {
    const sorted = [
      "superbob@x.org",
      "a-b@x.org",
      "bob@x.org",
      "a.b@x.org",
      "a+b@x.org",
      "ob@x.org",
    ].sort(grepSafeOrder);
    assert.deepEqual(sorted, [
      "ob@x.org",
      "a.b@x.org",
      "a+b@x.org",
      "a-b@x.org",
      "bob@x.org",
      "superbob@x.org",
    ]);
  });
});
