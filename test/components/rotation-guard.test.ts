/**
 * The DKIM rotation guard of `MailServer` under mocks (src/components/mail-server/rotation-guard.ts):
 * present exactly when a domain has DKIM, mounting the config volume read-only, keyed by the
 * selectors it judges; the config writer depends on it; and a one-step switch seen in the guard's
 * (mocked) logs fails the update with the `dkim-rotation-one-step` finding before the writer and
 * the mail container are registered. The guard's script against the real image is in
 * test/e2e/rotation-guard.test.ts.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  MOCK_KEY_BASE64,
  dependencyNames,
  guardLogs,
  installMocks,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
  type Registration,
} from "./harness";
import type { MailServerArgs } from "../../src/components/args";
import { GUARD_SELECTORS_LABEL } from "../../src/components/mail-server/rotation-guard";
import { publicKeyFingerprint } from "../../src/dms/dkim-signing";

const GUARD = "mail-dkim-rotation-guard";
/** The guard's logs per run, read by the mock when the guard registers. */
const logs: Record<string, string> = {};
installMocks({ containerLogs: logs });
/* eslint-disable @typescript-eslint/no-require-imports */
const { MailServer } =
  require("../../src/components/mail-server") as typeof import("../../src/components/mail-server");
const { KubernetesMailServer } =
  require("../../src/components/kubernetes-mail-server") as typeof import("../../src/components/kubernetes-mail-server");
/* eslint-enable @typescript-eslint/no-require-imports */

const CF = { provider: "cloudflare" as const, zoneId: "zone-1" };
function args(dkim: Record<string, unknown>, extra: Partial<MailServerArgs> = {}): MailServerArgs {
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.7",
    domains: [
      { name: "example.com", dns: CF, dkim },
      { name: "example.net", dns: CF, dkim: { enabled: false } },
    ],
    accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
    dkimPublishWait: { enabled: false },
    ...extra,
  } as MailServerArgs;
}

/** The fingerprint of the key the mocks hand every `tls.PrivateKey`: s2026a's, on the volume. */
const A_KEY = publicKeyFingerprint(MOCK_KEY_BASE64);
const SIGNED_BY_A_RSPAMD = {
  rspamdSigning: 'domain {\n  example.com {\n    selector = "s2026a";\n  }\n}\n',
  keys: new Map([["rspamd/dkim/rsa-2048-s2026a-example.com.private.txt", A_KEY]]),
};
const SIGNED_BY_A_OPENDKIM = {
  signingTable: "*@example.com s2026a._domainkey.example.com\n",
  keys: new Map([["opendkim/keys/example.com/s2026a.private", A_KEY]]),
};

/**
 * A refused verdict fails the writer's input serialization: that is how the update fails (the
 * program exits with the error, see rotation-guard-program.test.ts). Under mocks nothing awaits
 * that RPC, so it surfaces as an unhandled rejection; collect those (and only those) here.
 */
const refusals: Error[] = [];
before(() => {
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", (reason, promise) => {
    if (
      reason instanceof Error &&
      reason.message.startsWith('error serializing property "uploads"')
    ) {
      refusals.push(reason);
      return;
    }
    for (const l of others) l(reason, promise);
  });
});

// A refused run leaves the writer's and the mail container's registrations waiting forever (that
// is the refusal); Pulumi's leak check would fail the process for them at exit. Forget them.
after(() => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
    leakedPromises(): [Set<unknown>, string];
  };
  debuggable.leakedPromises();
});

