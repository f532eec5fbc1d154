/**
 * Issue 11, the read-back test: every container a `MailServer` registers under mocks (for each
 * example program and the rich specs below) is created on the real Docker engine with the request
 * the Docker provider would send, read back with `docker inspect`, turned into provider state as
 * the provider's read function does, and planned against the next run's inputs as the engine
 * and the provider would (test/servers/docker-provider.ts names the provider and engine
 * functions each step follows). Nothing is started: `docker create` on an image with no files.
 *
 * The mail container's published ports are what `NetworkSettings.Ports` reports once it runs;
 * the test reads them from `HostConfig.PortBindings` (the same bindings, fixed host ports) and
 * plans with each port's bindings both as sent and reversed: Docker lists a port's bindings in
 * no fixed order (kreuzwerker/terraform-provider-docker#909 and #910).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  installMocks,
  registrations,
  resetRegistrations,
  resolvePackageToSource,
  unwrap,
  MOCK_KEY_BASE64,
  OPEN_PROBE_LOGS,
  type Registration,
} from "./harness";
import { docker as dockerCli, ensureDocker, readbackImage } from "../servers/docker";
import {
  createBody,
  dockerApi,
  plan,
  readState,
  toTerraform,
  type Change,
  type Inspect,
  type PlanOptions,
  type State,
} from "../servers/docker-provider";
import type { MailServerArgs } from "../../src/components/args";

installMocks({ containerLogs: { "mail-port25-probe": OPEN_PROBE_LOGS } });
const CAPTURING = join(__dirname, "fixtures", "capturing-package.ts");
resolvePackageToSource(CAPTURING);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pkg = require(CAPTURING) as typeof import("./fixtures/capturing-package");

pulumi.runtime.setAllConfig(
  {
    "project:mailIpv4": "203.0.113.25",
    "project:zoneId": "cf-zone-123",
    "project:alicePassword": "alice-secret-password-1",
    "project:ami": "ami-0123456789",
    "project:keyName": "ops",
    "project:hostedZoneId": "Z0123456789",
    "project:cloudflareToken": "cloudflare-token-secret",
    "project:cloudflareZoneId": "cf-zone-com",
    "project:dkimPublicKey": MOCK_KEY_BASE64,
  },
  ["project:alicePassword", "project:cloudflareToken"],
);

const CONTAINER = "docker:index/container:Container";
/** Everything this file creates on the engine carries this prefix (and is removed after). */
const PREFIX = `dms-readback-${process.pid}`;

/** One registered container with the options it was constructed with. */
interface Registered {
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  readonly options: PlanOptions;
}

/** Settles a program's registrations: every Output export resolved, then a few ticks. */
async function settle(outputs: unknown[]): Promise<void> {
  await Promise.all(
    outputs
      .filter((v) => pulumi.Output.isInstance(v))
      .map((o) => new Promise((r) => (o as pulumi.Output<unknown>).apply(r))),
  );
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
}

