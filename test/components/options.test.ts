/**
 * `MailServer` children's resource options (volumes, mail container, DNS records, PTR), outputs
 * free of secrets, and the Cloudflare PTR path.
 *
 * The mock monitor never sees resource options, so they are captured in-process with a legacy
 * transformation passed in the component's own `transformations` option: the SDK runs it in the
 * constructor of the component and of every descendant, with `{ resource, type, name, props,
 * opts }`, before registering. (A stack transformation cannot be used under mocks: no root stack
 * resource exists, so `registerStackTransformation` throws; and `registerResourceTransform`
 * throws because the mock monitor does not support transforms.)
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
const { MailServer } = componentsUnderMocks();

type MailServerT = InstanceType<typeof MailServer>;

const BASE: MailServerArgs = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: { provider: "cloudflare", zoneId: "zone-1" } }],
  accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
};

const CLOUDFLARE_RECORD = "cloudflare:index/dnsRecord:DnsRecord";
const ROUTE53_RECORD = "aws:route53/record:Record";
const EIP_PTR = "aws:ec2/eipDomainName:EipDomainName";

/** One resource as its constructor was called: what the transformation saw. */
interface Captured {
  readonly type: string;
  readonly name: string;
  readonly props: pulumi.Inputs;
  readonly opts: pulumi.CustomResourceOptions;
  readonly resource: pulumi.Resource;
}

interface Built {
  readonly m: MailServerT;
  /** Every descendant of the component (and the component), by name. */
  readonly children: ReadonlyMap<string, Captured>;
  /** The names of the captured resources, by object (to name a `dependsOn` entry). */
  readonly names: ReadonlyMap<pulumi.Resource, string>;
  /** What the mock monitor registered. */
  readonly regs: Registration[];
}

/** Constructs a MailServer capturing every child's options; returns once all is registered. */
async function build(args: MailServerArgs, name = "mail"): Promise<Built> {
  resetRegistrations();
  const children = new Map<string, Captured>();
  const names = new Map<pulumi.Resource, string>();
  const capture: pulumi.ResourceTransformation = (a) => {
    assert.ok(!children.has(a.name), `two resources named ${a.name}`);
    children.set(a.name, {
      type: a.type,
      name: a.name,
      props: a.props,
      opts: a.opts as pulumi.CustomResourceOptions,
      resource: a.resource,
    });
    names.set(a.resource, a.name);
    return undefined;
  };
  const m = new MailServer(name, args, { transformations: [capture] });
  await Promise.all(
    [m.records, m.warnings, m.recreateHash, m.ptr, m.container.id, m.configWriter.id].map((o) =>
      valueOf(o as pulumi.Output<unknown>),
    ),
  );
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  return { m, children, names, regs: [...registrations] };
}

function child(b: Built, name: string): Captured {
  const c = b.children.get(name);
  assert.ok(c !== undefined, `no child ${name} in ${[...b.children.keys()].join(", ")}`);
  return c;
}

function registered(regs: readonly Registration[], name: string): Registration {
  const r = regs.find((x) => x.name === name);
  assert.ok(r !== undefined, `no registration ${name} in ${regs.map((x) => x.name).join(", ")}`);
  return r;
}

/** The names of a `dependsOn` option's resources (only plain arrays or single resources). */
function dependsOnNames(b: Built, c: Captured): string[] {
  const d = c.opts.dependsOn;
  if (d === undefined) return [];
  assert.ok(!pulumi.Output.isInstance(d), `${c.name}: dependsOn is an Output`);
  const list = (Array.isArray(d) ? d : [d]) as unknown[];
  return list.map((r) => {
    assert.ok(pulumi.Resource.isInstance(r), `${c.name}: dependsOn holds a non-resource`);
    const n = b.names.get(r);
    assert.ok(n !== undefined, `${c.name}: dependsOn holds a resource outside the component`);
    return n;
  });
}

const VOLUMES = ["mail-data", "mail-state", "mail-logs", "config"] as const;
/** dms/container.ts: the config volume is regenerated on every deploy, the rest is mail data. */
const DATA_VOLUMES = new Set(["mail-data", "mail-state", "mail-logs"]);