/** Runs a MailServer whose guard sees `guardOutput`; the refusal, if any. */
async function run(
  a: MailServerArgs,
  guardOutput: string | undefined,
): Promise<{ regs: Registration[]; error?: Error }> {
  resetRegistrations();
  refusals.length = 0;
  if (guardOutput === undefined) delete logs[GUARD];
  else logs[GUARD] = guardOutput;
  const m = new MailServer("mail", a);
  // Everything that does not wait for the writer, then a bounded settle for the rest.
  await Promise.all([valueOf(m.records), valueOf(m.warnings)]);
  for (let i = 0; i < 200 && refusals.length === 0; i++) {
    if (registrations.some((r) => r.name === "mail-container")) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  return { regs: [...registrations], ...(refusals[0] !== undefined ? { error: refusals[0] } : {}) };
}

describe("MailServer: DKIM rotation guard", () => {
  it("is a read-only, gated one-shot of the DMS image, keyed by the selectors it judges", async () => {
    const { regs } = await run(args({ selector: "s2026b", retiring: ["s2026a"] }), guardLogs({}));
    const guard = regs.find((r) => r.name === GUARD);
    assert.ok(guard, "no guard registered");
    const inputs = unwrap(guard.inputs) as Record<string, unknown>;
    assert.deepEqual(inputs.volumes, [
      {
        volumeName: "mail-config-volume",
        containerPath: "/tmp/docker-mailserver",
        readOnly: true,
      },
    ]);
    assert.equal(
      inputs.image,
      "sha256:image-of-ghcr.io/docker-mailserver/docker-mailserver:15.1.0",
    );
    assert.equal(inputs.logs, true);
    assert.equal(inputs.wait, true);
    const labels = Object.fromEntries(
      (inputs.labels as { label: string; value: string }[]).map((l) => [l.label, l.value]),
    );
    // Only the DKIM domain, with its signing and retiring selectors.
    assert.equal(labels[GUARD_SELECTORS_LABEL], '[["example.com","s2026b",["s2026a"]]]');
    assert.match(String((inputs.command as string[])[0]), /dkim_signing\.conf/);
  });

  it("is absent when no domain has DKIM", async () => {
    const a = args({ enabled: false });
    const { regs } = await run(a, undefined);
    assert.equal(
      regs.find((r) => r.name === GUARD),
      undefined,
    );
    assert.ok(regs.some((r) => r.name === "mail-config-writer"));
  });

  it("runs before the config writer: the writer depends on it", async () => {
    await run(args({ selector: "s2026a" }), guardLogs({}));
    assert.ok(
      dependencyNames("mail-config-writer").includes(GUARD),
      `writer deps: ${dependencyNames("mail-config-writer").join(", ")}`,
    );
    // The guard depends on no DNS record or writer: it reads the volume as it is.
    assert.ok(!dependencyNames(GUARD).some((d) => d.includes("config-writer")));
  });

  it("passes a first deploy (empty volume) and an unchanged selector", async () => {
    for (const [output, selector] of [
      [guardLogs({}), "s2026a"],
      [guardLogs(SIGNED_BY_A_RSPAMD), "s2026a"],
    ] as const) {
      const { regs, error } = await run(args({ selector }), output);
      assert.equal(error, undefined);
      assert.ok(regs.some((r) => r.name === "mail-config-writer"));
    }
  });

  for (const [engine, files] of [
    ["rspamd", SIGNED_BY_A_RSPAMD],
    ["OpenDKIM", SIGNED_BY_A_OPENDKIM],
  ] as const) {
    it(`refuses a one-step switch (${engine}): the writer and the mail container never register`, async () => {
      const { regs, error } = await run(args({ selector: "s2026b" }), guardLogs(files));
      assert.ok(error, "the update did not fail");
      const text = error.message;
      assert.match(text, /dkim-rotation-one-step/);
      assert.match(text, /domains\[0\]\.dkim\.selector/);
      assert.match(text, /from "s2026a" to "s2026b"/);
      assert.match(text, /retiring: \["s2026a"\]/);
      assert.match(text, /Rotate in two steps/);
      assert.match(text, /Nothing was written/);
      assert.ok(!regs.some((r) => r.name === "mail-config-writer"), "the writer registered");
      assert.ok(!regs.some((r) => r.name === "mail-container"), "the mail container registered");
      // The guard itself ran (it is what read the volume).
      assert.ok(regs.some((r) => r.name === GUARD));
    });

    it(`lets the two-step switch through (${engine}): retiring: [s2026a]`, async () => {
      const { regs, error } = await run(
        args({ selector: "s2026b", retiring: ["s2026a"] }),
        guardLogs(files),
      );
      assert.equal(error, undefined);
      assert.ok(regs.some((r) => r.name === "mail-config-writer"));
    });
  }

  it("refuses a retiring selector whose key on the volume is another one (an adopted key dropped from the spec)", async () => {
    const other = {
      ...SIGNED_BY_A_OPENDKIM,
      keys: new Map([["opendkim/keys/example.com/s2026a.private", "0".repeat(64)]]),
    };
    const { regs, error } = await run(
      args({ selector: "s2026b", retiring: ["s2026a"] }),
      guardLogs(other),
    );
    assert.ok(error, "the update did not fail");
    assert.match(
      error.message,
      /error dkim-retiring-key-mismatch domains\[0\]\.dkim\.retiring\[0\]: is "s2026a", but the key for s2026a\._domainkey\.example\.com the component holds is not the one on the config volume \(opendkim\/keys\/example\.com\/s2026a\.private\)/,
    );
    assert.ok(!regs.some((r) => r.name === "mail-config-writer"), "the writer registered");
  });

  it("refuses a retiring selector the volume holds no key for (it never signed here)", async () => {
    const { regs, error } = await run(
      args({ selector: "s2026b", retiring: ["s2026a"] }),
      guardLogs({ signingTable: SIGNED_BY_A_OPENDKIM.signingTable }),
    );
    assert.ok(error, "the update did not fail");
    assert.match(
      error.message,
      /error dkim-retiring-key-missing domains\[0\]\.dkim\.retiring\[0\]/,
    );
    assert.ok(!regs.some((r) => r.name === "mail-config-writer"), "the writer registered");
  });

  it("refuses when the listing is cut (no end line): a cut listing could hide the signer", async () => {
    const { regs, error } = await run(args({ selector: "s2026b" }), "DMS-DKIM-SIGNING-FILE x\n");
    assert.ok(error);
    assert.match(error.message, /incomplete/);
    assert.ok(!regs.some((r) => r.name === "mail-config-writer"));
  });
});

describe("MailServer: a refused rotation fails the program", () => {
  function runProgram(retiring: string): { status: number | null; stderr: string } {
    const r = spawnSync(
      process.execPath,
      ["--import", "tsx", join(__dirname, "fixtures", "rotation-guard.ts")],
      { env: { ...process.env, ROTATION_RETIRING: retiring }, encoding: "utf8", timeout: 60_000 },
    );
    return { status: r.status, stderr: r.stderr };
  }

  it("exits non-zero with the finding when the old selector is not retiring", () => {
    const r = runProgram("");
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /MailServer "g": DKIM signing does not switch: 1 problem:\n\s+error dkim-rotation-one-step domains\[0\]\.dkim\.selector: changes from "s2026a" to "s2026b"/,
    );
  });

  it("finishes when it is", () => {
    const r = runProgram("s2026a");
    assert.equal(r.status, 0, r.stderr);
  });
});

