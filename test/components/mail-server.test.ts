/**
 * `MailServer` behaviour under mocks: determinism, what an account change or an env change
 * touches, Output inputs, errors, provider rules on long TXT values, custom DNS and the outputs.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import {
  componentsUnderMocks,
  plainStrings,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
  type Registration,
} from "./harness";
import type { MailServerArgs } from "../../src/components/args";

// Loaded after the mocks are installed, as Pulumi requires.
const { MailServer, MailDomain } = componentsUnderMocks();

/** Stands in for any provider's DNS record resource. */
class FakeRecord extends pulumi.CustomResource {
  constructor(name: string, props: pulumi.Inputs, opts: pulumi.CustomResourceOptions) {
    super("test:dns:Record", name, props, opts);
  }
}

const BASE: MailServerArgs = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" } }],
  accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
};

/** Constructs a MailServer and returns what it registered once every output resolved. */
async function run(args: MailServerArgs, name = "mail"): Promise<Registration[]> {
  resetRegistrations();
  const m = new MailServer(name, args);
  await Promise.all(
    [m.records, m.zoneFiles, m.warnings, m.recreateHash, m.container.id, m.configWriter.id].map(
      (o) => valueOf(o as pulumi.Output<unknown>),
    ),
  );
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  return [...registrations];
}

function find(regs: Registration[], name: string): Registration {
  const r = regs.find((x) => x.name === name);
  assert.ok(r !== undefined, `no child ${name} in ${regs.map((x) => x.name).join(", ")}`);
  return r;
}

