/**
 * `dmsctl plan --out` writes a compose.yaml that a real Compose implementation accepts: checked with
 * Debian's docker-compose (1.29, the strictest reader still shipped: it rejects the long port
 * syntax's `host_ip`), which validates the file, the env_file and the port strings without a daemon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { runDmsctl } from "../helpers/cli";
import { EXAMPLE_SPEC_PATH, exampleInput } from "../records/fixtures";

const haveCompose = spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0;
if (!haveCompose && process.env.CI === "true") {
  throw new Error("docker-compose is not installed: scripts/ensure-system-deps.sh installs it");
}

/** Writes `--out` for a spec and returns `docker-compose config` of it. */
async function composeConfig(specPath: string): Promise<{ status: number | null; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), "dmsctl-compose-"));
  try {
    const run = await runDmsctl(["plan", specPath, "--out", join(dir, "out")]);
    assert.equal(run.code, 0, run.stderr);
    const r = spawnSync("docker-compose", ["-f", join(dir, "out", "compose.yaml"), "config"], {
      encoding: "utf8",
      timeout: 30_000,
    });
    return { status: r.status, out: r.stdout + r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("docker-compose accepts the example's compose.yaml", { skip: !haveCompose }, async () => {
  const { status, out } = await composeConfig(EXAMPLE_SPEC_PATH);
  assert.equal(status, 0, out);
  // Every public port on both bind addresses, as Compose normalized them.
  for (const port of [25, 465, 587, 993]) {
    assert.match(out, new RegExp(`- 0\\.0\\.0\\.0:${port}:${port}/tcp`));
    // v1 prints the IPv6 host address unbracketed (`:::25:25/tcp`): it was parsed as "::".
    assert.match(out, new RegExp(`- (\\[::\\]|::):${port}:${port}/tcp`));
  }
  assert.doesNotMatch(out, /:143:|:110:|:4190:|11334/);
});

test(
  "docker-compose accepts capabilities, memory, resolvers and private bindings",
  { skip: !haveCompose },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "dmsctl-compose-spec-"));
    try {
      const spec = {
        ...exampleInput(),
        features: { fail2ban: true, rspamd: true },
        memoryLimit: "3g",
        dnsResolvers: ["192.0.2.53"],
        services: { imap: { expose: "private", bind: ["127.0.0.1"] } },
      };
      const file = join(dir, "mailserver.yaml");
      writeFileSync(file, stringify(spec));
      const { status, out } = await composeConfig(file);
      assert.equal(status, 0, out);
      assert.match(out, /cap_add:\n\s+- NET_ADMIN/);
      assert.match(out, /mem_limit: '?3221225472'?/);
      assert.match(out, /dns:\n\s+- 192\.0\.2\.53/);
      assert.match(out, /- 127\.0\.0\.1:143:143\/tcp/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "docker-compose accepts the backup service: volumes_from the mail service, read-only",
  { skip: !haveCompose },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), "dmsctl-compose-backup-"));
    try {
      const spec = {
        ...exampleInput(),
        backup: { schedule: "03:30", retention: 5, target: { hostDir: "/srv/mail-backups" } },
      };
      const file = join(dir, "mailserver.yaml");
      writeFileSync(file, stringify(spec));
      const { status, out } = await composeConfig(file);
      assert.equal(status, 0, out);
      assert.match(out, /\n {2}backup:\n/);
      assert.match(out, /volumes_from:\n\s+- (service:)?mailserver:ro/);
      assert.match(out, /network_mode: none/);
      assert.match(out, /keep=5/);
      // `config` prints the script re-escaped: `$$out` there is the literal `$out` the shell gets.
      assert.match(out, /\$\$out\.partial/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
