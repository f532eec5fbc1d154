/**
 * `MailServer` with `backup`: a `${name}-backup` container of the pinned image running the planned
 * loop, with every volume read-only and the host directory writable, on no network.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { componentsUnderMocks, registrations, resetRegistrations, settle, unwrap } from "./harness";
import type { MailServerArgs } from "../../src/components/args";

const { MailServer } = componentsUnderMocks();

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
    assert.match((inputs.command as string[])[1]!, /uname -r/);
    assert.equal(inputs.networkMode, "none");
    assert.equal(inputs.mustRun, false);
  });
});
