import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Check } from "../../src/verify/checks";
import {
  DOCTOR_DOCS,
  addressOf,
  doctorChecks,
  fail2banStartError,
  isUnbannableIp,
  mailLogProblems,
  parseFail2banBanned,
  parseFail2banJails,
  parseIptablesBackend,
  parseSetupUnban,
  parseSsPeers,
  parseSupervisorStatus,
  versionBelow,
  hostCheckFromLogs,
  hostFactsFromProbe,
  daemonNetworkFacts,
  daemonSetting,
  rootlessFromUidMap,
  HOST_CHECK_IDS,
  type ContainerFacts,
  type HostFacts,
} from "../../src/verify/doctor";

/** A file of real Fail2ban output captured from the 15.1.0 image. */
function f2bFixture(file: string): string {
  return readFileSync(join(__dirname, "fixtures", "fail2ban-15.1.0", file), "utf8");
}

/** A healthy host: every host check passes. */
const HOST: HostFacts = {
  kernel: "6.1.0-18-amd64",
  cgroupVersion: "2",
  serverVersion: "27.3.1",
  engine: "docker",
  rootless: false,
  userlandProxy: { on: false, source: "daemon.json" },
  ipv6: false,
  ip6tables: true,
  iptablesBackend: "nf_tables",
  nfTables: true,
  firewalls: [],
};

/** A healthy running container on a bridge network. */
const CONTAINER: ContainerFacts = {
  name: "mailserver",
  running: true,
  supervisor: "postfix    RUNNING   pid 10, uptime 0:10:00\nclamav   STOPPED   Not started\n",
  mailLog: "Nov 30 10:00:00 mail postfix/smtpd[1]: connect from a.example[192.0.2.1]\n",
  fail2ban: [{ jail: "postfix", banned: [] }],
  networkMode: "bridge",
  gateways: ["172.17.0.1"],
  clientIp: [
    {
      path: "host IPv4",
      target: "192.0.2.10:25",
      from: "192.0.2.10:40000",
      seen: ["192.0.2.10:40000"],
    },
  ],
};

function check(checks: readonly Check[], id: string): Check {
  const c = checks.find((x) => x.id === id);
  assert.ok(c, `no ${id} check`);
  return c;
}

function failed(host: Partial<HostFacts>, id: string, container?: Partial<ContainerFacts>): Check {
  const c = check(
    doctorChecks({
      host: { ...HOST, ...host },
      ...(container ? { container: { ...CONTAINER, ...container } } : {}),
    }),
    id,
  );
  assert.equal(c.status, "fail", `${id}: ${c.message}`);
  assert.match(
    c.remediation ?? "",
    /https:\/\/docker-mailserver\.github\.io\/docker-mailserver\/latest\//,
  );
  return c;
}

