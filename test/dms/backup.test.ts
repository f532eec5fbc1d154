/**
 * `backup` in the spec: validation (schedule, retention, target, Docker only), the plan's backup
 * container, its compose service, archive names, and the restore script's refusal of foreign
 * archives. The scripts run for real in test/dms/backup-job.test.ts and test/e2e/backup.test.ts.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateSpec } from "../../src/spec/validate";
import { formatFinding } from "../../src/spec/findings";
import { planMailServer } from "../../src/plan/plan";
import { renderCompose } from "../../src/plan/render/compose";
import {
  BACKUP_DIRS,
  backupArchiveName,
  backupStamp,
  parseBackupTime,
  safePrefix,
  scheduledBackupScript,
} from "../../src/dms/backup";
import { placeholderMaterial } from "../../src/components/mail-server/replan";
import { withSpec } from "../spec/helpers";

const BACKUP = { schedule: "03:30", retention: 14, target: { hostDir: "/srv/mail-backups" } };

function errors(input: unknown): string[] {
  return validateSpec(input)
    .findings.filter((f) => f.level === "error")
    .map(formatFinding);
}

function specOf(input: unknown) {
  const r = validateSpec(input);
  if (!r.ok) throw new Error(JSON.stringify(r.findings));
  return r.spec;
}

function plan(fields: Record<string, unknown>) {
  const spec = specOf(withSpec(fields));
  return planMailServer(spec, placeholderMaterial(spec));
}

describe("backup spec", () => {
  it("accepts a schedule, retention and host directory, with retention defaulting to 7", () => {
    assert.deepEqual(errors(withSpec({ backup: BACKUP })), []);
    const spec = specOf(withSpec({ backup: { schedule: "00:00", target: { hostDir: "/b" } } }));
    assert.equal(spec.backup?.retention, 7);
  });

  it("refuses a bad time, retention and relative directory, all at once, by path", () => {
    const e = errors(
      withSpec({ backup: { schedule: "24:00", retention: 0, target: { hostDir: "backups" } } }),
    );
    assert.equal(e.length, 3, e.join("\n"));
    assert.match(
      e.find((x) => x.includes("backup.schedule"))!,
      /HH:MM in UTC.*"24:00"|"24:00".*HH:MM/s,
    );
    assert.ok(e.some((x) => x.includes("backup.retention")));
    assert.ok(e.some((x) => x.includes("backup.target.hostDir") && x.includes("absolute path")));
  });

  it("is a Docker host setting: refused on Kubernetes", () => {
    assert.deepEqual(
      errors(withSpec({ platform: { kind: "kubernetes", tlsSecret: "t" }, backup: BACKUP })).map(
        (e) => e.replace(/, got .*/, ""),
      ),
      [
        "error platform-docker-only backup: is a Docker host setting (a backup container writing to a host directory); on Kubernetes back up the volume claims with your cluster's tools",
      ],
    );
  });
});

describe("backup plan", () => {
  it("plans no backup without the field", () => {
    assert.equal(plan({}).backup, undefined);
    assert.doesNotMatch(renderCompose(plan({})), /backup/);
  });

  it("plans the mail image running the daily loop over the volumes into the host directory", () => {
    const b = plan({ backup: BACKUP }).backup!;
    assert.equal(b.image, "ghcr.io/docker-mailserver/docker-mailserver:15.1.0");
    assert.deepEqual(b.command.slice(0, 2), ["/bin/bash", "-c"]);
    assert.match(b.command[2]!, /^at=12600$/m);
    assert.match(b.command[2]!, /^keep=14$/m);
    assert.match(b.command[2]!, /^prefix='mail\.example\.com'$/m);
    assert.deepEqual(b.volumes.map((v) => v.containerPath).sort(), [
      "/tmp/docker-mailserver",
      "/var/log/mail",
      "/var/mail",
      "/var/mail-state",
    ]);
    assert.equal(b.hostDir, "/srv/mail-backups");
    // Deterministic: the same spec plans byte-identical commands.
    assert.deepEqual(plan({ backup: BACKUP }).backup, b);
  });

  it("renders a compose service sharing the mail service's volumes read-only", () => {
    const text = renderCompose(plan({ backup: BACKUP }));
    assert.match(text, /\n {2}backup:\n/);
    assert.match(text, /volumes_from:\n\s+- mailserver:ro\n/);
    assert.match(text, /- \/srv\/mail-backups:\/backup\n/);
    assert.match(text, /network_mode: none\n/);
    // `$` in the script is escaped for Compose's interpolation.
    assert.match(text, /\$\$dir/);
  });
});

describe("backup names and scripts", () => {
  it("names archives with a UTC timestamp", () => {
    const d = new Date("2026-11-30T11:02:03.456Z");
    assert.equal(backupStamp(d), "20261130T110203Z");
    assert.equal(backupArchiveName("mailserver", d), "mailserver-20261130T110203Z.tar.gz");
    assert.equal(safePrefix("/weird name/x"), "weird_name_x");
  });

  it("parses HH:MM only", () => {
    assert.deepEqual(parseBackupTime("23:59"), { hour: 23, minute: 59 });
    for (const bad of ["24:00", "3:30", "03:60", "03:30:00"])
      assert.equal(parseBackupTime(bad), undefined);
  });

  it("archives the four directories of docker-mailserver's FAQ", () => {
    assert.deepEqual(BACKUP_DIRS, [
      "var/mail",
      "var/mail-state",
      "var/log/mail",
      "tmp/docker-mailserver",
    ]);
  });

  it("quotes the target directory and prefix for the shell", () => {
    const s = scheduledBackupScript({
      schedule: { hour: 1, minute: 2 },
      retention: 3,
      prefix: "a'b",
      targetDir: "/x y/'z",
    });
    assert.match(s, /^dir='\/x y\/'\\''z'$/m);
    assert.match(s, /^at=3720$/m);
  });
});