describe("MailServer resource options", () => {
  it("the capture sees the component's children, parented to it", async () => {
    const b = await build(BASE);
    assert.equal(child(b, "mail").type, "dms:index:MailServer");
    for (const n of ["mail-image", "mail-config-writer", "mail-container", "mail-config"]) {
      assert.equal(child(b, n).opts.parent, b.m, `${n} parent`);
    }
  });

  it("volumes: data kept on delete, config not; unprotected by default", async () => {
    const b = await build(BASE);
    for (const v of VOLUMES) {
      const c = child(b, `mail-${v}`);
      assert.equal(c.type, "docker:index/volume:Volume");
      assert.equal(c.opts.retainOnDelete, DATA_VOLUMES.has(v), `${v} retainOnDelete`);
      assert.equal(c.opts.protect, false, `${v} protect`);
      assert.equal(b.m.volumes[v], c.resource);
    }
  });

  it("protectData: true protects all four volumes; retainData: false keeps none", async () => {
    const p = await build({ ...BASE, protectData: true }, "prot");
    for (const v of VOLUMES) {
      const c = child(p, `prot-${v}`);
      assert.equal(c.opts.protect, true, `${v} protect`);
      assert.equal(c.opts.retainOnDelete, DATA_VOLUMES.has(v), `${v} retainOnDelete`);
    }
    // protect is for the volumes only, not inherited by every child.
    assert.notEqual(child(p, "prot-container").opts.protect, true);
    const r = await build({ ...BASE, retainData: false }, "noretain");
    for (const v of VOLUMES) {
      const c = child(r, `noretain-${v}`);
      assert.equal(c.opts.retainOnDelete, false, `${v} retainOnDelete`);
      assert.equal(c.opts.protect, false, `${v} protect`);
    }
  });

  it("mail container: after the writer, old one deleted first, replaced on env/labels/image", async () => {
    const b = await build(BASE);
    const c = child(b, "mail-container");
    assert.equal(c.type, "docker:index/container:Container");
    assert.equal(c.resource, b.m.container);
    assert.ok(dependsOnNames(b, c).includes("mail-config-writer"));
    assert.ok((c.opts.dependsOn as pulumi.Resource[]).includes(b.m.configWriter));
    assert.equal(c.opts.deleteBeforeReplace, true);
    assert.deepEqual(c.opts.replaceOnChanges, ["envs", "labels", "image"]);
    // The writer itself is not replaced delete-first (nothing binds its ports).
    assert.notEqual(child(b, "mail-config-writer").opts.deleteBeforeReplace, true);
  });

  it("Cloudflare DNS records (and PTR records) are created before the old ones are deleted", async () => {
    const b = await build({
      ...BASE,
      ipv6: "2001:db8::25",
      ptr: { kind: "cloudflare", zoneId: "rev4", ipv6ZoneId: "rev6" },
    });
    const records = [...b.children.values()].filter((c) => c.type === CLOUDFLARE_RECORD);
    // A, AAAA, MX, SPF, DMARC, DKIM, host SPF, and the two PTRs at least.
    assert.ok(records.length >= 9, `only ${records.length} records`);
    assert.ok(records.some((c) => c.name === "mail-a-mail-example-com"));
    assert.ok(records.some((c) => c.name === "mail-ptr-ipv6"));
    for (const c of records) {
      assert.notEqual(c.opts.deleteBeforeReplace, true, `${c.name} deleteBeforeReplace`);
      assert.equal(c.opts.parent, b.m, `${c.name} parent`);
    }
  });

  it("Route53 record sets are created before the old ones are deleted", async () => {
    const b = await build({
      ...BASE,
      domains: [{ name: "example.com", dns: { provider: "route53", zoneId: "Z1" } }],
    });
    const records = [...b.children.values()].filter((c) => c.type === ROUTE53_RECORD);
    assert.ok(records.length >= 5, `only ${records.length} records`);
    assert.ok(records.some((c) => c.name === "mail-a-mail-example-com"));
    for (const c of records) {
      assert.notEqual(c.opts.deleteBeforeReplace, true, `${c.name} deleteBeforeReplace`);
    }
  });

  it("aws-eip PTR waits for the host's DNS records (AWS checks the forward record)", async () => {
    const b = await build({
      ...BASE,
      ipv6: "2001:db8::25",
      domains: [{ name: "example.com", dns: { provider: "route53", zoneId: "Z1" } }],
      ptr: { kind: "aws-eip", allocationId: "eipalloc-123" },
    });
    const ptrs = [...b.children.values()].filter((c) => c.type === EIP_PTR);
    assert.deepEqual(
      ptrs.map((c) => c.name),
      ["mail-ptr"],
    );
    const deps = dependsOnNames(b, ptrs[0]!);
    assert.ok(deps.includes("mail-a-mail-example-com"), `dependsOn: ${deps.join(", ")}`);
    assert.ok(deps.includes("mail-aaaa-mail-example-com"), `dependsOn: ${deps.join(", ")}`);
    // Only DNS records: nothing that would make the PTR wait for the container.
    for (const d of deps) assert.equal(child(b, d).type, ROUTE53_RECORD, d);
    assert.deepEqual(unwrap(registered(b.regs, "mail-ptr").inputs), {
      allocationId: "eipalloc-123",
      domainName: "mail.example.com",
    });
    assert.ok(b.m.networkResources.includes(ptrs[0]!.resource));
  });
});

