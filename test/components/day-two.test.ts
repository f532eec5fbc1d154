/**
 * Issue 11 under mocks: what the components send so that a second `up` against the real Docker
 * provider changes nothing (the read-back itself is test/components/readback.test.ts), and the
 * options that make a failed writer or probe run again by itself. Options are captured with a
 * legacy transformation, as in options.test.ts (the mock monitor never sees them).
 */
import assert from "node:assert/strict";
import { createHash, createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  OPEN_PROBE_LOGS,
  componentsUnderMocks,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
} from "./harness";
import type { MailServerArgs } from "../../src/components/args";
import { planMailServer } from "../../src/plan/plan";
import { validateSpec } from "../../src/spec/validate";
import type { MailServerSpec } from "../../src/spec/schema";
import { dockerHealthcheck, dockerPorts, recreateLabel } from "../../src/providers/host/docker";

const { MailServer } = componentsUnderMocks({
  containerLogs: { "mail-port25-probe": OPEN_PROBE_LOGS },
});

const BASE: MailServerArgs = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" } }],
  accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
};

/** What the mocks answer for the `${name}-salt-key` child (harness.ts). */
const MOCK_KEY = (name: string) => `salt-key-of-${name}-salt-key`;

interface Child {
  readonly opts: pulumi.CustomResourceOptions;
}

async function build(
  args: MailServerArgs,
  name = "mail",
): Promise<{
  children: Map<string, Child>;
  inputs: (child: string) => Record<string, unknown>;
  hash: string;
}> {
  resetRegistrations();
  const children = new Map<string, Child>();
  const capture: pulumi.ResourceTransformation = (a) => {
    children.set(a.name, { opts: a.opts as pulumi.CustomResourceOptions });
    return undefined;
  };
  const m = new MailServer(name, args, { transformations: [capture] });
  const hash = await valueOf(m.recreateHash);
  await valueOf(m.container.id);
  await valueOf(m.configWriter.id);
  if (m.port25Check) await valueOf(m.port25Check.container.id);
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  const regs = [...registrations];
  return {
    children,
    hash,
    inputs: (c) => {
      const r = regs.find((x) => x.name === c);
      assert.ok(r, `no registration ${c}`);
      return unwrap(r.inputs) as Record<string, unknown>;
    },
  };
}

/** The validated spec of plain-value args. */
function specOf(args: MailServerArgs): MailServerSpec {
  const r = validateSpec(args);
  assert.ok(r.ok, JSON.stringify(r.findings));
  return r.spec;
}

const labelOf = (inputs: Record<string, unknown>) =>
  (inputs.labels as { label: string; value: string }[]).find(
    (l) => l.label === "dms.recreate-hash",
  )!.value;

describe("issue 11: the recreate-hash label is keyed (fix 6)", () => {
  it("is HMAC-SHA256 under the stack key over the plan's startup hash, ports and healthcheck", async () => {
    const b = await build(BASE);
    const spec = specOf(BASE);
    const plan = planMailServer(spec, {
      passwordHashes: new Map([["alice@example.com", "x"]]),
      dkimKeys: new Map(),
    });
    const expected = recreateLabel(
      MOCK_KEY("mail"),
      plan.container.recreateHash,
      dockerPorts(plan.ports),
      dockerHealthcheck(plan.container.healthcheck),
    );
    assert.equal(labelOf(b.inputs("mail-container")), expected);
    assert.equal(b.hash, expected);
    // The plain SHA-256 (derivable from the spec) appears nowhere in the container's inputs.
    assert.ok(!JSON.stringify(b.inputs("mail-container")).includes(plan.container.recreateHash));
  });

  it("the same spec gives the same label (the key is in state); another key another label", async () => {
    const a = await build(BASE);
    const again = await build(BASE);
    assert.equal(labelOf(again.inputs("mail-container")), labelOf(a.inputs("mail-container")));
    // The mocks answer a key derived from the child name: another stack, another label.
    const other = await build(BASE, "other");
    assert.notEqual(labelOf(other.inputs("other-container")), labelOf(a.inputs("mail-container")));
  });

  it("with OpenDKIM (startup-only keys) a key change changes the label; no unkeyed hash leaks", async () => {
    const keyPem = () =>
      generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
        type: "pkcs1",
        format: "pem",
      }) as string;
    const withKey = (privateKey: string): MailServerArgs => ({
      ...BASE,
      features: { opendkim: true, rspamd: false },
      domains: [
        {
          name: "example.com",
          dns: { provider: "cloudflare", zoneId: "zone-1" },
          dkim: { privateKey },
        },
      ],
    });
    const k1 = keyPem();
    const one = await build(withKey(k1));
    const two = await build(withKey(keyPem()));
    assert.notEqual(labelOf(one.inputs("mail-container")), labelOf(two.inputs("mail-container")));
    // The unkeyed startup hash (what the label used to be: computable from the spec and a
    // guessed secret) is not the label and appears nowhere in the container's inputs.
    const spec = specOf(withKey(k1));
    const publicKeyBase64 = createPublicKey(k1)
      .export({ type: "spki", format: "der" })
      .toString("base64");
    const unkeyed = planMailServer(spec, {
      passwordHashes: new Map([["alice@example.com", "x"]]),
      dkimKeys: new Map([["example.com", { privateKeyPem: k1, publicKeyBase64 }]]),
    }).container.recreateHash;
    assert.notEqual(labelOf(one.inputs("mail-container")), unkeyed);
    assert.ok(!JSON.stringify(one.inputs("mail-container")).includes(unkeyed));
    assert.ok(!JSON.stringify(one.inputs("mail-config-writer").labels).includes(unkeyed));
  });

  it("the stack key exists even when no password is hashed (hash-only accounts)", async () => {
    const hashOnly: MailServerArgs = {
      ...BASE,
      accounts: [
        {
          address: "alice@example.com",
          passwordHash: "{SHA512-CRYPT}$6$abcdefgh$" + "x".repeat(86),
        },
      ],
    };
    const b = await build(hashOnly);
    assert.ok(b.children.has("mail-salt-key"));
    assert.match(labelOf(b.inputs("mail-container")), /^[0-9a-f]{64}$/);
  });
});