const canonical = (regs: Registration[]) =>
  JSON.stringify(
    regs
      .map((r) => ({ type: r.type, name: r.name, inputs: unwrap(r.inputs) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.type < b.type ? -1 : 1)),
  );

/** The live-reload contract (docs/dms-contract.md#live-reload): the writer re-runs, the mail container stays. */
function assertOnlyWriterChanged(before: Registration[], after: Registration[]): void {
  assert.deepEqual(
    unwrap(find(after, "mail-container").inputs),
    unwrap(find(before, "mail-container").inputs),
  );
  assert.notDeepEqual(
    unwrap(find(after, "mail-config-writer").inputs),
    unwrap(find(before, "mail-config-writer").inputs),
  );
}

describe("MailServer", () => {
  it("gives identical inputs for every resource when run twice", async () => {
    const first = canonical(await run(BASE));
    const second = canonical(await run(BASE));
    assert.equal(first, second);
  });

  it("adding an account changes the config writer, not the mail container", async () => {
    const before = await run(BASE);
    const after = await run({
      ...BASE,
      accounts: [...BASE.accounts!, { address: "bob@example.com", password: "bob-password-456" }],
    });
    assertOnlyWriterChanged(before, after);
    const files = unwrap(find(after, "mail-config-writer").inputs.uploads) as {
      file: string;
      content: string;
    }[];
    const accounts = files.find((f) => f.file.endsWith("/postfix-accounts.cf"))!.content;
    assert.match(accounts, /^bob@example\.com\|\{SHA512-CRYPT\}\$6\$/m);
  });

  it("adding or removing the account that sorts first still reaches only the writer", async () => {
    // Without `postmaster` the postmaster's mail goes to the first account; that must stay in
    // the live aliases file and out of the env (POSTMASTER_ADDRESS), or the container is replaced.
    const two: MailServerArgs = {
      ...BASE,
      accounts: [
        { address: "aaron@example.com", password: "aaron-password-789" },
        ...BASE.accounts!,
      ],
    };
    const before = await run(BASE);
    const added = await run(two);
    assertOnlyWriterChanged(before, added);
    assertOnlyWriterChanged(added, before);
    const aliases = (regs: Registration[]) =>
      (
        unwrap(find(regs, "mail-config-writer").inputs.uploads) as {
          file: string;
          content: string;
        }[]
      ).find((f) => f.file.endsWith("/postfix-virtual.cf"))!.content;
    assert.match(aliases(before), /^postmaster@example\.com alice@example\.com$/m);
    assert.match(aliases(added), /^postmaster@example\.com aaron@example\.com$/m);
    const envs = unwrap(find(added, "mail-container").inputs.envs) as string[];
    assert.ok(envs.includes("POSTMASTER_ADDRESS=postmaster@example.com"), envs.join(" "));
  });

  it("changing a quota or an alias also reaches only the writer", async () => {
    const before = await run(BASE);
    const after = await run({
      ...BASE,
      accounts: [{ ...BASE.accounts![0]!, quota: "2G" }],
      aliases: [{ address: "info@example.com", targets: ["alice@example.com"] }],
    });
    assertOnlyWriterChanged(before, after);
  });

  it("changing an env setting changes the container's env and recreate hash", async () => {
    const before = find(await run(BASE), "mail-container").inputs;
    const after = find(await run({ ...BASE, logLevel: "debug" }), "mail-container").inputs;
    assert.ok((after.envs as string[]).includes("LOG_LEVEL=debug"));
    assert.ok((before.envs as string[]).includes("LOG_LEVEL=info"));
    const hash = (i: Record<string, unknown>) =>
      (i.labels as { label: string; value: string }[]).find((l) => l.label === "dms.recreate-hash")!
        .value;
    assert.notEqual(hash(after), hash(before));
    assert.match(hash(after), /^[0-9a-f]{64}$/);
  });

  it("changing a startup-only file (postfix main.cf override) changes the recreate hash", async () => {
    const hash = (regs: Registration[]) =>
      JSON.stringify(find(regs, "mail-container").inputs.labels);
    const before = hash(await run(BASE));
    const after = hash(
      await run({ ...BASE, overrides: { postfixMain: "smtpd_banner = $myhostname ESMTP\n" } }),
    );
    assert.notEqual(after, before);
  });

  it("FAQ options reach the writer's uploads, the host localtime mount and the env", async () => {
    const regs = await run({
      ...BASE,
      features: { rspamd: false, amavis: true, spamassassin: true },
      accounts: [
        ...BASE.accounts!,
        { address: "quarantine@example.com", password: "quarantine-pw-123" },
      ],
      timezone: "host",
      spamassassin: {
        learn: { from: ["@example.com"] },
        quarantineTo: "quarantine@example.com",
      },
      behindProxy: {},
    });
    const uploads = unwrap(find(regs, "mail-config-writer").inputs.uploads) as {
      file: string;
      content: string;
    }[];
    const upload = (name: string) => uploads.find((f) => f.file.endsWith(`/${name}`));
    assert.match(
      upload("cron/sa-learn")!.content,
      / root sa-learn --spam \/var\/mail\/example\.com\/\*\/\.Junk /,
    );
    assert.match(
      upload("amavis.cf")!.content,
      /^\$spam_quarantine_to += 'quarantine@example\.com';$/m,
    );
    assert.match(
      upload("user-patches.sh")!.content,
      /^postconf 'proxy_interfaces = 192\.0\.2\.7'$/m,
    );
    const c = find(regs, "mail-container").inputs;
    const envs = c.envs as string[];
    assert.ok(
      envs.includes("SPAMASSASSIN_SPAM_TO_INBOX=1") && envs.includes("MOVE_SPAM_TO_JUNK=1"),
    );
    assert.ok(!envs.some((e) => e.startsWith("TZ=")), envs.join(" "));
    const volumes = unwrap(c.volumes) as {
      hostPath?: string;
      containerPath: string;
      readOnly?: boolean;
    }[];
    assert.ok(
      volumes.some(
        (v) =>
          v.hostPath === "/etc/localtime" &&
          v.containerPath === "/etc/localtime" &&
          v.readOnly === true,
      ),
      JSON.stringify(volumes),
    );
  });

  it("hashes a password once: the same password gives the same hash on every run", async () => {
    const content = (regs: Registration[]) =>
      (
        unwrap(find(regs, "mail-config-writer").inputs.uploads) as {
          file: string;
          content: string;
        }[]
      ).find((f) => f.file.endsWith("/postfix-accounts.cf"))!.content;
    const a = content(await run(BASE));
    const b = content(await run(BASE));
    assert.equal(a, b);
    assert.doesNotMatch(a, /alice-password-123/);
  });

  it("publishes fail2ban with CAP_NET_ADMIN, memory and swap in MiB and DNS resolvers", async () => {
    const c = find(
      await run({
        ...BASE,
        features: { fail2ban: true },
        memoryLimit: "2g",
        dnsResolvers: ["192.0.2.53"],
      }),
      "mail-container",
    ).inputs;
    // As Docker reports them back (issue 11, fixes 3 and 4).
    assert.deepEqual(c.capabilities, { adds: ["CAP_NET_ADMIN"] });
    assert.equal(c.memory, 2048);
    assert.equal(c.memorySwap, 4096);
    assert.deepEqual(c.dns, ["192.0.2.53"]);
    assert.equal(c.restart, "always");
  });

  it("takes IPs and zone ids as Outputs and resolves record values from them", async () => {
    const regs = await run({
      ...BASE,
      ipv4: pulumi.output("203.0.113.9"),
      domains: [
        { name: "example.com", dns: { provider: "cloudflare", zoneId: pulumi.output("zone-out") } },
      ],
    });
    const a = find(regs, "mail-a-mail-example-com").inputs;
    assert.equal(a.content, "203.0.113.9");
    assert.equal(a.zoneId, "zone-out");
    assert.equal(
      find(regs, "mail-txt-example-com").inputs.content,
      '"v=spf1 mx ip4:203.0.113.9 -all"',
    );
  });

  it("throws one ResourceError listing every problem, with paths and values", () => {
    assert.throws(
      () =>
        new MailServer("bad", {
          hostname: "mail",
          domains: [{ name: "Example.com" }],
          accounts: [{ address: "alice@example.com" }],
        }),
      (e: Error) => {
        assert.ok(pulumi.ResourceError.isInstance(e));
        assert.match(e.message, /^MailServer "bad": \d+ problems:\n/);
        assert.match(e.message, /hostname: /);
        assert.match(e.message, /domains\[0\]\.name: /);
        assert.doesNotMatch(e.message, /\n\s+at /); // no stack trace in the message
        return true;
      },
    );
  });

  it("Route53: a DKIM value over 255 bytes is split into quoted strings", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const regs = await run({
      ...BASE,
      domains: [
        {
          name: "example.com",
          dns: { provider: "route53", zoneId: "Z1" },
          dkim: { privateKey: pulumi.secret(pem) },
        },
      ],
    });
    const dkim = find(regs, "mail-txt-mail-domainkey-example-com").inputs;
    const [value] = dkim.records as string[];
    const parts = value!.split('""');
    assert.equal(parts.length, 2);
    assert.ok(parts.every((p) => Buffer.byteLength(p) <= 255));
    // The adopted key's own public half, not any key of the right size.
    const p64 = createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64");
    assert.equal(parts.join(""), `v=DKIM1; k=rsa; p=${p64}`);
    assert.equal(dkim.allowOverwrite, false);
    // The adopted key is used as is: no key generated, and it reaches DMS only inside a secret.
    assert.ok(!regs.some((r) => r.type === "tls:index/privateKey:PrivateKey"));
    for (const r of regs)
      for (const [, s] of plainStrings(r.inputs)) assert.ok(!s.includes("PRIVATE KEY"));
  });

  it("an adopted key given as a plain string: the record and the records output carry its p=", async () => {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const p64 = createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64");
    resetRegistrations();
    const m = new MailServer("plain-key", {
      ...BASE,
      domains: [
        {
          name: "example.com",
          dns: { provider: "cloudflare", zoneId: "zone-1" },
          dkim: { privateKey: pem },
        },
      ],
    });
    const records = await valueOf(m.records);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const dkim = find([...registrations], "plain-key-txt-mail-domainkey-example-com").inputs;
    assert.equal(dkim.content, `"v=DKIM1; k=rsa; p=${p64}"`);
    assert.deepEqual(records.find((r) => r.purpose === "dkim")?.values, [
      `v=DKIM1; k=rsa; p=${p64}`,
    ]);
    for (const r of registrations)
      for (const [, v] of plainStrings(r.inputs)) assert.ok(!v.includes("PRIVATE KEY"));
  });

  it("publishes through a custom function with stable names", async () => {
    const seen: string[] = [];
    const regs = await run({
      ...BASE,
      domains: [
        {
          name: "example.com",
          dns: {
            provider: "custom",
            zoneId: "custom-zone",
            createRecord: (req, opts) => {
              seen.push(`${req.name} ${req.record.type} ${String(req.zoneId)}`);
              return new FakeRecord(req.name, { values: req.values }, opts);
            },
          },
        },
      ],
    });
    assert.deepEqual(seen.sort(), [
      "mail-a-mail-example-com A custom-zone",
      "mail-mx-example-com MX custom-zone",
      "mail-txt-dmarc-example-com TXT custom-zone",
      "mail-txt-example-com TXT custom-zone",
      "mail-txt-mail-domainkey-example-com TXT custom-zone",
      "mail-txt-mail-example-com TXT custom-zone",
    ]);
    assert.deepEqual(unwrap(find(regs, "mail-mx-example-com").inputs.values), [
      "10 mail.example.com.",
    ]);
  });

  it("port25Check runs the verify component's probe on the mail host, re-run per container", async () => {
    const regs = await run({ ...BASE, cloud: "aws", port25Check: { mode: "warn" } });
    assert.ok(regs.some((r) => r.type === "dms:index:Port25Check" && r.name === "mail-port25"));
    const probe = find(regs, "mail-port25-probe").inputs;
    assert.equal(probe.image, "sha256:image-of-ghcr.io/docker-mailserver/docker-mailserver:15.1.0");
    assert.deepEqual(probe.labels, [
      { label: "dms.port25-check.trigger", value: "mail-container-id" },
    ]);
    const without = await run(BASE);
    assert.ok(!without.some((r) => r.type === "dms:index:Port25Check"));
  });

  it("outputs client settings, ports, nftables text and no secrets", async () => {
    resetRegistrations();
    const m = new MailServer("out", BASE);
    assert.deepEqual(await valueOf(m.clientSettings), [
      {
        username: "alice@example.com",
        imap: [{ host: "mail.example.com", port: 993, security: "tls" }],
        pop3: [],
        smtp: [
          { host: "mail.example.com", port: 465, security: "tls" },
          { host: "mail.example.com", port: 587, security: "starttls" },
        ],
        managesieve: [],
      },
    ]);
    assert.deepEqual(
      (await valueOf(m.ports)).map((p) => `${p.port} ${p.expose}`),
      [
        "25 public",
        "143 off",
        "465 public",
        "587 public",
        "993 public",
        "110 off",
        "995 off",
        "4190 off",
      ].sort((a, b) => Number(a.split(" ")[0]) - Number(b.split(" ")[0])),
    );
    assert.match(
      await valueOf(m.nftablesRuleset),
      /tcp dport \{ 110, 143, 995, 4190, 11334 \} drop/,
    );
    for (const o of [
      m.records,
      m.zoneFiles,
      m.clientSettings,
      m.ports,
      m.warnings,
      m.nftablesRuleset,
      m.ptr,
    ]) {
      assert.equal(await pulumi.isSecret(o as pulumi.Output<unknown>), false);
    }
    const zones = await valueOf(m.zoneFiles);
    assert.deepEqual(Object.keys(zones), ["example.com"]);
    assert.match(
      zones["example.com"]!,
      /mail\._domainkey\s+3600\s+IN\s+TXT\s+"v=DKIM1; k=rsa; p=MIGf/,
    );
  });

  it("keeps in its own state only the recreate hash, the warnings and the writer's exit", async () => {
    // registerOutputs is what Pulumi writes into the component's state entry.
    const proto = pulumi.ComponentResource.prototype as unknown as {
      registerOutputs(this: pulumi.ComponentResource, outputs?: pulumi.Inputs): void;
    };
    const original = proto.registerOutputs;
    const registered = new Map<pulumi.ComponentResource, string[]>();
    proto.registerOutputs = function (outputs) {
      registered.set(this, Object.keys(outputs ?? {}).sort());
      return original.call(this, outputs);
    };
    try {
      const domains = ["a.example", "b.example", "c.example"].map((name) => ({
        name,
        dns: { provider: "cloudflare" as const, zoneId: `zone-${name}` },
      }));
      resetRegistrations();
      const m = new MailServer("state", {
        ...BASE,
        hostname: "mail.a.example",
        domains,
        accounts: [{ address: "alice@a.example", password: "alice-password-123" }],
      });
      assert.deepEqual(registered.get(m), ["configWriterExitCode", "recreateHash", "warnings"]);
      // The others are still whole Output properties: every published record is there.
      const records = await valueOf(m.records);
      for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
      const published = registrations.filter(
        (r) => r.type === "cloudflare:index/dnsRecord:DnsRecord",
      );
      assert.equal(
        records.reduce((n, r) => n + r.values.length, 0),
        published.length,
      );
      assert.deepEqual(Object.keys(await valueOf(m.zoneFiles)).sort(), [
        "a.example",
        "b.example",
        "c.example",
      ]);
      assert.match(await valueOf(m.nftablesRuleset), /tcp dport 25 accept/);
      assert.equal(m.nftablesRuleset, m.nftablesRuleset, "built once, on first read");
    } finally {
      proto.registerOutputs = original;
    }
  });
});