describe("MailServer outputs carry no secret", () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const p64 = createPublicKey(pem).export({ type: "spki", format: "der" }).toString("base64");
  const passwords = ["alice-password-123", "carol-Secret-pass-789"] as const;
  const passwordHash =
    "{SHA512-CRYPT}$6$bobSaltBobSalt12$" +
    "DhM47aI5p29RP6s9Q5dq5M4q3fzPgdBlbmJa65oZQCVUIAtlt8AZFTy7dPjFhYP37CFGZU69wW65BTyLG0VHjc";
  const relayPassword = "relay-Pa55word-xyz";
  // Lines of the key body that are private: the DER of a private key repeats the modulus, which
  // is public; a line is left out only if it occurs in the published value.
  const keyLines = pem
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("-----") && !p64.includes(l));
  const forbidden = [
    ...passwords,
    passwordHash,
    // Any long piece of the hash (its salt and digest), as it could be re-quoted.
    ...passwordHash.split("$").filter((p) => p.length >= 8),
    relayPassword,
    "PRIVATE KEY",
    ...keyLines,
  ];

  /** The secret-bearing spec, with every secret as a plain string or as a (secret) Output. */
  const argsWith = (
    wrap: (v: string) => pulumi.Input<string>,
    ipv4: pulumi.Input<string>,
  ): MailServerArgs => ({
    ...BASE,
    ipv4,
    ipv6: "2001:db8::25",
    domains: [
      {
        name: "example.com",
        dns: { provider: "cloudflare", zoneId: "zone-1" },
        dkim: { privateKey: wrap(pem) },
      },
    ],
    accounts: [
      { address: "alice@example.com", password: passwords[0] },
      { address: "bob@example.com", passwordHash: wrap(passwordHash) },
      { address: "carol@example.com", password: wrap(passwords[1]) },
    ],
    relay: {
      host: "smtp.relay.example",
      port: 587,
      username: "relay-user",
      password: wrap(relayPassword),
    },
    ptr: { kind: "cloudflare", zoneId: "rev4" },
  });

  // With Outputs, an Output IP also sends records, warnings and the PTR through the re-planning
  // path, and a relay password Output makes the recreate hash wait for it (then unsecret it).
  const variants: [string, (v: string) => pulumi.Input<string>, pulumi.Input<string>][] = [
    ["plain strings", (v) => v, "192.0.2.7"],
    ["secret Outputs", (v) => pulumi.secret(v), pulumi.output("192.0.2.7")],
  ];
  for (const [label, wrap, ipv4] of variants) {
    it(`secrets given as ${label}: no output holds one, none is secret`, async () => {
      assert.ok(keyLines.length > 15);
      const b = await build(argsWith(wrap, ipv4), "sec");
      const m = b.m;
      // The secrets do reach the server (so their absence below means something): the writer's
      // uploads hold the given hash, the relay password and the DKIM key, as a secret.
      const uploads = registered(b.regs, "sec-config-writer").inputs.uploads;
      assert.ok(plainStrings(uploads).length === 0, "uploads are not secret");
      const uploadText = JSON.stringify(unwrap(uploads));
      assert.ok(uploadText.includes(passwordHash.slice(16, 40)));
      assert.ok(uploadText.includes(relayPassword));
      assert.ok(uploadText.includes("PRIVATE KEY"));

      const outputs: Record<string, pulumi.Output<unknown>> = {
        records: m.records,
        zoneFiles: m.zoneFiles,
        clientSettings: m.clientSettings,
        ports: m.ports,
        ptr: m.ptr,
        nftablesRuleset: m.nftablesRuleset,
        warnings: m.warnings,
        recreateHash: m.recreateHash,
      };
      for (const [key, o] of Object.entries(outputs)) {
        assert.equal(await pulumi.isSecret(o), false, `${key} is secret`);
        const text = JSON.stringify(await valueOf(o));
        assert.ok(text !== undefined, `${key} is undefined`);
        if (key !== "warnings") assert.ok(text.length > 2, `${key} is empty`);
        for (const f of forbidden) assert.ok(!text.includes(f), `${key} contains ${f}`);
      }
      // The DKIM record carries the adopted key's public half.
      const dkim = (await valueOf(m.records)).find((r) => r.purpose === "dkim");
      assert.deepEqual(dkim?.values, [`v=DKIM1; k=rsa; p=${p64}`]);
    });
  }
});