describe("doctorChecks", () => {
  it("passes every check of a healthy host and container, naming the facts", () => {
    const checks = doctorChecks({ host: HOST, container: CONTAINER });
    assert.deepEqual(
      checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`),
      [],
    );
    assert.equal(check(checks, "host-kernel").message, "kernel 6.1.0-18-amd64");
    assert.equal(check(checks, "host-cgroup").message, "cgroup v2");
    assert.equal(check(checks, "host-docker-version").message, "Docker Engine 27.3.1");
    assert.equal(checks.length, 13);
  });

  it("host-kernel: flags a kernel older than 5.2 (nftables NAT)", () => {
    const c = failed({ kernel: "4.19.0-21-amd64" }, "host-kernel");
    assert.match(c.message, /4\.19\.0-21-amd64 is older than 5\.2/);
    assert.ok(c.remediation!.includes(DOCTOR_DOCS.compatibility));
    assert.equal(
      check(doctorChecks({ host: { ...HOST, kernel: "5.2.0" } }), "host-kernel").status,
      "pass",
    );
  });

  it("host-cgroup: flags cgroup v1", () => {
    assert.equal(failed({ cgroupVersion: "1" }, "host-cgroup").message, "cgroup v1");
  });

  it("host-docker-version: flags Docker older than 23 with IPv6, or with userland-proxy off", () => {
    assert.match(
      failed({ serverVersion: "20.10.24+dfsg1", ipv6: true }, "host-docker-version").message,
      /20\.10\.24\+dfsg1 is older than 23 and IPv6 is on/,
    );
    assert.match(
      failed({ serverVersion: "22.0.1" }, "host-docker-version").message,
      /userland-proxy is off/,
    );
    const old = { ...HOST, serverVersion: "20.10.24", userlandProxy: { on: true, source: "x" } };
    assert.equal(check(doctorChecks({ host: old }), "host-docker-version").status, "pass");
  });

  it("host-container-runtime: flags Podman", () => {
    assert.match(failed({ engine: "podman" }, "host-container-runtime").message, /Podman/);
  });

  it("host-rootless: flags a rootless engine, citing the Fail2ban rootless section", () => {
    const c = failed({ rootless: true }, "host-rootless");
    assert.ok(c.remediation!.includes(DOCTOR_DOCS.rootless));
  });

  it("host-userland-proxy: flags the proxy (an info-level finding), naming where it was read", () => {
    const c = failed(
      { userlandProxy: { on: true, source: "Docker's default" } },
      "host-userland-proxy",
    );
    assert.equal(c.level, "info");
    assert.match(c.message, /on \(Docker's default\)/);
  });

  it("host-ipv6: flags IPv6 without ip6tables", () => {
    assert.match(failed({ ipv6: true, ip6tables: false }, "host-ipv6").message, /ip6tables is off/);
  });

  it("host-nftables: flags a kernel without nf_tables", () => {
    assert.match(
      failed({ nfTables: false, iptablesBackend: "legacy" }, "host-nftables").message,
      /no nf_tables; iptables is legacy/,
    );
  });

  it("host-firewall-frontend: flags an active ufw or firewalld (bypassed by published ports)", () => {
    const c = failed(
      {
        firewalls: [
          { name: "ufw", active: true },
          { name: "firewalld", active: false },
        ],
      },
      "host-firewall-frontend",
    );
    assert.equal(c.message, "ufw active");
    assert.match(c.remediation!, /DOCKER-USER/);
  });

  it("skips the host-local checks of a remote engine, saying why", () => {
    const checks = doctorChecks({
      host: { kernel: "6.1.0", remote: "not readable: the engine is remote" },
    });
    assert.equal(check(checks, "host-userland-proxy").status, "skip");
    assert.match(check(checks, "host-firewall-frontend").message, /remote/);
  });

  it("container-services: flags a service that is not RUNNING (STOPPED ones are disabled services)", () => {
    const c = failed({}, "container-services", {
      supervisor:
        "postfix RUNNING pid 1\ndovecot FATAL Exited too quickly\nclamav STOPPED Not started\n",
    });
    assert.equal(c.level, "error");
    assert.equal(c.message, "dovecot FATAL (Exited too quickly)");
  });

  it("container-mail-log: flags recent error lines of mail.log", () => {
    const c = failed({}, "container-mail-log", {
      mailLog:
        "ok line\nNov 30 mail postfix/smtpd[2]: warning: hostname x does not resolve\nNov 30 mail dovecot: auth: Error: bad\n",
    });
    assert.match(c.message, /^2 recent error\/warning line\(s\).*dovecot: auth: Error: bad$/);
  });

  it("container-fail2ban: flags bans and names dmsctl unban", () => {
    const c = failed({}, "container-fail2ban", {
      fail2ban: [
        { jail: "dovecot", banned: ["198.51.100.7"] },
        { jail: "postfix", banned: [] },
      ],
    });
    assert.equal(c.message, "banned: 198.51.100.7 (dovecot)");
    assert.match(c.remediation!, /dmsctl unban IP/);
    assert.ok(c.remediation!.includes(DOCTOR_DOCS.fail2ban));
  });

  it("container-fail2ban: flags an enabled Fail2ban that does not answer (a crash loop)", () => {
    const c = failed({}, "container-fail2ban", {
      fail2ban: "off",
      supervisor: "fail2ban    RUNNING   pid 902, uptime 0:00:00\npostfix RUNNING pid 1\n",
    });
    assert.match(
      c.message,
      /^Fail2ban is enabled \(supervisord: RUNNING, pid 902, uptime 0:00:00\)/,
    );
    assert.match(c.remediation!, /\/var\/log\/supervisor\/fail2ban\.log/);
    const off = doctorChecks({
      host: HOST,
      container: { ...CONTAINER, fail2ban: "off", supervisor: "fail2ban STOPPED Not started\n" },
    });
    assert.equal(check(off, "container-fail2ban").status, "skip");
  });

  it("container-fail2ban: names the reason of a crash loop, and the jail to turn off", () => {
    // The last lines of /var/log/supervisor/fail2ban.log in the 15.1.0 image built on Debian's
    // fail2ban package, with ENABLE_FAIL2BAN=1 and nothing else.
    const fail2banLog = [
      "2026-11-30 15:27:57,873 fail2ban                [756]: ERROR   Async configuration of server failed",
      "2026-11-30 15:27:59,046 fail2ban                [758]: ERROR   Failed during configuration: Have not found any log file for sshd jail",
      "2026-11-30 15:27:59,048 fail2ban                [758]: ERROR   Async configuration of server failed",
      "",
    ].join("\n");
    assert.equal(fail2banStartError(fail2banLog), "Have not found any log file for sshd jail");
    const c = failed({}, "container-fail2ban", {
      fail2ban: "off",
      supervisor: "fail2ban    RUNNING   pid 772, uptime 0:00:00\n",
      fail2banLog,
    });
    assert.match(c.message, /gets no answer: Have not found any log file for sshd jail$/);
    assert.match(c.remediation!, /"\[sshd\]" then "enabled = false"/);
    assert.ok(c.remediation!.includes(DOCTOR_DOCS.fail2banConfig));
    assert.equal(fail2banStartError("Server ready\n"), undefined);
  });

  it("container-client-ip: flags a connection Postfix saw from the Docker gateway", () => {
    const c = failed(
      { userlandProxy: { on: true, source: "Docker's default" } },
      "container-client-ip",
      {
        clientIp: [
          {
            path: "loopback",
            target: "127.0.0.1:32769",
            from: "127.0.0.1:5000",
            seen: ["172.17.0.1:41000"],
          },
          {
            path: "host IPv4",
            target: "192.0.2.10:32769",
            from: "192.0.2.10:5001",
            seen: ["192.0.2.10:5001"],
          },
        ],
      },
    );
    assert.equal(c.level, "error");
    assert.match(
      c.message,
      /loopback 127\.0\.0\.1:32769 from 127\.0\.0\.1 arrived from gateway 172\.17\.0\.1/,
    );
  });

  it("container-client-ip: loopback through NAT hairpinning (userland-proxy off) is expected", () => {
    const checks = doctorChecks({
      host: HOST,
      container: {
        ...CONTAINER,
        clientIp: [
          {
            path: "loopback",
            target: "127.0.0.1:25",
            from: "127.0.0.1:5000",
            seen: ["172.17.0.1:41000"],
          },
        ],
      },
    });
    assert.equal(check(checks, "container-client-ip").status, "pass");
  });

  it("container-client-ip: host networking passes without a probe; no published port skips", () => {
    const host = doctorChecks({
      host: HOST,
      container: { ...CONTAINER, networkMode: "host", clientIp: [] },
    });
    assert.equal(check(host, "container-client-ip").status, "pass");
    const none = doctorChecks({ host: HOST, container: { ...CONTAINER, clientIp: [] } });
    assert.equal(check(none, "container-client-ip").status, "skip");
  });

  it("skips every container check of a stopped container", () => {
    const checks = doctorChecks({ host: HOST, container: { name: "mailserver", running: false } });
    assert.deepEqual(
      checks.filter((c) => c.id.startsWith("container-")).map((c) => c.status),
      ["skip", "skip", "skip", "skip"],
    );
  });
});

describe("doctor parsers", () => {
  it("compares versions on their numeric parts", () => {
    assert.equal(versionBelow("20.10.24+dfsg1", "23"), true);
    assert.equal(versionBelow("23.0.0", "23"), false);
    assert.equal(versionBelow("5.1.21-rt", "5.2"), true);
    assert.equal(versionBelow("6.18.44-fc-v782", "5.2"), false);
    assert.equal(versionBelow("unknown", "5.2"), false);
  });

  it("reads supervisorctl status", () => {
    assert.deepEqual(parseSupervisorStatus("cron  RUNNING   pid 5, uptime 1:00:00\n"), [
      { name: "cron", state: "RUNNING", detail: "pid 5, uptime 1:00:00" },
    ]);
  });

  it("reads fail2ban-client status and a jail's banned list", () => {
    assert.deepEqual(
      parseFail2banJails("Status\n|- Number of jail:\t2\n`- Jail list:\tdovecot, postfix-sasl\n"),
      ["dovecot", "postfix-sasl"],
    );
    assert.deepEqual(
      parseFail2banBanned(
        "Status for the jail: dovecot\n`- Actions\n   |- Total banned:\t2\n   `- Banned IP list:\t192.0.2.1 2001:db8::1\n",
      ),
      ["192.0.2.1", "2001:db8::1"],
    );
    assert.deepEqual(parseFail2banBanned("   `- Banned IP list:\t\n"), []);
  });

  it("reads the real fail2ban-client and setup output of the 15.1.0 image (Fail2ban 1.0.2)", () => {
    // Captured from local/dms:15.1.0 with ENABLE_FAIL2BAN=1 (see fixtures/fail2ban-15.1.0/).
    assert.deepEqual(parseFail2banJails(f2bFixture("status.txt")), [
      "custom",
      "dovecot",
      "postfix",
    ]);
    assert.deepEqual(parseFail2banBanned(f2bFixture("status-postfix-banned.txt")), [
      "192.0.2.77",
      "198.51.100.7",
    ]);
    // An empty list, with the File list line (also empty) above it: nothing is banned.
    assert.deepEqual(parseFail2banBanned(f2bFixture("status-custom-empty.txt")), []);
    assert.deepEqual(parseSetupUnban(f2bFixture("setup-unban-lifted.txt")), [
      { jail: "custom", lifted: 0 },
      { jail: "dovecot", lifted: 0 },
      { jail: "postfix", lifted: 1 },
    ]);
    // Not banned anywhere: setup still prints a line per jail, each with 0, and exits 0.
    assert.deepEqual(
      parseSetupUnban(f2bFixture("setup-unban-not-banned.txt")).map((j) => j.lifted),
      [0, 0, 0],
    );
  });

  it("reads iptables' backend, ss peers and endpoint addresses", () => {
    assert.equal(parseIptablesBackend("iptables v1.8.9 (nf_tables)"), "nf_tables");
    assert.equal(parseIptablesBackend("iptables v1.8.4 (legacy)"), "legacy");
    assert.deepEqual(
      parseSsPeers(
        "0      0      172.17.0.2:25      172.17.0.1:41000\n0 0 [::ffff:172.17.0.2]:25 [::ffff:192.0.2.3]:5\n",
      ),
      ["172.17.0.1:41000", "192.0.2.3:5"],
    );
    assert.equal(addressOf("[2001:db8::1]:25"), "2001:db8::1");
    assert.equal(addressOf("192.0.2.1:25"), "192.0.2.1");
  });

  it("finds problem lines of a mail log", () => {
    assert.deepEqual(mailLogProblems("a: fatal: no\nb: connect from x\nc: warning: w\n"), [
      "a: fatal: no",
      "c: warning: w",
    ]);
  });

  it("does not count a client's failed SMTP AUTH as a problem of the server", () => {
    const log = [
      "Nov 30 14:40:01 mail postfix/smtps/smtpd[901]: warning: unknown[127.0.0.55]: SASL PLAIN authentication failed: ",
      "Nov 30 14:40:02 mail postfix/submission/smtpd[902]: warning: a.example[192.0.2.1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6",
      "Nov 30 14:40:03 mail postfix/smtpd[903]: warning: TLS library problem: error:0A000126",
      "",
    ].join("\n");
    assert.deepEqual(mailLogProblems(log), [
      "Nov 30 14:40:03 mail postfix/smtpd[903]: warning: TLS library problem: error:0A000126",
    ]);
  });

  it("accepts only plain IPv4/IPv6 addresses for unban", () => {
    for (const ok of ["192.0.2.1", "2001:db8::1", "::1"])
      assert.equal(isUnbannableIp(ok), true, ok);
    for (const bad of [
      "192.0.2.0/24",
      "example.com",
      "1.2.3",
      "192.0.2.1; rm -rf /",
      "fe80::1%eth0",
      "",
    ])
      assert.equal(isUnbannableIp(bad), false, bad);
  });
});

