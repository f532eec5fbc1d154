/**
 * Host adapters: Docker port publishing, security group rules, the nftables ruleset (golden file,
 * and loaded by the real `nft` in a network namespace the test creates), and the config writer's
 * script run by a real `sh` against temporary directories.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  existsSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import {
  dockerPorts,
  dockerMemoryMb,
  MANIFEST,
  WRITER_SCRIPT,
  STAGING_DIR,
  CONFIG_DIR,
} from "../../src/providers/host/docker";
import { renderNftables } from "../../src/providers/host/nftables";
import { cidrSlug, ingressRules } from "../../src/providers/host/security-group";
import { clientSettings } from "../../src/components/client-settings";
import { assertJsonGolden } from "../components/golden";
import { PORTS, port } from "./port-rules";

describe("dockerPorts", () => {
  it("publishes each non-off service on each bind address, same port inside and out", () => {
    assert.deepEqual(dockerPorts(PORTS), [
      { internal: 25, external: 25, ip: "0.0.0.0", protocol: "tcp" },
      { internal: 25, external: 25, ip: "::", protocol: "tcp" },
      { internal: 143, external: 143, ip: "127.0.0.1", protocol: "tcp" },
      { internal: 465, external: 465, ip: "0.0.0.0", protocol: "tcp" },
      { internal: 465, external: 465, ip: "::", protocol: "tcp" },
      { internal: 993, external: 993, ip: "192.0.2.7", protocol: "tcp" },
    ]);
  });
  it("never publishes 11334", () => {
    assert.throws(
      () => dockerPorts([port({ service: "smtp", port: 11334 })]),
      /port 11334 \(rspamd UI\) is never published/,
    );
  });
  it("rounds memory up to MiB", () => {
    assert.equal(dockerMemoryMb(2 * 1024 ** 3), 2048);
    assert.equal(dockerMemoryMb(1024 ** 2 + 1), 2);
    assert.equal(dockerMemoryMb(undefined), undefined);
  });
});

describe("ingressRules", () => {
  it("opens exactly the public services, per source CIDR", () => {
    assert.deepEqual(
      ingressRules(PORTS).map((r) => `${r.key} ${r.port} ${r.family} ${r.cidr}`),
      [
        "sg-smtp-v4-0-0-0-0-0 25 ipv4 0.0.0.0/0",
        "sg-smtp-v6-xx-0 25 ipv6 ::/0",
        "sg-submissions-v4-203-0-113-0-24 465 ipv4 203.0.113.0/24",
        "sg-submissions-v6-2001xdb8xx-32 465 ipv6 2001:db8::/32",
        "sg-imaps-v4-0-0-0-0-0 993 ipv4 0.0.0.0/0",
      ],
    );
    assert.equal(cidrSlug("::/0"), "v6-xx-0");
  });
});

describe("renderNftables", () => {
  const text = renderNftables(PORTS, { hostname: "mail.example.com" });
  it("matches the golden ruleset", () => assertJsonGolden("nftables", text.split("\n")));
  it("rejects a table name that is not an identifier", () => {
    assert.throws(
      () => renderNftables(PORTS, { table: "x; flush ruleset" }),
      /table must be an nftables identifier/,
    );
  });
  it("accepts a private service on its specific bind addresses only, DNAT-ed in forward", () => {
    const vpn = renderNftables([
      port({
        service: "managesieve",
        port: 4190,
        expose: "private",
        bind: ["10.8.0.1", "fd00::1", "127.0.0.1", "0.0.0.0"],
        allowFrom: [],
      }),
    ]);
    const lines = vpn.split("\n").map((l) => l.trim());
    const input = lines.slice(lines.indexOf("chain input {"), lines.indexOf("chain forward {"));
    const forward = lines.slice(lines.indexOf("chain forward {"));
    assert.deepEqual(input.slice(2), [
      'iifname "lo" accept',
      'ip daddr 10.8.0.1 tcp dport 4190 accept comment "managesieve"',
      'ip6 daddr fd00::1 tcp dport 4190 accept comment "managesieve"',
      "tcp dport { 4190, 11334 } drop",
      "}",
    ]);
    assert.deepEqual(forward.slice(2, 7), [
      'iifname "lo" accept',
      'ct status dnat ct original ip daddr 10.8.0.1 tcp dport 4190 accept comment "managesieve"',
      'ct status dnat ct original ip6 daddr fd00::1 tcp dport 4190 accept comment "managesieve"',
      "ct status dnat tcp dport 4190 drop",
      'tcp dport 11334 drop comment "rspamd web UI"',
    ]);
  });
  it("loads into a real nft, twice (idempotent), in a fresh network namespace", (t) => {
    const nft = spawnSync("nft", ["--version"]);
    if (nft.status !== 0 || process.getuid?.() !== 0) {
      if (process.env.CI === "true") assert.fail("nft and root are required under CI");
      t.skip("nft or root not available");
      return;
    }
    const ns = `dmsnft${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), "nft-"));
    const file = join(dir, "rules.nft");
    writeFileSync(file, text);
    execFileSync("ip", ["netns", "add", ns]);
    try {
      execFileSync("ip", ["netns", "exec", ns, "nft", "-f", file]);
      execFileSync("ip", ["netns", "exec", ns, "nft", "-f", file]);
      const listed = execFileSync(
        "ip",
        ["netns", "exec", ns, "nft", "list", "table", "inet", "dms_mail"],
        {
          encoding: "utf8",
        },
      );
      assert.match(listed, /tcp dport \{ 143, 465, 587, 993, 11334 \} drop/);
      assert.match(listed, /ip saddr 203\.0\.113\.0\/24 tcp dport 465 accept/);
      assert.match(listed, /ct status dnat tcp dport \{ 143, 465, 587, 993 \} drop/);
      assert.equal((listed.match(/chain /g) ?? []).length, 2);
    } finally {
      execFileSync("ip", ["netns", "del", ns]);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("config writer script", () => {
  const root = mkdtempSync(join(tmpdir(), "writer-"));
  after(() => rmSync(root, { recursive: true, force: true }));
  const script = WRITER_SCRIPT.replace(
    `src=${STAGING_DIR}; dst=${CONFIG_DIR}`,
    `src=${root}/stage; dst=${root}/config`,
  );

  function stage(files: Record<string, string>, env: NodeJS.ProcessEnv = process.env): void {
    rmSync(join(root, "stage"), { recursive: true, force: true });
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, "stage", path, ".."), { recursive: true });
      writeFileSync(join(root, "stage", path), content);
    }
    writeFileSync(
      join(root, "stage", MANIFEST),
      Object.keys(files)
        .map((f) => `${f}\n`)
        .join(""),
    );
    mkdirSync(join(root, "config"), { recursive: true });
    execFileSync("sh", ["-c", script], { env });
  }

  it("moves every staged file into place and records the manifest", () => {
    stage({ "postfix-accounts.cf": "a@x.org|h\n", "rspamd/override.d/dkim_signing.conf": "x\n" });
    assert.equal(readFileSync(join(root, "config", "postfix-accounts.cf"), "utf8"), "a@x.org|h\n");
    assert.equal(
      readFileSync(join(root, "config", "rspamd/override.d/dkim_signing.conf"), "utf8"),
      "x\n",
    );
    assert.equal(
      readFileSync(join(root, "config", MANIFEST), "utf8"),
      "postfix-accounts.cf\nrspamd/override.d/dkim_signing.conf\n",
    );
  });

  it("gives rspamd's DKIM keys to _rspamd before renaming them into place", () => {
    // Stand-ins for the image's `id` and `chown`: _rspamd exists; chown logs what it was asked.
    const bin = join(root, "bin");
    mkdirSync(bin, { recursive: true });
    const log = join(root, "chown.log");
    writeFileSync(join(bin, "id"), `#!/bin/sh\n[ "$1" = _rspamd ]\n`, { mode: 0o755 });
    writeFileSync(join(bin, "chown"), `#!/bin/sh\necho "$@" >> ${log}\n`, { mode: 0o755 });
    stage(
      {
        "postfix-accounts.cf": "a@x.org|h\n",
        "rspamd/dkim/rsa-2048-mail-x.org.private.txt": "KEY\n",
      },
      { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
    );
    assert.equal(
      readFileSync(log, "utf8"),
      `_rspamd:_rspamd ${root}/config/rspamd/dkim/rsa-2048-mail-x.org.private.txt.pulumi-tmp\n`,
    );
    assert.equal(
      readFileSync(join(root, "config", "rspamd/dkim/rsa-2048-mail-x.org.private.txt"), "utf8"),
      "KEY\n",
    );
  });

  it("removes files it wrote before that the plan dropped, and leaves others alone", () => {
    writeFileSync(join(root, "config", "user-file.cf"), "mine\n");
    stage({ "postfix-accounts.cf": "b@x.org|h\n" });
    assert.equal(existsSync(join(root, "config", "rspamd/override.d/dkim_signing.conf")), false);
    assert.equal(readFileSync(join(root, "config", "user-file.cf"), "utf8"), "mine\n");
    assert.equal(readFileSync(join(root, "config", "postfix-accounts.cf"), "utf8"), "b@x.org|h\n");
    assert.deepEqual(
      readdirSync(join(root, "config")).filter((f) => f.includes("pulumi-tmp")),
      [],
    );
  });
});

describe("clientSettings", () => {
  it("lists private services at their non-loopback bind addresses only", () => {
    const ports = [
      ...PORTS.filter((p) => p.service !== "imap"),
      port({ service: "imap", port: 143, expose: "private", bind: ["127.0.0.1", "192.0.2.99"] }),
    ];
    assert.deepEqual(clientSettings("mail.example.com", ports, ["a@x.org"])[0]!.imap, [
      { host: "mail.example.com", port: 993, security: "tls" },
      { host: "192.0.2.99", port: 143, security: "starttls" },
    ]);
  });

  it("lists reachable client services, implicit TLS first", () => {
    assert.deepEqual(clientSettings("mail.example.com", PORTS, ["b@x.org", "a@x.org", "a@x.org"]), [
      {
        username: "a@x.org",
        imap: [
          // 143 is private on 127.0.0.1: for the host itself, not for clients.
          { host: "mail.example.com", port: 993, security: "tls" },
        ],
        pop3: [],
        smtp: [{ host: "mail.example.com", port: 465, security: "tls" }],
        managesieve: [],
      },
      {
        username: "b@x.org",
        imap: [
          // 143 is private on 127.0.0.1: for the host itself, not for clients.
          { host: "mail.example.com", port: 993, security: "tls" },
        ],
        pop3: [],
        smtp: [{ host: "mail.example.com", port: 465, security: "tls" }],
        managesieve: [],
      },
    ]);
  });
});
