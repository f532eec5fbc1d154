/**
 * `MailServer` with `backup`: a `${name}-backup` container of the pinned image running the planned
 * loop, with every volume read-only and the host directory writable, on no network.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import {
  componentsUnderMocks,
  registrations,
  resetRegistrations,
  settle,
  unwrap,
  valueOf,
} from "./harness";
import { HOST_PROBE_SCRIPT } from "../../src/verify/doctor";
import type { MailServerArgs } from "../../src/components/args";

/** What the probe prints on a host with defaults, a published port and ufw enabled. */
const PROBE_LOGS = [
  "DMS-DOCTOR kernel 6.1.0-18-amd64",
  "DMS-DOCTOR cgroupfs cgroup2fs",
  "DMS-DOCTOR uidmap 0 0 4294967295",
  "DMS-DOCTOR engine docker",
  "DMS-DOCTOR modules yes",
  "DMS-DOCTOR nft-loaded yes",
  "DMS-DOCTOR pidns host",
  "DMS-DOCTOR docker-proxy 1",
  "DMS-DOCTOR firewalld 0",
  "DMS-DOCTOR dockerd 1",
  "DMS-DOCTOR dockerd-args read",
  "DMS-DOCTOR daemon-json absent",
  "DMS-DOCTOR ufw enabled yes",
  "",
].join("\n");

const { MailServer } = componentsUnderMocks({
  containerLogs: { "mail-host-check-probe": PROBE_LOGS },
});

const BASE: MailServerArgs = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: { provider: "zonefile" } }],
  accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
};

async function build(args: MailServerArgs) {
  resetRegistrations();
  const m = new MailServer("mail", args);
  await settle([
    m.container.id,
    m.recreateHash,
    ...(m.backup ? [m.backup.id] : []),
  ] as pulumi.Output<unknown>[]);
  return { m, regs: [...registrations] };
}

describe("MailServer backup", () => {
  it("registers no backup container without `backup`", async () => {
    const { m, regs } = await build(BASE);
    assert.equal(m.backup, undefined);
    assert.equal(regs.filter((r) => r.name === "mail-backup").length, 0);
  });

  it("registers the daily backup loop over the volumes, read-only, into the host directory", async () => {
    const { m, regs } = await build({
      ...BASE,
      backup: { schedule: "02:15", retention: 10, target: { hostDir: "/srv/backups" } },
    });
    assert.ok(m.backup);
    const r = regs.find((x) => x.name === "mail-backup");
    assert.ok(r, `no mail-backup in ${regs.map((x) => x.name).join(", ")}`);
    const inputs = unwrap(r.inputs) as Record<string, unknown>;
    assert.equal(r.type, "docker:index/container:Container");
    assert.deepEqual(inputs.entrypoints, ["/bin/bash"]);
    const command = inputs.command as string[];
    assert.equal(command[0], "-c");
    assert.match(command[1]!, /^at=8100$/m);
    assert.match(command[1]!, /^keep=10$/m);
    assert.equal(inputs.networkMode, "none");
    assert.equal(inputs.restart, "always");
    const volumes = inputs.volumes as {
      containerPath: string;
      readOnly?: boolean;
      hostPath?: string;
    }[];
    assert.deepEqual(
      volumes
        .map(
          (v) =>
            `${v.containerPath} ${v.hostPath ?? "volume"} ${v.readOnly === true ? "ro" : "rw"}`,
        )
        .sort(),
      [
        "/backup /srv/backups rw",
        "/tmp/docker-mailserver volume ro",
        "/var/log/mail volume ro",
        "/var/mail volume ro",
        "/var/mail-state volume ro",
      ],
    );
  });
});

describe("MailServer hostCheck", () => {
  it("registers no host check by default, and a one-shot probe of the pinned image with `warn`", async () => {
    const off = await build(BASE);
    assert.equal(off.m.hostCheck, undefined);
    const { m, regs } = await build({ ...BASE, hostCheck: { mode: "warn" } });
    assert.ok(m.hostCheck);
    assert.ok(regs.some((r) => r.type === "dms:index:HostCheck" && r.name === "mail-host-check"));
    const probe = regs.find((r) => r.name === "mail-host-check-probe");
    assert.ok(probe, regs.map((r) => r.name).join(", "));
    const inputs = unwrap(probe.inputs) as Record<string, unknown>;
    assert.deepEqual(inputs.entrypoints, ["/bin/sh"]);
    assert.equal((inputs.command as string[])[1], HOST_PROBE_SCRIPT);
    assert.equal(inputs.networkMode, "none");
    assert.equal(inputs.mustRun, false);
    // The host access, explicit: the PID namespace and two read-only directories, nothing else.
    assert.equal(inputs.pidMode, "host");
    assert.deepEqual(inputs.volumes, [
      { hostPath: "/etc/docker", containerPath: "/dms-host/etc/docker", readOnly: true },
      { hostPath: "/etc/ufw", containerPath: "/dms-host/etc/ufw", readOnly: true },
    ]);
    for (const k of ["privileged", "capabilities", "mounts", "ports", "networksAdvanced"])
      assert.equal(inputs[k], undefined, k);
    // No Docker socket, in any form.
    assert.doesNotMatch(JSON.stringify(inputs), /docker\.sock/);
  });

  it("turns the probe's logs into doctor's host checks, the proxy finding included", async () => {
    const { m } = await build({ ...BASE, hostCheck: { mode: "warn" } });
    const checks = await valueOf(m.hostCheck!.checks);
    assert.deepEqual(
      checks.map((c) => `${c.id} ${c.status}`),
      [
        "host-kernel pass",
        "host-cgroup pass",
        "host-container-runtime pass",
        "host-rootless pass",
        "host-userland-proxy fail",
        "host-ipv6 pass",
        "host-nftables pass",
        "host-firewall-frontend fail",
      ],
    );
    const proxy = checks.find((c) => c.id === "host-userland-proxy")!;
    assert.match(proxy.message, /1 docker-proxy process\(es\) on the host/);
    assert.match(proxy.remediation!, /"userland-proxy": false/);
    assert.equal(checks.find((c) => c.id === "host-firewall-frontend")!.message, "ufw active");
  });

  it("`hostAccess: false` drops the PID namespace and the mounts; a non-boolean is refused", async () => {
    const { regs } = await build({ ...BASE, hostCheck: { mode: "warn", hostAccess: false } });
    const inputs = unwrap(regs.find((r) => r.name === "mail-host-check-probe")!.inputs) as Record<
      string,
      unknown
    >;
    assert.equal(inputs.pidMode, undefined);
    assert.equal(inputs.volumes, undefined);
    assert.equal(inputs.networkMode, "none");
    assert.throws(
      () =>
        new MailServer("bad", {
          ...BASE,
          hostCheck: { mode: "warn", hostAccess: "yes" as unknown as boolean },
        }),
      /hostCheck\.hostAccess: must be true or false, got "yes"/,
    );
    // HostCheck on its own names its own field.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { HostCheck } =
      require("../../src/components/host-check") as typeof import("../../src/components/host-check");
    assert.throws(
      () => new HostCheck("hc", { image: "img", hostAccess: "no" as unknown as boolean }),
      /hostAccess: must be true or false, got "no" \(HostCheck hc\)/,
    );
  });
});