describe("the daemon's settings, as doctor and HostCheck read them", () => {
  it("takes a flag over daemon.json, with Go's false spellings", () => {
    assert.deepEqual(
      daemonSetting(
        { flags: ["--userland-proxy=0"], json: { "userland-proxy": true } },
        "userland-proxy",
      ),
      { on: false, source: "dockerd --userland-proxy=0" },
    );
    assert.deepEqual(daemonSetting({ flags: ["--ipv6"] }, "ipv6"), {
      on: true,
      source: "dockerd --ipv6",
    });
    assert.equal(
      daemonSetting({ flags: ["--userland-proxy-path=/x"] }, "userland-proxy"),
      undefined,
    );
  });

  it("defaults only what both sources were read for; ip6tables' default needs the version", () => {
    assert.deepEqual(daemonNetworkFacts({ flags: [], json: {} }, "26.1.0"), {
      userlandProxy: { on: true, source: "Docker's default" },
      ipv6: false,
      ip6tables: false,
    });
    assert.equal(daemonNetworkFacts({ flags: [], json: {} }, "27.0.1").ip6tables, true);
    assert.deepEqual(daemonNetworkFacts({ flags: [], json: {} }), {
      userlandProxy: { on: true, source: "Docker's default" },
      ipv6: false,
    });
    // daemon.json unreadable: what the flags do not say is unknown, not Docker's default.
    assert.deepEqual(daemonNetworkFacts({ flags: [] }), {});
    assert.deepEqual(daemonNetworkFacts({ json: { ipv6: true, "userland-proxy": false } }), {
      userlandProxy: { on: false, source: "daemon.json" },
      ipv6: true,
    });
  });

  it("host-ipv6 skips IPv6 with ip6tables unknown (off by default before Docker 27)", () => {
    const { ip6tables: _, ...rest } = HOST;
    const c = check(doctorChecks({ host: { ...rest, ipv6: true } }), "host-ipv6");
    assert.equal(c.status, "skip");
    assert.match(c.message, /Docker 27/);
    assert.equal(
      check(doctorChecks({ host: HOST }), "host-ipv6").message,
      "IPv6 off on the daemon",
    );
    assert.equal(
      check(doctorChecks({ host: { ...HOST, ipv6Networks: true } }), "host-ipv6").message,
      "IPv6 off on the daemon and the container's networks",
    );
  });
});

