/**
 * Issue 11, fix 5 on the real Docker engine: the config writer a `MailServer` registers is run
 * for real (its script, uploads, volume and healthcheck as registered; an image holding this
 * machine's shell and tools), with the provider's wait modelled as `resourceDockerContainerCreate`
 * does it (poll the health status once a second until `healthy`, else fail at `waitTimeout`).
 * A write that fails never turns healthy, so the provider's create fails; the engine then
 * replaces the writer on the next `up` (test/servers/docker-provider.ts `plan` with an
 * initialization error), and once the cause is fixed the same inputs succeed.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import {
  componentsUnderMocks,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
} from "./harness";
import { docker as dockerCli, ensureDocker, shellImage } from "../servers/docker";
import {
  createBody,
  dockerApi,
  plan,
  readState,
  toTerraform,
  type Inspect,
} from "../servers/docker-provider";
import type { MailServerArgs } from "../../src/components/args";

const { MailServer } = componentsUnderMocks();

const PREFIX = `dms-recovery-${process.pid}`;
const created: string[] = [];
const volumes = new Set<string>();
let engine = false;
let image = "";

before(async () => {
  engine = await ensureDocker();
  if (engine) image = dockerCli(["image", "inspect", shellImage(), "--format", "{{.Id}}"]).trim();
});
after(async () => {
  resetRegistrations();
  for (const id of created) await dockerApi("DELETE", `/containers/${id}?force=true`);
  for (const v of volumes) await dockerApi("DELETE", `/volumes/${v}`).catch(() => undefined);
});

const SPEC: MailServerArgs = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" } }],
  accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
};

/** The writer's registered inputs, made runnable here: this image, a volume unique to the run. */
async function writerInputs(): Promise<Record<string, unknown>> {
  resetRegistrations();
  const m = new MailServer("mail", SPEC);
  await valueOf(m.configWriter.id);
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  const r = registrations.find((x) => x.name === "mail-config-writer");
  assert.ok(r);
  const i = unwrap(r.inputs) as Record<string, unknown>;
  const vols = i.volumes as { volumeName: string; containerPath: string }[];
  return {
    ...i,
    image,
    volumes: vols.map((v) => {
      const volumeName = `${PREFIX}-${v.volumeName}`;
      volumes.add(volumeName);
      return { ...v, volumeName };
    }),
  };
}

/** A tar of the uploads, as the provider copies them into the container before starting it. */
function uploadsTar(uploads: { file: string; content: string; permissions: string }[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), "uploads-"));
  try {
    for (const u of uploads) {
      const path = join(dir, u.file);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, u.content, { mode: parseInt(u.permissions, 8) });
    }
    const tar = spawnSync("tar", ["-C", dir, "-cf", "-", "."], { maxBuffer: 64 * 1024 * 1024 });
    assert.equal(tar.status, 0);
    return tar.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `sh -c script` in a throwaway container with the config volume at /v. */
function inVolume(volume: string, script: string): string {
  return dockerCli(["run", "--rm", "-v", `${volume}:/v`, image, "/bin/sh", "-c", script]);
}

/**
 * Creates, uploads to and starts the writer as the provider does, then waits for it as the
 * provider's `wait` does. Returns whether the create would succeed, and the container.
 */
async function createAsProvider(
  inputs: Record<string, unknown>,
  run: string,
): Promise<{ healthy: boolean; inspect: Inspect; tf: Record<string, unknown> }> {
  const tf = toTerraform({ ...inputs, name: `${PREFIX}-${run}` });
  const { Id } = (await dockerApi(
    "POST",
    `/containers/create?name=${encodeURIComponent(String(tf.name))}`,
    createBody(tf),
  )) as { Id: string };
  created.push(Id);
  const tar = uploadsTar(
    inputs.uploads as { file: string; content: string; permissions: string }[],
  );
  const put = spawnSync("docker", ["cp", "-", `${Id}:/`], { input: tar });
  assert.equal(put.status, 0, put.stderr?.toString());
  await dockerApi("POST", `/containers/${Id}/start`);
  const deadline = Date.now() + Number(inputs.waitTimeout) * 1000;
  let healthy = false;
  while (Date.now() < deadline) {
    const s = ((await dockerApi("GET", `/containers/${Id}/json`)) as Inspect).State;
    if (s.Health?.Status === "healthy") {
      healthy = true;
      break;
    }
    // Stopped and not healthy: the provider's loop can only run out its timeout now.
    if (!s.Running) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  await dockerApi("POST", `/containers/${Id}/wait`);
  const inspect = (await dockerApi("GET", `/containers/${Id}/json`)) as Inspect;
  return { healthy, inspect, tf };
}

describe("a failed config writer recovers on the next up (real engine)", () => {
  it("fails its create while the cause lasts; the same inputs succeed once it is fixed", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    const inputs = await writerInputs();
    const volume = (inputs.volumes as { volumeName: string }[])[0]!.volumeName;
    const uploads = inputs.uploads as { file: string }[];
    // The cause: a file where the writer needs a directory (rspamd/ holds the DKIM config).
    assert.ok(
      uploads.some((u) => u.file.includes("/rspamd/")),
      "the writer writes under rspamd/",
    );
    inVolume(volume, ": > /v/rspamd");

    const failed = await createAsProvider(inputs, "first");
    assert.equal(failed.healthy, false, "a failed write never reports healthy");
    assert.notEqual(failed.inspect.State.ExitCode, 0);

    // Next `up`, same spec: the engine replaces the writer (initialization error, `*`).
    const state = readState(failed.inspect, failed.tf, false, {});
    assert.deepEqual(plan(failed.tf, state, { replaceOnChanges: ["*"], initErrors: true }), [
      { attribute: "#initerror", replace: true },
    ]);

    inVolume(volume, "rm -f /v/rspamd");
    const again = await createAsProvider(inputs, "second");
    assert.equal(again.healthy, true, "the replacement is seen healthy by the provider's wait");
    assert.equal(again.inspect.State.ExitCode, 0);
    const written = inVolume(volume, "cat /v/.pulumi-dms-managed");
    assert.match(written, /^postfix-accounts\.cf$/m);
    assert.match(written, /^rspamd\//m);
    // And a write that succeeds is not replaced again by a later `up`.
    const settled = readState(again.inspect, again.tf, false, {});
    assert.deepEqual(plan(again.tf, settled, { replaceOnChanges: ["*"] }), []);
  });
});
