/**
 * The PROXY protocol files (`platform.proxyProtocol`, src/dms/proxy-protocol.ts) through their
 * real readers on this host: `postfix-main.cf` appended to docker-mailserver 15.1.0's `main.cf`
 * as DMS does it, then `user-patches.sh` run against DMS's `master.cf` (twice: it is
 * idempotent), read back with `postconf -M` / `-P` / `-h`; and `dovecot.cf` after DMS's
 * `10-master.conf`, read back with `doveconf -n`. The real image runs the same files in
 * test/providers/kubernetes-proxy-protocol.test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planDmsFiles } from "../../src/dms";
import { validateSpec } from "../../src/spec/validate";
import { HASH } from "../spec/helpers";
import { requireTool } from "../dms/tools";

const DMS_SOURCE = join(__dirname, "..", "..", "..", "shared", "dms", "dms-src-v15.1.0.tar.gz");

/** A Kubernetes spec with PROXY protocol, POP3 and ManageSieve on, IMAP (143) private. */
function files(proxyProtocol: unknown) {
  const r = validateSpec({
    hostname: "mail.example.com",
    domains: [{ name: "example.com" }],
    accounts: [{ address: "alice@example.com", passwordHash: HASH }],
    tls: { type: "letsencrypt" },
    features: { pop3: true, managesieve: true },
    services: { imap: { expose: "private" } },
    overrides: { dovecot: "mail_max_userip_connections = 20\n" },
    platform: { kind: "kubernetes", tlsSecret: "mail-tls", proxyProtocol },
  });
  if (!r.ok) throw new Error(r.findings.map((f) => f.message).join("\n"));
  const all = planDmsFiles(r.spec, {
    passwordHashes: new Map(),
    dkimKeys: new Map(),
  });
  const of = (path: string) => all.find((f) => f.path === path)?.content;
  return { main: of("postfix-main.cf"), patches: of("user-patches.sh"), dovecot: of("dovecot.cf") };
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function unpack(t: import("node:test").TestContext, dir: string, paths: string[]): boolean {
  if (!existsSync(DMS_SOURCE)) {
    const why = `the DMS source archive is missing at ${DMS_SOURCE}`;
    if (process.env.CI === "true") throw new Error(why);
    t.skip(why);
    return false;
  }
  const r = run("tar", ["-xzf", DMS_SOURCE, "-C", dir, "--strip-components=2", ...paths]);
  assert.equal(r.status, 0, r.stderr);
  return true;
}

test("Postfix reads the PROXY protocol copies user-patches.sh adds to DMS's master.cf", (t) => {
  if (!requireTool(t, "/usr/sbin/postconf", ["-d", "mail_version"])) return;
  const dir = mkdtempSync(join(tmpdir(), "dms-proxy-postfix-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (!unpack(t, dir, ["target/postfix/main.cf", "target/postfix/master.cf"])) return;
  const postconf = (...args: string[]) => {
    const r = run("/usr/sbin/postconf", ["-c", dir, ...args]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "", `postconf ${args.join(" ")} warned`);
    return r.stdout;
  };
  const originals = postconf("-Mf", "smtp/inet", "submission/inet", "submissions/inet");
  const { main, patches, dovecot } = files(true);
  assert.ok(main !== undefined && patches !== undefined && dovecot !== undefined);

  // DMS: append postfix-main.cf to main.cf, keep `postconf -n` (setup.d/postfix.sh).
  appendFileSync(join(dir, "main.cf"), main);
  writeFileSync(join(dir, "main.cf"), postconf("-n"));
  assert.equal(
    postconf("-h", "postscreen_cache_map"),
    "proxy:btree:$data_directory/postscreen_cache\n",
  );
  // proxymap may write it: the default proxy_write_maps names $postscreen_cache_map.
  assert.match(postconf("-x", "-h", "proxy_write_maps"), /proxy:btree:.*postscreen_cache/);

  // DMS: `/bin/bash user-patches.sh` after its setup. Twice, as after a container restart.
  writeFileSync(join(dir, "user-patches.sh"), patches);
  for (let i = 0; i < 2; i++) {
    const r = run("bash", [join(dir, "user-patches.sh")], { MAIL_CONFIG: dir });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
  }
  const entries = postconf("-M")
    .split("\n")
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => l.split(/\s+/));
  assert.deepEqual(
    entries.map((e) => `${e[0]}/${e[1]} ${e[7]}`),
    ["12525/inet postscreen", "10465/inet smtpd", "10587/inet smtpd"],
    "one copy each, with the original's command",
  );
  const params = postconf("-P").split("\n");
  const copyParams = (port: number) =>
    params.filter((l) => l.startsWith(`${port}/inet/`)).map((l) => l.slice(`${port}/inet/`.length));
  const originalParams = (name: string) =>
    params.filter((l) => l.startsWith(`${name}/inet/`)).map((l) => l.slice(`${name}/inet/`.length));
  assert.deepEqual(copyParams(12525), [
    "postscreen_upstream_proxy_protocol = haproxy",
    "syslog_name = postfix/smtp-proxy",
  ]);
  // The submission copies keep every setting of the original, plus the PROXY protocol.
  for (const [name, port] of [
    ["submission", 10587],
    ["submissions", 10465],
  ] as const) {
    const want = [
      ...originalParams(name).filter((l) => !l.startsWith("syslog_name =")),
      "smtpd_upstream_proxy_protocol = haproxy",
      `syslog_name = postfix/${name}-proxy`,
    ].sort();
    assert.deepEqual(copyParams(port).sort(), want, name);
  }
  assert.equal(
    postconf("-Mf", "smtp/inet", "submission/inet", "submissions/inet"),
    originals,
    "the normal ports are unchanged",
  );
});

test("Dovecot reads the PROXY protocol listeners after DMS's 10-master.conf", (t) => {
  if (!requireTool(t, "doveconf", ["-d", "version"])) return;
  const dir = mkdtempSync(join(tmpdir(), "dms-proxy-dovecot-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (!unpack(t, dir, ["target/dovecot/10-master.conf"])) return;
  // 10-master.conf includes two files of the image's Dovecot setup; neither is needed here.
  for (const inc of ["lmtp-master.inc", "chroot.inc"]) writeFileSync(join(dir, inc), "");
  const read = (proxyProtocol: unknown) => {
    const { dovecot } = files(proxyProtocol);
    writeFileSync(join(dir, "local.conf"), dovecot ?? "");
    writeFileSync(
      join(dir, "dovecot.conf"),
      [
        "protocols = imap pop3",
        `!include ${join(dir, "10-master.conf")}`,
        // DMS installs dovecot.cf as local.conf, read last.
        `!include ${join(dir, "local.conf")}`,
        "",
      ].join("\n"),
    );
    const r = run("doveconf", ["-n", "-c", join(dir, "dovecot.conf")]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "");
    return r.stdout;
  };
  const out = read({ trustedNetworks: ["10.42.0.0/16", "fd00::/8"] });
  assert.match(out, /^haproxy_trusted_networks = 10\.42\.0\.0\/16 fd00::\/8$/m);
  assert.match(out, /^mail_max_userip_connections = 20$/m, "the user's text still applies");
  // Each proxied listener, as doveconf prints it (settings sorted), inside its login service.
  const listener = (service: string, name: string, port: number, ssl: boolean) =>
    new RegExp(
      `service ${service} \\{[^}]*?inet_listener ${name} \\{\\n\\s+haproxy = yes\\n\\s+port = ${port}\\n\\s+ssl = ${ssl ? "yes" : "no"}\\n\\s+\\}`,
    );
  assert.match(out, listener("imap-login", "imaps-proxy", 10993, true));
  assert.match(out, listener("pop3-login", "pop3s-proxy", 10995, true));
  assert.match(out, listener("managesieve-login", "managesieve-proxy", 14190, false));
  assert.doesNotMatch(out, /inet_listener imap-proxy/, "143 is private: no proxied copy");
  // DMS's own listeners are untouched (the whole config: `-n` omits default values).
  const full = run("doveconf", ["-c", join(dir, "dovecot.conf")]).stdout;
  assert.match(
    full,
    /inet_listener imaps \{\n\s+address =\s*\n\s+haproxy = no\n\s+port = 993\n\s+reuse_port = no\n\s+ssl = yes\n/,
  );
  assert.doesNotMatch(read(false), /haproxy/);
});