describe("issue 11: the mail container's inputs are in the provider's read-back form", () => {
  it("ports: the provider's diff is ignored, a port change still changes the label (fix 1)", async () => {
    const b = await build({ ...BASE, ipv6: "2001:db8::25" });
    assert.deepEqual(b.children.get("mail-container")!.opts.ignoreChanges, ["ports"]);
    const ports = b.inputs("mail-container").ports as { internal: number; ip: string }[];
    assert.ok(ports.some((p) => p.internal === 25 && p.ip === "::"));
    const closed = await build({
      ...BASE,
      ipv6: "2001:db8::25",
      services: { submissions: { expose: "off" } },
    });
    assert.notEqual(labelOf(closed.inputs("mail-container")), labelOf(b.inputs("mail-container")));
  });

  it("healthcheck durations as Go writes them (fix 2)", async () => {
    const b = await build(BASE);
    assert.deepEqual(b.inputs("mail-container").healthcheck, {
      tests: ["CMD-SHELL", "ss --listening --ipv4 --tcp | grep --silent ':smtp' || exit 1"],
      interval: "30s",
      timeout: "3s",
      retries: 3,
      startPeriod: "1m0s",
    });
  });

  it("a healthcheck change changes the label (the provider neither replaces nor updates)", () => {
    const hc = { tests: ["CMD", "true"], interval: "30s", timeout: "3s", retries: 3 };
    const a = recreateLabel("k", "h", [], { ...hc, startPeriod: "1m0s" });
    const b = recreateLabel("k", "h", [], { ...hc, startPeriod: "2m0s" });
    const c = recreateLabel("k2", "h", [], { ...hc, startPeriod: "1m0s" });
    assert.notEqual(a, b);
    assert.notEqual(a, c);
    assert.notEqual(a, createHash("sha256").update("h").digest("hex"));
  });
});

describe("issue 11: a failed writer or probe runs again on the next up (fix 5)", () => {
  it("the writer fails its create unless its script succeeded, and is replaced after an init error", async () => {
    const b = await build(BASE);
    const w = b.inputs("mail-config-writer");
    assert.equal(w.wait, true);
    assert.equal(w.waitTimeout, 60);
    assert.deepEqual((w.healthcheck as { tests: string[] }).tests, [
      "CMD-SHELL",
      "test -e /run/dms-run-once.ready && touch /run/dms-run-once.seen",
    ]);
    assert.match((w.command as string[])[0]!, /\n: > \/run\/dms-run-once\.ready\n/);
    assert.deepEqual(b.children.get("mail-config-writer")!.opts.replaceOnChanges, ["*"]);
  });

  it("the probe in fail mode is gated the same way; in warn mode it is not", async () => {
    const fail = await build({ ...BASE, port25Check: { mode: "fail" } });
    const p = fail.inputs("mail-port25-probe");
    assert.equal(p.wait, true);
    assert.deepEqual(p.entrypoints, ["/bin/bash"]);
    assert.equal((p.command as string[])[0], "-c");
    assert.equal((p.command as string[])[3], "/bin/bash", "the probe's own argv follows the gate");
    assert.deepEqual(fail.children.get("mail-port25-probe")!.opts.replaceOnChanges, ["*"]);
    const warn = await build({ ...BASE, port25Check: { mode: "warn" } });
    assert.equal(warn.inputs("mail-port25-probe").wait, undefined);
    assert.equal(warn.children.get("mail-port25-probe")!.opts.replaceOnChanges, undefined);
  });
});
