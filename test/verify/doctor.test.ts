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

describe("the host probe of HostCheck", () => {
  it("reads the kernel and the cgroup filesystem from the probe's lines", () => {
    assert.deepEqual(
      hostFactsFromProbe("DMS-DOCTOR kernel 6.1.0-18-amd64\nDMS-DOCTOR cgroupfs cgroup2fs\n"),
      {
        kernel: "6.1.0-18-amd64",
        cgroupVersion: "2",
      },
    );
    assert.deepEqual(hostFactsFromProbe("DMS-DOCTOR cgroupfs tmpfs\n"), { cgroupVersion: "1" });
  });

  it("turns them into the host-kernel and host-cgroup checks only", () => {
    const checks = hostCheckFromLogs("DMS-DOCTOR kernel 4.19.0\nDMS-DOCTOR cgroupfs tmpfs\n");
    assert.deepEqual(
      checks.map((c) => `${c.id} ${c.status} ${c.message}`),
      ["host-kernel fail kernel 4.19.0 is older than 5.2", "host-cgroup fail cgroup v1"],
    );
    assert.deepEqual(
      hostCheckFromLogs("").map((c) => c.status),
      ["skip", "skip"],
    );
  });
});
