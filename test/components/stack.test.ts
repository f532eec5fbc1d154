/**
 * The stack-config program (`src/stack/program.ts`, run by the root `Pulumi.yaml`): the whole
 * spec from `mailserver:spec`, and every other config key it reads (`passwords`,
 * `dkimPrivateKeys`, `relayPassword`, `ptr`, `awsSecurityGroupId`, `containerName`), under
 * mocks. Config is given the way the language host gives it: `pulumi.runtime.setAllConfig` with
 * the list of secret keys (each test sets its own; the call replaces the whole map).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, normalize, relative } from "node:path";
import { describe, it } from "node:test";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
  installMocks,
  plainStrings,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
  type Registration,
} from "./harness";

installMocks();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { mailServerFromConfig } =
  require("../../src/stack/program") as typeof import("../../src/stack/program");
type MailServerT = ReturnType<typeof mailServerFromConfig>;

const ROOT = join(__dirname, "..", "..");

/** Sets the whole stack config (objects as the JSON the language host passes). */
function setConfig(values: Record<string, unknown>, secretKeys: string[] = []): void {
  pulumi.runtime.setAllConfig(
    Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
    ),
    secretKeys,
  );
}

interface Built {
  readonly m: MailServerT;
  /** What the component named `name` registered (itself and its children). */
  readonly regs: Registration[];
}

/** Runs the program under `config` as component `name`; returns once everything registered. */
async function build(
  name: string,
  config: Record<string, unknown>,
  secretKeys: string[] = [],
): Promise<Built> {
  setConfig(config, secretKeys);
  resetRegistrations();
  const m = mailServerFromConfig(name);
  await Promise.all(
    [m.records, m.warnings, m.recreateHash, m.ptr, m.container.id, m.configWriter.id].map((o) =>
      valueOf(o as pulumi.Output<unknown>),
    ),
  );
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  // Only this run's resources (a failed construction elsewhere may still be registering).
  const regs = registrations.filter((r) => r.name === name || r.name.startsWith(`${name}-`));
  return { m, regs };
}

function find(regs: readonly Registration[], name: string): Registration {
  const r = regs.find((x) => x.name === name);
  assert.ok(r !== undefined, `no child ${name} in ${regs.map((x) => x.name).join(", ")}`);
  return r;
}

type Upload = { file: string; content: string; permissions: string };
const uploadsOf = (regs: readonly Registration[], name: string): Upload[] =>
  unwrap(find(regs, `${name}-config-writer`).inputs.uploads) as Upload[];

/** Asserts no registration holds any of `forbidden` outside a secret. */
function assertNoPlainSecret(regs: readonly Registration[], forbidden: readonly string[]): void {
  assert.ok(regs.length > 5, `only ${regs.length} registrations`);
  for (const r of regs) {
    for (const [path, s] of plainStrings(r.inputs)) {
      for (const f of forbidden) {
        assert.ok(!s.includes(f), `${r.name} ${path} holds ${JSON.stringify(f)} in plain text`);
      }
    }
  }
}

const HOSTNAME = "mail.example.com";
const PASSWORD = "stack-config-password-9";
/** A valid hash (from options.test.ts), for specs that need no config password. */
const HASH =
  "{SHA512-CRYPT}$6$bobSaltBobSalt12$" +
  "DhM47aI5p29RP6s9Q5dq5M4q3fzPgdBlbmJa65oZQCVUIAtlt8AZFTy7dPjFhYP37CFGZU69wW65BTyLG0VHjc";
const SPEC = {
  hostname: HOSTNAME,
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" } }],
  accounts: [{ address: "alice@example.com", passwordHash: HASH }],
};

/** A throwaway RSA key: its PEM, its DKIM `p=` value, and the PEM lines that are private. */
function rsaKey(): { pem: string; p64: string; privateLines: string[] } {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const p64 = createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64");
  // The DER of a private key repeats the modulus (public): keep only lines not in `p=`.
  const privateLines = pem
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("-----") && !p64.includes(l));
  assert.ok(privateLines.length > 5);
  return { pem, p64, privateLines };
}