describe("MailDomain", () => {
  it("names problems by its own argument paths (domain, not domains[0])", async () => {
    assert.throws(
      () =>
        new MailDomain("dom-bad", {
          hostname: "mx.provider.example",
          domain: { name: "Example.net", dmarc: { rua: ["dmarc@example.net"] } } as never,
        }),
      (e: Error) => {
        assert.match(e.message, /^MailDomain "dom-bad": \d+ problems?:\n/);
        assert.match(e.message, /domain\.name: /);
        assert.doesNotMatch(e.message, /domains\[0\]/);
        return true;
      },
    );
    // The component itself was registered before it threw; let that land before the next test.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    // Warnings too: the plan's (MTA-STS needs its policy served, reported on the domain list).
    resetRegistrations();
    const warned = new MailDomain("dom-warn", {
      hostname: "mx.provider.example",
      ipv4: "198.51.100.25",
      domain: { name: "example.net", mtaSts: { mode: "testing" } } as never,
    });
    const paths = (await valueOf(warned.warnings)).map((f) => f.path);
    assert.ok(paths.includes("domain") && paths.includes("hostname"), paths.join(", "));
    assert.ok(!paths.some((p) => p.startsWith("domains")), paths.join(", "));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  });

  it("publishes one domain's records, generating a DKIM key kept secret", async () => {
    resetRegistrations();
    const d = new MailDomain("dom", {
      hostname: "mx.provider.example",
      ipv4: "198.51.100.25",
      domain: { name: "example.net", dns: { provider: "cloudflare", zoneId: "z" } },
    });
    const records = await valueOf(d.records);
    assert.deepEqual(
      records.map((r) => `${r.name} ${r.type}`),
      [
        "_dmarc.example.net TXT",
        "example.net MX",
        "example.net TXT",
        "mail._domainkey.example.net TXT",
      ],
    );
    assert.equal(await pulumi.isSecret(d.dkimPrivateKeyPem), true);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      registrations
        .filter((r) => r.name.startsWith("dom"))
        .map((r) => `${r.type} ${r.name}`)
        .sort(),
      [
        "cloudflare:index/dnsRecord:DnsRecord dom-mx-example-net-10-mx-provider-example",
        "cloudflare:index/dnsRecord:DnsRecord dom-txt-dmarc-example-net",
        "cloudflare:index/dnsRecord:DnsRecord dom-txt-example-net",
        "cloudflare:index/dnsRecord:DnsRecord dom-txt-mail-domainkey-example-net",
        "dms:index:MailDomain dom",
        "tls:index/privateKey:PrivateKey dom-dkim-example-net-mail",
      ],
    );
  });
});