/** What the probe prints on a healthy rootful Docker host with the host access it is given. */
const PROBE_OK = [
  "DMS-DOCTOR kernel 6.1.0-18-amd64",
  "DMS-DOCTOR cgroupfs cgroup2fs",
  "DMS-DOCTOR uidmap 0 0 4294967295",
  "DMS-DOCTOR engine docker",
  "DMS-DOCTOR modules yes",
  "DMS-DOCTOR nft-loaded yes",
  "DMS-DOCTOR pidns host",
  "DMS-DOCTOR docker-proxy 0",
  "DMS-DOCTOR firewalld 0",
  "DMS-DOCTOR dockerd 1",
  "DMS-DOCTOR dockerd-args read",
  "DMS-DOCTOR daemon-json present",
  'DMS-DOCTOR daemon-json-key "userland-proxy":false',
  "DMS-DOCTOR ufw absent",
];

/** The probe's output with lines replaced (same key) or added, and keys removed. */
function probe(change: readonly string[] = [], remove: readonly string[] = []): string {
  const key = (l: string) => l.split(" ")[1]!;
  const changedKeys = new Set(change.map((l) => key(`DMS-DOCTOR ${l}`)));
  return [
    ...PROBE_OK.filter((l) => !changedKeys.has(key(l)) && !remove.includes(key(l))),
    ...change.map((l) => `DMS-DOCTOR ${l}`),
  ].join("\n");
}