describe("KubernetesMailServer: DKIM rotation guard (a Job)", () => {
  async function runK8s(dkim: Record<string, unknown>): Promise<Registration[]> {
    resetRegistrations();
    const m = new KubernetesMailServer("mail", {
      ...args(dkim),
      platform: { kind: "kubernetes", namespace: "mail", certManager: { issuer: "letsencrypt" } },
    });
    await Promise.all([
      valueOf(m.records),
      valueOf(m.rolloutHash),
      ...Object.values(m.objects).map((o) => valueOf(o.id as pulumi.Output<unknown>)),
    ]);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    return [...registrations];
  }
  const K8S_GUARD = "mail-dkim-rotation-guard";

  it("runs before everything that carries the signing config", async () => {
    const regs = await runK8s({ selector: "s2026b", retiring: ["s2026a"] });
    const job = regs.find((r) => r.name === K8S_GUARD);
    assert.equal(job?.type, "kubernetes:batch/v1:Job");
    for (const child of [
      "mail-config",
      "mail-config-startup",
      "mail-secrets",
      "mail-statefulset",
    ]) {
      assert.ok(
        dependencyNames(child).includes(K8S_GUARD),
        `${child} deps: ${dependencyNames(child).join(", ")}`,
      );
    }
    // It reads the live cluster: it depends on no object it guards.
    assert.ok(!dependencyNames(K8S_GUARD).some((d) => d.startsWith("mail-config")));
  });

  it("mounts the live signing files optionally, fails fast, and is no pod of the mail server", async () => {
    const regs = await runK8s({ selector: "s2026b" });
    const job = unwrap(regs.find((r) => r.name === K8S_GUARD)!.inputs) as {
      metadata: { name: string; namespace: string };
      spec: {
        backoffLimit: number;
        template: {
          metadata: { labels: Record<string, string> };
          spec: {
            containers: { image: string; command: string[] }[];
            volumes: { projected: { sources: { configMap: Record<string, unknown> }[] } }[];
          };
        };
      };
    };
    assert.equal(job.metadata.name, "mail-dkim-rotation-guard");
    assert.equal(job.metadata.namespace, "mail");
    assert.equal(job.spec.backoffLimit, 0);
    assert.deepEqual(job.spec.template.spec.volumes[0]!.projected.sources, [
      {
        configMap: {
          name: "mail-config-startup",
          optional: true,
          items: [
            { key: "opendkim__SigningTable", path: "opendkim/SigningTable" },
            {
              key: "rspamd__override.d__dkim_signing.conf",
              path: "rspamd/override.d/dkim_signing.conf",
            },
          ],
        },
      },
    ]);
    assert.notEqual(
      job.spec.template.metadata.labels["app.kubernetes.io/name"],
      "docker-mailserver",
    );
    const script = job.spec.template.spec.containers[0]!.command[2]!;
    assert.match(script, /check 'example\.com' 's2026b' /);
    assert.doesNotMatch(script, /example\.net/);
  });

  it("is absent when no domain has DKIM", async () => {
    const regs = await runK8s({ enabled: false });
    assert.equal(
      regs.find((r) => r.name === K8S_GUARD),
      undefined,
    );
  });
});
