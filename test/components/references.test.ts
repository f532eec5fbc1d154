/**
 * Secrets the spec references instead of holding (`passwordEnv`, `relay.passwordEnv`,
 * `dkim.privateKeyFile`): read when the program runs, used exactly as the inline fields, secret
 * end to end, and every unreadable one reported at once with the spec's own errors.
 */
import assert from "node:assert/strict";
import { describe, it, after } from "node:test";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
  componentsUnderMocks,
  plainStrings,
  registrations,
  resetRegistrations,
  settle,
  valueOf,
  type Registration,
} from "./harness";
import type { MailServerArgs } from "../../src/components/args";

// Loaded after the mocks are installed, as Pulumi requires.
const { MailServer, MailDomain } = componentsUnderMocks();

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { resolveReferences } =
  require("../../src/components/references") as typeof import("../../src/components/references");

const dir = mkdtempSync(join(tmpdir(), "dms-references-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const pem = generateKeyPairSync("rsa", { modulusLength: 1024 })
  .privateKey.export({ type: "pkcs8", format: "pem" })
  .toString();
writeFileSync(join(dir, "example.com.pem"), pem);

const ALICE = "alice-from-the-environment-1";
const RELAY = "relay-from-the-environment-2";

function base(account: object, relay: object, dkim: object): MailServerArgs {
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.7",
    domains: [
      { name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" }, dkim } as never,
    ],
    accounts: [{ address: "alice@example.com", ...account } as never],
    relay: { host: "smtp.relay.example", username: "relay-user", ...relay } as never,
  };
}

/** Registers a MailServer with these args, then returns what each child was given (unwrapped). */
async function children(args: MailServerArgs, name: string): Promise<Registration[]> {
  resetRegistrations();
  const m = new MailServer(name, args);
  await settle([m.container.id, m.configWriter.id, m.records]);
  return [...registrations];
}

const canonical = (regs: Registration[]) =>
  JSON.stringify([...regs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)));

describe("secret references in a MailServer spec", () => {
  it("reads passwordEnv, relay.passwordEnv and privateKeyFile exactly as the inline values", async () => {
    process.env.DMS_TEST_ALICE = ALICE;
    process.env.DMS_TEST_RELAY = RELAY;
    const cwd = process.cwd();
    process.chdir(dir); // a relative privateKeyFile is read from the working directory
    try {
      const referenced = await children(
        base(
          { passwordEnv: "DMS_TEST_ALICE" },
          { passwordEnv: "DMS_TEST_RELAY" },
          { privateKeyFile: "example.com.pem" },
        ),
        "m",
      );
      const inline = await children(
        base({ password: ALICE }, { password: RELAY }, { privateKey: pem }),
        "m",
      );
      // Same children with the same inputs, secret wrappers included: the hash (salted from
      // the per-stack key and the password), the relay credentials and the adopted key agree.
      assert.equal(canonical(referenced), canonical(inline));
      const writer = referenced.find((r) => r.name === "m-config-writer")!;
      const uploads = JSON.stringify(writer.inputs.uploads);
      assert.ok(uploads.includes(RELAY), "the relay password reaches the writer's files");
      assert.ok(uploads.includes(pem.split("\n")[1]!), "the key file reaches the writer's files");
      // And none of it in plain text anywhere.
      for (const r of referenced) {
        for (const [path, value] of plainStrings(r.inputs)) {
          for (const secret of [ALICE, RELAY, pem.split("\n")[1]!]) {
            assert.ok(!value.includes(secret), `${r.name}.${path} holds a secret in plain text`);
          }
        }
      }
    } finally {
      process.chdir(cwd);
      delete process.env.DMS_TEST_ALICE;
      delete process.env.DMS_TEST_RELAY;
    }
  });

  it("reports every unreadable reference at once, with the spec's own errors", () => {
    process.env.DMS_TEST_EMPTY = "";
    try {
      const args = {
        ...base(
          { passwordEnv: "DMS_TEST_UNSET_ALICE" },
          { passwordEnv: "DMS_TEST_EMPTY" },
          { privateKeyFile: join(dir, "missing.pem") },
        ),
        hostname: "not a hostname",
      };
      assert.throws(
        () => new MailServer("bad", args),
        (err: Error) => {
          assert.ok(err instanceof pulumi.ResourceError, String(err));
          assert.match(err.message, /^MailServer "bad": 4 problems:/);
          assert.match(
            err.message,
            /accounts\[0\]\.passwordEnv: environment variable DMS_TEST_UNSET_ALICE is not set/,
          );
          assert.match(
            err.message,
            /relay\.passwordEnv: environment variable DMS_TEST_EMPTY is empty/,
          );
          assert.match(
            err.message,
            /domains\[0\]\.dkim\.privateKeyFile: cannot read ".*missing\.pem" \(ENOENT\)/,
          );
          assert.match(err.message, /hostname: /);
          return true;
        },
      );
    } finally {
      delete process.env.DMS_TEST_EMPTY;
    }
  });

  it("MailDomain adopts a dkim.privateKeyFile and publishes its public half", async () => {
    const domain = new MailDomain("md", {
      hostname: "mail.example.com",
      ipv4: "192.0.2.7",
      domain: {
        name: "example.com",
        dns: { provider: "zonefile" },
        dkim: { privateKeyFile: join(dir, "example.com.pem") },
      } as never,
    });
    const records = await valueOf(domain.records);
    const dkim = records.find((r) => r.name === "mail._domainkey.example.com")!;
    const spki = createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64");
    assert.ok(dkim.values.join("").includes(`p=${spki}`), dkim.values.join(""));
    assert.throws(
      () =>
        new MailDomain("md-bad", {
          hostname: "mail.example.com",
          domain: { name: "example.com", dkim: { privateKeyFile: "nope.pem" } } as never,
        }),
      /domain\.dkim\.privateKeyFile: cannot read "nope\.pem" \(ENOENT\)/,
    );
  });

  it("leaves arguments without references as the same object", () => {
    const args = base({ password: ALICE }, { password: RELAY }, {});
    const resolved = resolveReferences(args, { env: {}, baseDir: dir });
    assert.equal(resolved.args, args);
    assert.deepEqual(resolved.findings, []);
  });
});