/** One check of HostCheck's output. */
function probeCheck(logs: string, id: string): Check {
  return check(hostCheckFromLogs(logs), id);
}

describe("the host probe of HostCheck", () => {
  it("runs doctor's host checks but the engine version; all pass on a healthy host", () => {
    const checks = hostCheckFromLogs(`noise\n${probe()}\n`);
    assert.deepEqual(
      checks.map((c) => c.id),
      [...HOST_CHECK_IDS],
    );
    assert.ok(!HOST_CHECK_IDS.includes("host-docker-version" as never));
    assert.deepEqual(
      checks.filter((c) => c.status !== "pass").map((c) => `${c.id}: ${c.message}`),
      [],
    );
    assert.deepEqual(hostFactsFromProbe(probe()), {
      kernel: "6.1.0-18-amd64",
      cgroupVersion: "2",
      engine: "docker",
      rootless: false,
      userlandProxy: { on: false, source: "daemon.json" },
      ipv6: false,
      nfTables: true,
      firewalls: [],
      remote: "not visible to HostCheck's probe container; run `dmsctl doctor` on the Docker host",
    });
  });

  it("host-kernel and host-cgroup: an old kernel and cgroup v1 fail with doctor's remedies", () => {
    const logs = probe(["kernel 4.19.0", "cgroupfs tmpfs"]);
    assert.equal(probeCheck(logs, "host-kernel").message, "kernel 4.19.0 is older than 5.2");
    assert.equal(probeCheck(logs, "host-cgroup").message, "cgroup v1");
    assert.ok(probeCheck(logs, "host-cgroup").remediation!.includes(DOCTOR_DOCS.compatibility));
    assert.equal(probeCheck(probe([], ["kernel"]), "host-kernel").status, "skip");
  });

  it("host-container-runtime: Podman's marker fails, Docker's passes, none skips", () => {
    assert.equal(probeCheck(probe(["engine podman"]), "host-container-runtime").status, "fail");
    assert.equal(probeCheck(probe(), "host-container-runtime").message, "Docker Engine");
    assert.equal(probeCheck(probe(["engine unknown"]), "host-container-runtime").status, "skip");
  });

  it("host-rootless: root mapped to one unprivileged user fails; userns-remap is rootful", () => {
    const rootless = probe(["uidmap 0 1000 1", "uidmap 1 100000 65536"]);
    assert.equal(probeCheck(rootless, "host-rootless").status, "fail");
    assert.ok(probeCheck(rootless, "host-rootless").remediation!.includes(DOCTOR_DOCS.rootless));
    assert.equal(probeCheck(probe(["uidmap 0 165536 65536"]), "host-rootless").status, "pass");
    assert.equal(rootlessFromUidMap([]), undefined);
  });

  it("host-userland-proxy: reads dockerd's flags, daemon.json, Docker's default and docker-proxy", () => {
    // daemon.json says false: pass.
    assert.equal(probeCheck(probe(), "host-userland-proxy").status, "pass");
    // No setting anywhere: Docker's default, on.
    const dflt = probeCheck(
      probe(["daemon-json absent"], ["daemon-json-key"]),
      "host-userland-proxy",
    );
    assert.equal(dflt.status, "fail");
    assert.equal(dflt.level, "info");
    assert.match(dflt.message, /on \(Docker's default\)/);
    assert.ok(dflt.remediation!.includes(DOCTOR_DOCS.ipv6));
    // A flag: on.
    assert.match(
      probeCheck(
        probe(["dockerd-flag --userland-proxy=true"], ["daemon-json-key"]),
        "host-userland-proxy",
      ).message,
      /dockerd --userland-proxy=true/,
    );
    // The settings unreadable (another config file) but docker-proxy runs: on.
    const seen = probeCheck(
      probe(["dockerd-config-file other", "docker-proxy 2"]),
      "host-userland-proxy",
    );
    assert.equal(seen.status, "fail");
    assert.match(seen.message, /2 docker-proxy process\(es\) on the host/);
    // Nothing visible (hostAccess off): skip, saying why.
    const blind = probeCheck(
      probe(
        ["pidns private", "daemon-json unmounted"],
        ["docker-proxy", "dockerd", "dockerd-args"],
      ),
      "host-userland-proxy",
    );
    assert.equal(blind.status, "skip");
    assert.match(blind.message, /dmsctl doctor/);
    // A rootless engine does not read /etc/docker/daemon.json: its "false" there is not trusted.
    assert.equal(probeCheck(probe(["uidmap 0 1000 1"]), "host-userland-proxy").status, "skip");
  });

  it("host-ipv6: IPv6 without ip6tables fails, with it passes, ip6tables unset skips", () => {
    // daemon.json with exactly these keys.
    const keys = (...kv: string[]) =>
      [
        ...PROBE_OK.filter((l) => !l.includes("daemon-json-key")),
        ...kv.map((k) => `DMS-DOCTOR daemon-json-key ${k}`),
      ].join("\n");
    assert.equal(probeCheck(keys('"ipv6":true', '"ip6tables":false'), "host-ipv6").status, "fail");
    assert.equal(probeCheck(keys('"ipv6":true', '"ip6tables":true'), "host-ipv6").status, "pass");
    assert.equal(probeCheck(keys('"ipv6":true'), "host-ipv6").status, "skip");
    assert.equal(
      probeCheck(probe(["dockerd-flag --ipv6", "dockerd-flag --ip6tables=false"]), "host-ipv6")
        .status,
      "fail",
    );
  });

  it("host-nftables: loaded or configured passes; not set, or no modules and no symbols, fails", () => {
    assert.equal(probeCheck(probe(), "host-nftables").status, "pass");
    assert.equal(
      probeCheck(probe(["nft-loaded no", "nft-config m"]), "host-nftables").status,
      "pass",
    );
    assert.equal(
      probeCheck(probe(["nft-loaded no", "nft-config n"]), "host-nftables").status,
      "fail",
    );
    assert.equal(
      probeCheck(probe(["nft-loaded no", "modules no"]), "host-nftables").message,
      "the kernel has no nf_tables",
    );
    // A module not loaded, the config unreadable: it may still load on demand.
    assert.equal(probeCheck(probe(["nft-loaded no"]), "host-nftables").status, "skip");
  });

  it("host-firewall-frontend: ufw ENABLED=yes or a running firewalld fails; both known and off passes", () => {
    assert.equal(
      probeCheck(probe(["ufw enabled yes"]), "host-firewall-frontend").message,
      "ufw active",
    );
    assert.equal(
      probeCheck(probe(["firewalld 1"]), "host-firewall-frontend").message,
      "firewalld active",
    );
    assert.equal(
      probeCheck(probe(["ufw enabled no"]), "host-firewall-frontend").message,
      "no ufw or firewalld active (ufw installed)",
    );
    // Without the PID namespace firewalld is unknown: no pass, but an enabled ufw still fails.
    const noPids = ["pidns private"];
    const remove = ["docker-proxy", "firewalld", "dockerd", "dockerd-args"];
    assert.equal(probeCheck(probe(noPids, remove), "host-firewall-frontend").status, "skip");
    assert.equal(
      probeCheck(probe([...noPids, "ufw enabled yes"], remove), "host-firewall-frontend").status,
      "fail",
    );
    assert.equal(probeCheck(probe(["ufw unmounted"]), "host-firewall-frontend").status, "skip");
  });

  it("ignores daemon.json keys other than the three, and an empty probe skips everything", () => {
    const facts = hostFactsFromProbe(
      probe(['daemon-json-key "registry-mirrors":true', 'daemon-json-key "userland-proxy":false']),
    );
    assert.deepEqual(facts.userlandProxy, { on: false, source: "daemon.json" });
    assert.deepEqual(
      hostCheckFromLogs("").map((c) => c.status),
      HOST_CHECK_IDS.map(() => "skip"),
    );
  });
});
