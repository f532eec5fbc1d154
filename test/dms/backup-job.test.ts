/**
 * The planned scheduled backup, for real: the plan's command runs in the docker-mailserver image
 * with the four volumes read-only and a host directory, scheduled for the next UTC minute. It must
 * write one archive holding the mail, and apply the retention to older archives of its prefix
 * (and only those). Takes up to two minutes (it waits for the minute to come).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { docker, ensureDocker } from "../servers/docker";
import { dmsImages } from "../e2e/harness";
import { planMailServer } from "../../src/plan/plan";
import { validateSpec } from "../../src/spec/validate";
import { placeholderMaterial } from "../../src/components/mail-server/replan";
import { withSpec } from "../spec/helpers";
import { sleep } from "../e2e/harness";

const TAG = `dms-backup-job-${process.pid}`;
const VOLUMES = {
  "/var/mail": `${TAG}-mail`,
  "/var/mail-state": `${TAG}-state`,
  "/var/log/mail": `${TAG}-logs`,
  "/tmp/docker-mailserver": `${TAG}-config`,
};

describe("the scheduled backup container", () => {
  let image: string | undefined;
  let skipWhy = "";
  const dir = mkdtempSync(join(tmpdir(), "dms-backup-job-"));
  before(async () => {
    if (!(await ensureDocker())) {
      skipWhy = "no Docker engine";
      return;
    }
    const images = await dmsImages();
    if ("skip" in images) {
      skipWhy = images.skip;
      return;
    }
    image = images[0]!.image;
  });
  after(() => {
    spawnSync("docker", ["rm", "-f", TAG], { stdio: "ignore" });
    spawnSync("docker", ["volume", "rm", ...Object.values(VOLUMES)], { stdio: "ignore" });
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes an archive at the scheduled minute and keeps only the newest `retention`", async (t) => {
    if (image === undefined) return t.skip(skipWhy);
    // The next whole minute, at least 20 s away so the container is up before it.
    const at = new Date(Math.ceil((Date.now() + 20_000) / 60_000) * 60_000);
    const hhmm = at.toISOString().slice(11, 16);
    const r = validateSpec(
      withSpec({ backup: { schedule: hhmm, retention: 2, target: { hostDir: dir } } }),
    );
    if (!r.ok) throw new Error(JSON.stringify(r.findings));
    const b = planMailServer(r.spec, placeholderMaterial(r.spec)).backup!;
    // Older archives of the prefix (two must go), and a file of another prefix (must stay).
    const prefix = b.prefix;
    for (const old of ["20200101T030000Z", "20210101T030000Z", "20220101T030000Z"])
      writeFileSync(join(dir, `${prefix}-${old}.tar.gz`), "old");
    writeFileSync(join(dir, "other-20200101T030000Z.tar.gz"), "keep");
    const mounts = Object.entries(VOLUMES).flatMap(([path, vol]) => ["-v", `${vol}:${path}`]);
    docker([
      "run",
      "--rm",
      ...mounts,
      "--entrypoint",
      "/bin/sh",
      image,
      "-c",
      "mkdir -p /var/mail/example.com/alice/cur && echo 'Subject: kept' > /var/mail/example.com/alice/cur/1 && echo x > /tmp/docker-mailserver/postfix-accounts.cf",
    ]);
    docker([
      "run",
      "-d",
      "--name",
      TAG,
      "--network",
      "none",
      ...Object.entries(VOLUMES).flatMap(([path, vol]) => ["-v", `${vol}:${path}:ro`]),
      "-v",
      `${dir}:${b.containerDir}`,
      "--entrypoint",
      b.command[0]!,
      image,
      ...b.command.slice(1),
    ]);
    const deadline = at.getTime() + 90_000;
    let written: string[] = [];
    while (Date.now() < deadline) {
      written = readdirSync(dir).filter((f) => f.startsWith(`${prefix}-`) && f > `${prefix}-2023`);
      if (written.length > 0 && readdirSync(dir).length <= 3) break;
      await sleep(2000);
    }
    const logs = docker(["logs", TAG]);
    const files = readdirSync(dir).sort();
    const stamp = /^mail\.example\.com-(\d{8}T\d{6}Z)\.tar\.gz$/;
    const fresh = files.filter((f) => stamp.test(f) && f > `${prefix}-2023`);
    assert.equal(fresh.length, 1, `files: ${files.join(", ")}\nlogs:\n${logs}`);
    // The archive was written at the scheduled minute (UTC).
    assert.equal(stamp.exec(fresh[0]!)![1]!.slice(9, 13), hhmm.replace(":", ""));
    assert.deepEqual(
      files,
      [`${prefix}-20220101T030000Z.tar.gz`, fresh[0]!, "other-20200101T030000Z.tar.gz"].sort(),
    );
    assert.equal(statSync(join(dir, fresh[0]!)).mode & 0o777, 0o600);
    const list = spawnSync("tar", ["-tzf", join(dir, fresh[0]!)], { encoding: "utf8" }).stdout;
    assert.match(list, /^var\/mail\/example\.com\/alice\/cur\/1$/m);
    assert.match(list, /^tmp\/docker-mailserver\/postfix-accounts\.cf$/m);
    assert.match(logs, /removed mail\.example\.com-20200101T030000Z\.tar\.gz \(retention 2\)/);
  });
});