describe("MailServer Cloudflare PTR", () => {
  const IPV6 = "2001:db8::25";
  const V4_REVERSE = "7.2.0.192.in-addr.arpa";
  const V6_REVERSE = `${"20010db8000000000000000000000025".split("").reverse().join(".")}.ip6.arpa`;

  const ptrRegs = (regs: readonly Registration[], prefix: string) =>
    regs
      .filter((r) => r.type === CLOUDFLARE_RECORD && r.inputs.type === "PTR")
      .filter((r) => r.name.startsWith(`${prefix}-`))
      .map((r) => {
        const i = unwrap(r.inputs) as Record<string, unknown>;
        return {
          name: r.name,
          zoneId: i.zoneId,
          record: i.name,
          type: i.type,
          content: i.content,
          proxied: i.proxied,
        };
      })
      .sort((a, b) => (a.name < b.name ? -1 : 1));

  it("one PTR per family in its reverse zone, naming the host", async () => {
    const b = await build(
      { ...BASE, ipv6: IPV6, ptr: { kind: "cloudflare", zoneId: "rev4", ipv6ZoneId: "rev6" } },
      "rev",
    );
    assert.deepEqual(ptrRegs(b.regs, "rev"), [
      {
        name: "rev-ptr-ipv4",
        zoneId: "rev4",
        record: V4_REVERSE,
        type: "PTR",
        content: "mail.example.com",
        proxied: false,
      },
      {
        name: "rev-ptr-ipv6",
        zoneId: "rev6",
        record: V6_REVERSE,
        type: "PTR",
        content: "mail.example.com",
        proxied: false,
      },
    ]);
    assert.equal(child(b, "rev-ptr-ipv4").type, CLOUDFLARE_RECORD);
    assert.deepEqual(await valueOf(b.m.ptr), [
      { ip: "192.0.2.7", name: V4_REVERSE, hostname: "mail.example.com" },
      { ip: IPV6, name: V6_REVERSE, hostname: "mail.example.com" },
    ]);
  });

  it("the same with the addresses given as Outputs", async () => {
    const b = await build(
      {
        ...BASE,
        ipv4: pulumi.output("192.0.2.7"),
        ipv6: pulumi.output(IPV6),
        ptr: { kind: "cloudflare", zoneId: pulumi.output("rev4"), ipv6ZoneId: "rev6" },
      },
      "revout",
    );
    assert.deepEqual(
      ptrRegs(b.regs, "revout").map((p) => `${p.name} ${String(p.zoneId)} ${String(p.record)}`),
      [`revout-ptr-ipv4 rev4 ${V4_REVERSE}`, `revout-ptr-ipv6 rev6 ${V6_REVERSE}`],
    );
    assert.ok(ptrRegs(b.regs, "revout").every((p) => p.content === "mail.example.com"));
  });

  it("without ipv6ZoneId no IPv6 PTR is created; the ptr output still states both", async () => {
    const b = await build(
      { ...BASE, ipv6: IPV6, ptr: { kind: "cloudflare", zoneId: "rev4" } },
      "rev4only",
    );
    assert.deepEqual(
      ptrRegs(b.regs, "rev4only").map((p) => `${p.name} ${String(p.zoneId)} ${String(p.record)}`),
      [`rev4only-ptr-ipv4 rev4 ${V4_REVERSE}`],
    );
    assert.ok(!b.children.has("rev4only-ptr-ipv6"));
    assert.deepEqual(
      (await valueOf(b.m.ptr)).map((p) => `${p.ip} ${p.hostname}`),
      ["192.0.2.7 mail.example.com", `${IPV6} mail.example.com`],
    );
  });
});