function containersOf(regs: readonly Registration[]): Registered[] {
  return regs
    .filter((r) => r.type === CONTAINER)
    .map((r) => {
      const o = pkg.capturedOptions.get(r.name);
      assert.ok(o !== undefined, `no options captured for ${r.name}`);
      return {
        name: r.name,
        inputs: unwrap(r.inputs) as Record<string, unknown>,
        options: {
          ...(o.ignoreChanges ? { ignoreChanges: o.ignoreChanges } : {}),
          ...(o.replaceOnChanges ? { replaceOnChanges: o.replaceOnChanges } : {}),
        },
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The containers an example program registers. */
async function example(dir: string): Promise<Registered[]> {
  resetRegistrations();
  pkg.capturedOptions.clear();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const exports = require(`../../examples/${dir}/index.ts`) as Record<string, unknown>;
  await settle(Object.values(exports));
  return containersOf(registrations);
}

/** The containers a `MailServer` with `args` registers. */
async function server(args: MailServerArgs, name = "mail"): Promise<Registered[]> {
  resetRegistrations();
  pkg.capturedOptions.clear();
  const m = new pkg.MailServer(name, args);
  const outs: unknown[] = [m.recreateHash, m.container.id, m.configWriter.id, m.warnings];
  if (m.port25Check) outs.push(m.port25Check.verdict);
  if (m.hostCheck) outs.push(m.hostCheck.checks);
  await settle(outs);
  return containersOf(registrations);
}

const BASE: MailServerArgs = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" } }],
  accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
};

/** IPv4 and IPv6 binds, fail2ban, a memory limit: the three read-back traps at once. */
const RICH: MailServerArgs = {
  ...BASE,
  ipv6: "2001:db8::25",
  features: { fail2ban: true },
  memoryLimit: "1g",
  dnsResolvers: ["192.0.2.53"],
  services: { imap: { expose: "private", bind: ["127.0.0.1"] } },
  tls: { type: "manual", certPath: "/srv/tls/cert.pem", keyPath: "/srv/tls/key.pem" },
};

const SPECS: Record<string, MailServerArgs> = {
  base: BASE,
  rich: RICH,
  "opendkim, capabilities given, no IPv6": {
    ...BASE,
    features: { opendkim: true, rspamd: false },
    capabilities: ["NET_ADMIN", "SYS_PTRACE"],
    memoryLimit: "768m",
  },
  "port25 probe in fail mode, IPv6 only binds": {
    ...BASE,
    ipv4: undefined,
    ipv6: "2001:db8::25",
    port25Check: { mode: "fail" },
    containerName: "mailserver",
  },
  "port25 probe in warn mode": { ...BASE, port25Check: { mode: "warn" } },
  // pid_mode is read back only when set; the bind mounts (volumes) are never read back.
  "host check with host access": { ...BASE, hostCheck: { mode: "warn" } },
  "host check without host access": { ...BASE, hostCheck: { mode: "warn", hostAccess: false } },
};

// ---------------------------------------------------------------------------------------------
// The engine side.

let imageId = "";
const created: string[] = [];
const volumes = new Set<string>();

/** The inputs as the engine would pass them: a real image, names made unique to this run. */
function onEngine(r: Registered, run: string): Record<string, unknown> {
  const i = { ...r.inputs };
  assert.match(String(i.image), /^sha256:image-of-/, `${r.name}: image is the pinned image id`);
  i.image = imageId;
  // What the bridge's autonaming (or the spec's containerName) gives, unique on this engine.
  i.name = `${PREFIX}-${run}-${String(i.name ?? r.name)}`;
  if (Array.isArray(i.volumes)) {
    i.volumes = (i.volumes as Record<string, unknown>[]).map((v) => {
      if (v.volumeName === undefined) return v;
      const volumeName = `${PREFIX}-${String(v.volumeName)}`;
      volumes.add(volumeName);
      return { ...v, volumeName };
    });
  }
  return i;
}

/** A created container's read-back, as the state after the apply that created it. */
interface Applied {
  readonly registered: Registered;
  readonly tf: State;
  readonly inspect: Inspect;
}

async function apply(r: Registered, run: string): Promise<Applied> {
  const tf = toTerraform(onEngine(r, run));
  const res = (await dockerApi(
    "POST",
    `/containers/create?name=${encodeURIComponent(String(tf.name))}`,
    createBody(tf),
  )) as { Id: string };
  created.push(res.Id);
  const inspect = (await dockerApi("GET", `/containers/${res.Id}/json`)) as Inspect;
  return { registered: r, tf, inspect };
}

/**
 * The provider's state of an applied container: the mail container as running (its intended
 * state), the run-once containers as exited (they are never started here, and `must_run` is
 * false for them). `reversed` lists each port's bindings in the other order.
 */
function stateOf(a: Applied, reversed: boolean): State {
  const running = a.tf.must_run !== false;
  const bindings = (a.inspect.HostConfig.PortBindings ?? {}) as Record<
    string,
    { HostIp: string; HostPort: string }[]
  >;
  const ports = Object.fromEntries(
    Object.entries(bindings).map(([k, v]) => [k, reversed ? [...v].reverse() : v]),
  );
  return readState(
    { ...a.inspect, State: { ...a.inspect.State, ExitCode: 0 } },
    a.tf,
    running,
    ports,
  );
}

/**
 * The same container created through the Docker CLI instead, as an independent replay of the
 * registered inputs would (only for the mail container: the CLI cannot give a two-element
 * entrypoint like the run-once containers'). The CLI normalises some values before they reach
 * the daemon (capabilities to `CAP_...`, verified 2026-11-30 with client 28.2 and daemon
 * 20.10.24, which stores what the API gives it verbatim), so the plan must be empty either way.
 */
async function applyViaCli(r: Registered, run: string): Promise<Applied> {
  const tf = toTerraform(onEngine(r, run));
  assert.equal(tf.entrypoint, undefined, `${r.name}: the CLI replay is for the mail container`);
  const args = [
    "create",
    "--name",
    String(tf.name),
    "--network",
    String(tf.network_mode ?? "bridge"),
  ];
  if (tf.hostname) args.push("--hostname", String(tf.hostname));
  for (const e of (tf.env as string[] | undefined) ?? []) args.push("--env", e);
  for (const p of (tf.ports as
    { internal: number; external: number; ip: string; protocol: string }[] | undefined) ?? []) {
    const ip = p.ip.includes(":") ? `[${p.ip}]` : p.ip;
    args.push("--publish", `${ip}:${p.external}:${p.internal}/${p.protocol}`);
  }
  for (const v of (tf.volumes as Record<string, string | boolean>[] | undefined) ?? []) {
    const source = (v.host_path as string) || (v.volume_name as string);
    args.push("--volume", `${source}:${v.container_path}:${v.read_only ? "ro" : "rw"}`);
  }
  for (const l of (tf.labels as { label: string; value: string }[] | undefined) ?? []) {
    args.push("--label", `${l.label}=${l.value}`);
  }
  for (const c of (tf.capabilities as { add: string[] }[] | undefined)?.[0]?.add ?? []) {
    args.push("--cap-add", c);
  }
  for (const d of (tf.dns as string[] | undefined) ?? []) args.push("--dns", d);
  if (tf.memory) args.push("--memory", `${tf.memory}m`);
  if (tf.memory_swap) args.push("--memory-swap", `${tf.memory_swap}m`);
  if (tf.restart) args.push("--restart", String(tf.restart));
  const hc = (tf.healthcheck as Record<string, unknown>[] | undefined)?.[0];
  if (hc) {
    const test = hc.test as string[];
    assert.equal(test[0], "CMD-SHELL", "the CLI takes a shell healthcheck");
    args.push("--health-cmd", test[1]!);
    args.push("--health-interval", String(hc.interval));
    args.push("--health-timeout", String(hc.timeout));
    args.push("--health-start-period", String(hc.start_period));
    args.push("--health-retries", String(hc.retries));
  }
  args.push(String(tf.image));
  const id = dockerCli(args).trim();
  created.push(id);
  const inspect = (await dockerApi("GET", `/containers/${id}/json`)) as Inspect;
  return { registered: r, tf, inspect };
}

/** The plan of the next run's container `next` against the applied one. */
function planNext(next: Registered, applied: Applied, run: string, reversed = false): Change[] {
  return plan(toTerraform(onEngine(next, run)), stateOf(applied, reversed), next.options);
}

const describeChanges = (cs: Change[]) =>
  cs.map((c) => `${c.attribute} (${c.replace ? "replace" : "update"})`).join(", ");

let engine = false;
before(async () => {
  engine = await ensureDocker();
  if (!engine) return;
  imageId = dockerCli(["image", "inspect", readbackImage(), "--format", "{{.Id}}"]).trim();
});
after(async () => {
  resetRegistrations();
  for (const id of created) await dockerApi("DELETE", `/containers/${id}?force=true`);
  for (const v of volumes) await dockerApi("DELETE", `/volumes/${v}`).catch(() => undefined);
});

/** Every container of `regs`, applied once, then planned again with the same inputs. */
async function assertSecondPlanEmpty(label: string, regs: Registered[]): Promise<void> {
  assert.ok(regs.length >= 2, `${label}: expected the writer and the mail container`);
  for (const r of regs) {
    const applied = await apply(r, label.replace(/[^a-z0-9]+/g, "-"));
    for (const reversed of [false, true]) {
      const changes = planNext(r, applied, label.replace(/[^a-z0-9]+/g, "-"), reversed);
      assert.deepEqual(
        changes,
        [],
        `${label}: ${r.name} changes on an unchanged up${reversed ? " (bindings read in the other order)" : ""}: ${describeChanges(changes)}`,
      );
    }
    if (r.name.endsWith("-container")) {
      const run = `${label.replace(/[^a-z0-9]+/g, "-")}-cli`;
      const viaCli = await applyViaCli(r, run);
      const changes = planNext(r, viaCli, run);
      assert.deepEqual(
        changes,
        [],
        `${label}: ${r.name} replayed through the docker CLI changes on an unchanged up: ${describeChanges(changes)}`,
      );
    }
  }
}

describe("read-back through the real Docker engine: an unchanged up changes nothing", () => {
  for (const dir of ["local-zonefile", "cloudflare", "aws"]) {
    it(`example ${dir}`, async (t) => {
      if (!engine) return t.skip("no Docker engine (outside CI)");
      await assertSecondPlanEmpty(`example ${dir}`, await example(dir));
    });
  }
  for (const [label, args] of Object.entries(SPECS)) {
    it(`spec: ${label}`, async (t) => {
      if (!engine) return t.skip("no Docker engine (outside CI)");
      await assertSecondPlanEmpty(`spec ${label}`, await server(args));
    });
  }

  it("Docker reports what the traps are about (so the test above means something)", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    const mail = (await server(RICH)).find((r) => r.name === "mail-container")!;
    const a = await apply(mail, "traps");
    const hc = a.inspect.HostConfig;
    assert.deepEqual(hc.CapAdd, ["CAP_NET_ADMIN"]);
    // Through the CLI a short name comes back prefixed: the form the inputs must already have.
    const id = dockerCli(["create", "--cap-add", "NET_ADMIN", imageId]).trim();
    created.push(id);
    const short = (await dockerApi("GET", `/containers/${id}/json`)) as Inspect;
    assert.deepEqual(short.HostConfig.CapAdd, ["CAP_NET_ADMIN"]);
    assert.equal(hc.Memory, 1024 * 1024 * 1024);
    assert.equal(hc.MemorySwap, 2 * 1024 * 1024 * 1024);
    assert.equal(a.inspect.Config.Healthcheck.StartPeriod, 60e9);
    assert.deepEqual(
      hc.PortBindings["25/tcp"].map((b: { HostIp: string }) => b.HostIp),
      ["0.0.0.0", "::"],
    );
  });
});

describe("read-back: what a change does", () => {
  /** Applies `before`'s containers, then plans `after`'s against them, by child name. */
  async function transition(
    run: string,
    beforeArgs: MailServerArgs,
    afterArgs: MailServerArgs,
  ): Promise<Map<string, Change[]>> {
    const first = await server(beforeArgs);
    const applied = new Map<string, Applied>();
    for (const r of first) applied.set(r.name, await apply(r, run));
    const second = await server(afterArgs);
    const out = new Map<string, Change[]>();
    for (const r of second) out.set(r.name, planNext(r, applied.get(r.name)!, run));
    return out;
  }

  it("changing nothing changes nothing (and the inputs are byte-identical)", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    assert.equal(JSON.stringify(await server(RICH)), JSON.stringify(await server(RICH)));
    const plans = await transition("same", RICH, RICH);
    assert.deepEqual([...plans.values()].flat(), []);
  });

  it("adding an account replaces only the writer", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    const plans = await transition("account", RICH, {
      ...RICH,
      accounts: [...RICH.accounts!, { address: "bob@example.com", password: "bob-password-456" }],
    });
    assert.deepEqual(plans.get("mail-config-writer"), [{ attribute: "upload", replace: true }]);
    assert.deepEqual(plans.get("mail-container"), []);
  });

  it("changing an env value replaces the mail container", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    const plans = await transition("env", RICH, { ...RICH, logLevel: "debug" });
    const mail = plans.get("mail-container")!;
    assert.ok(
      mail.some((c) => c.attribute === "env" && c.replace),
      describeChanges(mail),
    );
    assert.ok(mail.every((c) => c.replace));
  });

  it("changing a bind address replaces the mail container through its label", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    const plans = await transition("bind", RICH, {
      ...RICH,
      services: { imap: { expose: "private", bind: ["127.0.0.2"] } },
    });
    assert.deepEqual(plans.get("mail-container"), [{ attribute: "labels", replace: true }]);
  });

  it("the host check's probe keeps its PID namespace on read-back; turning hostAccess off replaces it", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    const withAccess: MailServerArgs = { ...RICH, hostCheck: { mode: "warn" } };
    const probe = (await server(withAccess)).find((r) => r.name === "mail-host-check-probe")!;
    const a = await apply(probe, "hostcheck-inspect");
    assert.equal(a.inspect.HostConfig.PidMode, "host");
    assert.equal(a.inspect.HostConfig.NetworkMode, "none");
    assert.deepEqual(a.inspect.HostConfig.Binds, [
      "/etc/docker:/dms-host/etc/docker:ro",
      "/etc/ufw:/dms-host/etc/ufw:ro",
    ]);
    assert.equal(stateOf(a, false).pid_mode, "host");
    const plans = await transition("hostcheck", withAccess, {
      ...withAccess,
      hostCheck: { mode: "warn", hostAccess: false },
    });
    assert.deepEqual(plans.get("mail-host-check-probe"), [
      { attribute: "pid_mode", replace: true },
      { attribute: "volumes", replace: true },
    ]);
    assert.deepEqual(plans.get("mail-container"), []);
  });

  it("a failed writer is replaced by the next up, with the same spec or a fixed one", async (t) => {
    if (!engine) return t.skip("no Docker engine (outside CI)");
    const first = await server(RICH);
    const writer = first.find((r) => r.name === "mail-config-writer")!;
    const applied = await apply(writer, "failed");
    // The create failed after the container existed: the bridge keeps it with an init error.
    const again = plan(toTerraform(onEngine(writer, "failed")), stateOf(applied, false), {
      ...writer.options,
      initErrors: true,
    });
    assert.deepEqual(again, [{ attribute: "#initerror", replace: true }]);
    // Without replaceOnChanges "*" the engine would only "update" it: nothing would run.
    assert.deepEqual(
      plan(toTerraform(onEngine(writer, "failed")), stateOf(applied, false), { initErrors: true }),
      [],
    );
    // A fixed spec (another file) replaces it as well; the mail container stays.
    const fixed = await server({ ...RICH, logLevel: "debug" });
    const fixedWriter = fixed.find((r) => r.name === "mail-config-writer")!;
    const planFixed = plan(toTerraform(onEngine(fixedWriter, "failed")), stateOf(applied, false), {
      ...fixedWriter.options,
      initErrors: true,
    });
    assert.ok(planFixed.every((c) => c.replace) && planFixed.length > 0);
  });
});