describe("stack-config program", () => {
  it("builds the MailServer from config, hashing the secret password", async () => {
    setConfig(
      {
        "mailserver:spec": {
          hostname: HOSTNAME,
          ipv4: "192.0.2.7",
          domains: [{ name: "example.com" }],
          accounts: [{ address: "alice@example.com" }],
          logLevel: "debug",
        },
        "mailserver:passwords": { "alice@example.com": PASSWORD },
        "mailserver:containerName": "mailserver",
      },
      ["mailserver:passwords"],
    );
    resetRegistrations();
    const mail = mailServerFromConfig("stack");
    await valueOf(mail.container.id);
    await valueOf(mail.configWriter.id);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const container = registrations.find((r) => r.name === "stack-container")!;
    assert.equal(container.inputs.name, "mailserver");
    assert.ok((container.inputs.envs as string[]).includes("LOG_LEVEL=debug"));
    const writer = registrations.find((r) => r.name === "stack-config-writer")!;
    const files = unwrap(writer.inputs.uploads) as { file: string; content: string }[];
    const accounts = files.find((f) => f.file.endsWith("/postfix-accounts.cf"))!.content;
    assert.match(accounts, /^alice@example\.com\|\{SHA512-CRYPT\}\$6\$/m);
    for (const r of registrations) {
      for (const [, s] of plainStrings(r.inputs))
        assert.ok(!s.includes(PASSWORD) && !s.includes("$6$"));
    }
  });

  it("adopts each domain's key from the secret mailserver:dkimPrivateKeys (others are generated)", async () => {
    const com = rsaKey();
    const net = rsaKey();
    const { m, regs } = await build(
      "dkim",
      {
        "mailserver:spec": {
          ...SPEC,
          domains: [
            { name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-com" } },
            { name: "example.net", dns: { provider: "cloudflare", zoneId: "zone-net" } },
            { name: "example.org", dns: { provider: "cloudflare", zoneId: "zone-org" } },
          ],
        },
        "mailserver:dkimPrivateKeys": { "example.com": com.pem, "example.net": net.pem },
      },
      ["mailserver:dkimPrivateKeys"],
    );
    // Adopted keys are not generated; the domain without one still is.
    const generated = regs.filter((r) => r.type === "tls:index/privateKey:PrivateKey");
    assert.deepEqual(
      generated.map((r) => r.name),
      ["dkim-dkim-example-org-mail"],
    );
    assert.deepEqual(Object.keys(m.dkimKeys), ["example.org"]);
    // Each DKIM record carries the public half of its own domain's key.
    for (const [domain, key, other] of [
      ["example.com", com, net],
      ["example.net", net, com],
    ] as const) {
      const slug = domain.replace(".", "-");
      const record = unwrap(find(regs, `dkim-txt-mail-domainkey-${slug}`).inputs) as {
        content: string;
        zoneId: string;
      };
      assert.equal(record.zoneId, `zone-${domain.split(".")[1]}`);
      assert.ok(record.content.includes(`p=${key.p64}`), `${domain}: ${record.content}`);
      assert.ok(!record.content.includes(other.p64), `${domain} has the other domain's key`);
    }
    const records = await valueOf(m.records);
    assert.equal(await pulumi.isSecret(m.records), false);
    const dkimValue = (domain: string) =>
      records.find((r) => r.purpose === "dkim" && r.domain === domain)?.values;
    assert.deepEqual(dkimValue("example.com"), [`v=DKIM1; k=rsa; p=${com.p64}`]);
    assert.deepEqual(dkimValue("example.net"), [`v=DKIM1; k=rsa; p=${net.p64}`]);
    // The private keys reach DMS, only inside the writer's secret uploads.
    const rawUploads = find(regs, "dkim-config-writer").inputs.uploads;
    assert.deepEqual(plainStrings(rawUploads), [], "uploads are not secret");
    const uploadText = JSON.stringify(unwrap(rawUploads));
    for (const k of [com, net]) {
      for (const line of k.privateLines) assert.ok(uploadText.includes(line), "key not uploaded");
    }
    const forbidden = [...com.privateLines, ...net.privateLines, "PRIVATE KEY"];
    assertNoPlainSecret(regs, forbidden);
    const recordsText = JSON.stringify(records);
    for (const f of forbidden) assert.ok(!recordsText.includes(f), `records hold ${f}`);
  });

  it("puts the secret mailserver:relayPassword only into the writer's secret uploads", async () => {
    const RELAY = "relay-Pa55word-from-config";
    const { m, regs } = await build(
      "relay",
      {
        "mailserver:spec": {
          ...SPEC,
          relay: { host: "smtp.relay.example", port: 587, username: "relay-user" },
        },
        "mailserver:relayPassword": RELAY,
      },
      ["mailserver:relayPassword"],
    );
    const sasl = uploadsOf(regs, "relay").find((f) => f.file.endsWith("/postfix-sasl-password.cf"));
    assert.ok(sasl !== undefined, "no SASL password file uploaded");
    assert.match(
      sasl.content,
      /^\[smtp\.relay\.example\]:587 relay-user:relay-Pa55word-from-config$/m,
    );
    assert.equal(sasl.permissions, "0600");
    const rawUploads = find(regs, "relay-config-writer").inputs.uploads;
    assert.deepEqual(plainStrings(rawUploads), [], "uploads are not secret");
    // Nowhere else, not even inside a secret.
    for (const r of regs) {
      const text = JSON.stringify(unwrap(r.inputs));
      if (r.name === "relay-config-writer") assert.ok(text.includes(RELAY));
      else assert.ok(!text.includes(RELAY), `${r.name} holds the relay password`);
    }
    assertNoPlainSecret(regs, [RELAY]);
    // The container is told about the relay (the password only through the file).
    const envs = unwrap(find(regs, "relay-container").inputs.envs) as string[];
    assert.ok(
      envs.some((e) => e.startsWith("DEFAULT_RELAY_HOST=") && e.includes("smtp.relay.example")),
      envs.join(" "),
    );
    assert.equal(await pulumi.isSecret(m.recreateHash), false);
    assert.ok(!(await valueOf(m.recreateHash)).includes(RELAY));
  });

  it("mailserver:ptr aws-eip sets the Elastic IP's reverse name to the hostname", async () => {
    const { regs } = await build("eip", {
      "mailserver:spec": {
        ...SPEC,
        domains: [{ name: "example.com", dns: { provider: "route53", zoneId: "Z1" } }],
      },
      "mailserver:ptr": { kind: "aws-eip", allocationId: "eipalloc-from-config" },
    });
    const ptr = find(regs, "eip-ptr");
    assert.equal(ptr.type, "aws:ec2/eipDomainName:EipDomainName");
    assert.deepEqual(unwrap(ptr.inputs), {
      allocationId: "eipalloc-from-config",
      domainName: HOSTNAME,
    });
  });

  it("mailserver:ptr cloudflare creates the PTR record in the reverse zone", async () => {
    const { m, regs } = await build("cfptr", {
      "mailserver:spec": SPEC,
      "mailserver:ptr": { kind: "cloudflare", zoneId: "rev4" },
    });
    const ptr = find(regs, "cfptr-ptr-ipv4");
    assert.equal(ptr.type, "cloudflare:index/dnsRecord:DnsRecord");
    const i = unwrap(ptr.inputs) as Record<string, unknown>;
    assert.deepEqual(
      [i.zoneId, i.name, i.type, i.content],
      ["rev4", "7.2.0.192.in-addr.arpa", "PTR", HOSTNAME],
    );
    assert.deepEqual(await valueOf(m.ptr), [
      { ip: "192.0.2.7", name: "7.2.0.192.in-addr.arpa", hostname: HOSTNAME },
    ]);
  });

  it("without mailserver:ptr or mailserver:awsSecurityGroupId: no PTR and no rules, ptr still stated", async () => {
    const { m, regs } = await build("plain", { "mailserver:spec": SPEC });
    const names = regs.map((r) => r.name);
    assert.ok(
      !names.some((n) => n.startsWith("plain-ptr") || n.startsWith("plain-sg-")),
      names.join(", "),
    );
    assert.ok(!regs.some((r) => r.type.startsWith("aws:")));
    assert.deepEqual(await valueOf(m.ptr), [
      { ip: "192.0.2.7", name: "7.2.0.192.in-addr.arpa", hostname: HOSTNAME },
    ]);
  });

  it("mailserver:awsSecurityGroupId opens the public services in that group", async () => {
    const { regs } = await build("sg", {
      "mailserver:spec": SPEC,
      "mailserver:awsSecurityGroupId": "sg-from-config",
    });
    const rules = regs.filter(
      (r) => r.type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    );
    assert.ok(rules.length >= 2, `only ${rules.length} rules`);
    for (const r of rules) assert.equal(r.inputs.securityGroupId, "sg-from-config", r.name);
    const smtp = unwrap(find(regs, "sg-sg-smtp-v4-0-0-0-0-0").inputs) as Record<string, unknown>;
    assert.deepEqual([smtp.fromPort, smtp.toPort, smtp.cidrIpv4], [25, 25, "0.0.0.0/0"]);
  });
});

describe("stack-config program: errors", () => {
  const run = (config: Record<string, unknown>, secretKeys: string[] = [], name = "err") => {
    setConfig(config, secretKeys);
    return () => mailServerFromConfig(name);
  };

  it("a missing mailserver:spec names the key and the command to set it", () => {
    assert.throws(run({ "mailserver:containerName": "x" }), (e: Error) => {
      assert.match(e.message, /Missing required configuration variable 'mailserver:spec'/);
      assert.match(e.message, /pulumi config set mailserver:spec /);
      return true;
    });
  });

  it("a mailserver:spec that is not JSON names the key", () => {
    assert.throws(run({ "mailserver:spec": "{hostname: mail.example.com" }), (e: Error) => {
      assert.match(e.message, /'mailserver:spec'/);
      assert.match(e.message, /not a valid JSON object/);
      return true;
    });
  });

  for (const [label, raw, shown] of [
    ["an array", "[1]", "[1]"],
    ["a number", "42", "42"],
    ["null", "null", "null"],
    ["a string", '"mail.example.com"', '"mail.example.com"'],
  ] as const) {
    it(`a mailserver:spec that is ${label} says it must be an object`, () => {
      assert.throws(run({ "mailserver:spec": raw }), (e: Error) => {
        assert.equal(e.message, `mailserver:spec must be an object (the spec), got ${shown}`);
        return true;
      });
    });
  }

  it("an invalid field of the spec is named by its path", () => {
    assert.throws(
      run(
        {
          "mailserver:spec": {
            ...SPEC,
            hostname: "mail",
            domains: [{ name: "Example.com" }],
          },
        },
        [],
        "badspec",
      ),
      (e: Error) => {
        assert.match(e.message, /^MailServer "badspec": \d+ problems:\n/);
        assert.match(e.message, /hostname: .*"mail"/);
        assert.match(e.message, /domains\[0\]\.name: /);
        return true;
      },
    );
  });

  it("a password under an address the spec lacks leaves that account's error, without the value", () => {
    // program.ts does not check the keys against the accounts: a typo leaves alice passwordless.
    assert.throws(
      run(
        {
          "mailserver:spec": { ...SPEC, accounts: [{ address: "alice@example.com" }] },
          "mailserver:passwords": { "alise@example.com": PASSWORD },
        },
        ["mailserver:passwords"],
        "typo",
      ),
      (e: Error) => {
        assert.match(e.message, /accounts\[0\]: "alice@example\.com" needs one of password/);
        assert.ok(!e.message.includes(PASSWORD));
        return true;
      },
    );
  });

  it("an unknown mailserver:ptr kind is named", () => {
    assert.throws(
      run({ "mailserver:spec": SPEC, "mailserver:ptr": { kind: "aws" } }, [], "badptr"),
      /MailServer "badptr": unknown ptr kind \{"kind":"aws"\}/,
    );
  });

  // `pulumi config set --secret mailserver:passwords <pw>` (without --path) stores a bare string.
  const bare: [string, string][] = [
    ["mailserver:passwords", "bare-Secret-password-1"],
    ["mailserver:dkimPrivateKeys", rsaKey().pem],
  ];
  for (const [key, value] of bare) {
    it(`a secret ${key} that is not an object names the key`, () => {
      assert.throws(run({ "mailserver:spec": SPEC, [key]: value }, [key]), (e: Error) => {
        assert.match(e.message, new RegExp(`'${key}'|${key} must be an object`));
        return true;
      });
    });
    it(`a secret ${key} that is not an object is not echoed in the error`, () => {
      assert.throws(run({ "mailserver:spec": SPEC, [key]: value }, [key]), (e: Error) => {
        const body = value.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
        for (const l of body) assert.ok(!e.message.includes(l), `the error shows ${l}`);
        return true;
      });
    });
  }
});

describe("stack-config entry point", () => {
  it("Pulumi.yaml runs the build output of src/stack/index.ts", () => {
    const project = parseYaml(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as Record<
      string,
      unknown
    >;
    const runtime = project.runtime as string | { name: string };
    assert.equal(typeof runtime === "string" ? runtime : runtime.name, "nodejs");
    assert.equal(project.main, "dist/cjs/stack/index.js");
    // The mapping is tsc's: outDir mirrors rootDir.
    const tsconfig = JSON.parse(readFileSync(join(ROOT, "tsconfig.json"), "utf8")) as {
      compilerOptions: { outDir: string; rootDir: string };
    };
    const fromOut = relative(normalize(tsconfig.compilerOptions.outDir), normalize(project.main));
    assert.ok(
      !fromOut.startsWith(".."),
      `${project.main} is outside ${tsconfig.compilerOptions.outDir}`,
    );
    const source = join(tsconfig.compilerOptions.rootDir, fromOut.replace(/\.js$/, ".ts"));
    assert.equal(source, join("src", "stack", "index.ts"));
    assert.ok(existsSync(join(ROOT, source)), `${source} does not exist`);
    // package.json's build compiles it with that tsconfig.
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    assert.match(pkg.scripts.build!, /tsc -p tsconfig\.json/);
    if (existsSync(join(ROOT, "dist", "cjs"))) {
      assert.ok(existsSync(join(ROOT, project.main)), `dist has no ${project.main}`);
    }
  });

  it("src/stack/index.ts builds `mail` from config; its exports carry no secret", async () => {
    const key = rsaKey();
    const RELAY = "relay-Pa55word-entry-point";
    setConfig(
      {
        "mailserver:spec": {
          hostname: HOSTNAME,
          ipv4: "192.0.2.7",
          domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" } }],
          accounts: [{ address: "alice@example.com" }],
          relay: { host: "smtp.relay.example", username: "relay-user" },
        },
        "mailserver:passwords": { "alice@example.com": PASSWORD },
        "mailserver:dkimPrivateKeys": { "example.com": key.pem },
        "mailserver:relayPassword": RELAY,
        "mailserver:ptr": { kind: "cloudflare", zoneId: "rev4" },
      },
      ["mailserver:passwords", "mailserver:dkimPrivateKeys", "mailserver:relayPassword"],
    );
    resetRegistrations();
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const stack = require("../../src/stack/index") as typeof import("../../src/stack/index");
    const outputs: Record<string, pulumi.Output<unknown>> = { ...stack };
    assert.deepEqual(Object.keys(outputs).sort(), [
      "clientSettings",
      "nftablesRuleset",
      "ports",
      "ptr",
      "records",
      "warnings",
      "zoneFiles",
    ]);
    const forbidden = [PASSWORD, RELAY, "PRIVATE KEY", "$6$", ...key.privateLines];
    for (const [k, o] of Object.entries(outputs)) {
      assert.equal(await pulumi.isSecret(o), false, `${k} is secret`);
      const text = JSON.stringify(await valueOf(o));
      for (const f of forbidden) assert.ok(!text.includes(f), `${k} holds ${f}`);
    }
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const regs = registrations.filter((r) => r.name === "mail" || r.name.startsWith("mail-"));
    assert.ok(regs.some((r) => r.type === "dms:index:MailServer" && r.name === "mail"));
    find(regs, "mail-ptr-ipv4");
    const uploads = JSON.stringify(unwrap(find(regs, "mail-config-writer").inputs.uploads));
    assert.ok(uploads.includes(RELAY) && uploads.includes(key.privateLines[0]!));
    assert.ok(!regs.some((r) => r.type === "tls:index/privateKey:PrivateKey"));
    assertNoPlainSecret(regs, forbidden);
    const records = await valueOf(stack.records);
    assert.deepEqual(records.find((r) => r.purpose === "dkim")?.values, [
      `v=DKIM1; k=rsa; p=${key.p64}`,
    ]);
  });
});
