/**
 * Delegated DMARC and DKIM (`dmarc.cname`, `dkim.cname`): the plan publishes the CNAME instead of
 * the TXT for every DNS provider, docker-mailserver does not sign a delegated selector (no key is
 * generated, adopted or written, no signing table names it), and retiring selectors keep their
 * own keys.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planMailServer } from "../../src/plan/plan";
import { renderZoneFiles } from "../../src/plan/render";
import { validateSpec } from "../../src/spec/validate";
import type { MailServerSpec, MailServerSpecInput } from "../../src/spec/schema";
import type { PlanMaterial } from "../../src/spec/material";
import { dkimPublicKeyBase64 } from "../../src/records/policies";
import { resolveDkimKeys } from "../../src/cli/secrets";
import { cloudflareValue, readCloudflareValues } from "../../src/providers/dns/cloudflare/values";
import { readRoute53Values, route53Value } from "../../src/providers/dns/route53/values";
import { route53Adapter } from "../../src/providers/dns/route53";

const HASH = `{SHA512-CRYPT}$6$abcdefghijklmnop$${"A".repeat(43)}${"b".repeat(43)}`;

function spec(input: MailServerSpecInput): MailServerSpec {
  const v = validateSpec(input);
  if (!v.ok) throw new Error(v.findings.map((f) => `${f.path}: ${f.message}`).join("\n"));
  return v.spec;
}

function input(engine: "rspamd" | "opendkim"): MailServerSpecInput {
  return {
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    features: engine === "rspamd" ? { rspamd: true } : { rspamd: false },
    domains: [
      {
        name: "example.com",
        dmarc: { cname: "Example.com._dmarc.Provider.net" },
        dkim: { selector: "s1", cname: "s1.example-com.dkim.sender.example.", retiring: ["mail"] },
      },
      { name: "example.org", dkim: { selector: "mail" } },
    ],
    accounts: [{ address: "a@example.com", passwordHash: HASH }],
  };
}

const pem = () =>
  generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;

function material(): PlanMaterial {
  const org = pem();
  const retired = pem();
  return {
    passwordHashes: new Map([["a@example.com", HASH]]),
    // A key for the delegated domain too: the plan must not use it for the delegated selector.
    dkimKeys: new Map([
      ["example.org", { privateKeyPem: org, publicKeyBase64: dkimPublicKeyBase64(org) }],
      ["example.com", { privateKeyPem: retired, publicKeyBase64: dkimPublicKeyBase64(retired) }],
    ]),
    retiringDkimKeys: new Map([
      [
        "example.com/mail",
        { privateKeyPem: retired, publicKeyBase64: dkimPublicKeyBase64(retired) },
      ],
    ]),
  };
}

test("the plan publishes the delegation CNAMEs (lowercase, absolute) instead of the TXT records", () => {
  const plan = planMailServer(spec(input("rspamd")), material());
  const rows = plan.records
    .filter((r) => r.purpose === "dkim" || r.purpose === "dmarc")
    .map((r) => `${r.name} ${r.type} ${r.purpose} ${r.values.join(" | ").slice(0, 40)}`);
  assert.deepEqual(rows, [
    "_dmarc.example.com CNAME dmarc example.com._dmarc.provider.net.",
    "mail._domainkey.example.com TXT dkim v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQ",
    "s1._domainkey.example.com CNAME dkim s1.example-com.dkim.sender.example.",
    "_dmarc.example.org TXT dmarc v=DMARC1; p=none",
    "mail._domainkey.example.org TXT dkim v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQ",
  ]);
  // No name holds a CNAME and anything else.
  const byName = new Map<string, string[]>();
  for (const r of plan.records) byName.set(r.name, [...(byName.get(r.name) ?? []), r.type]);
  for (const [name, types] of byName) {
    if (types.includes("CNAME")) assert.deepEqual(types, ["CNAME"], name);
  }
  const zone = renderZoneFiles(plan).find((z) => z.zone === "example.com")!.text;
  assert.match(zone, /^_dmarc\s+3600 IN CNAME example\.com\._dmarc\.provider\.net\.$/m);
  assert.match(zone, /^s1\._domainkey\s+3600 IN CNAME s1\.example-com\.dkim\.sender\.example\.$/m);
  assert.doesNotMatch(zone, /^_dmarc\s.*TXT/m);
});

test("rspamd signs only the local selector; the retiring key stays, the delegated one has none", () => {
  const plan = planMailServer(spec(input("rspamd")), material());
  const conf = plan.files.find((f) => f.path === "rspamd/override.d/dkim_signing.conf")!.content;
  assert.match(conf, /example\.org \{/);
  assert.doesNotMatch(conf, /example\.com \{/);
  assert.doesNotMatch(conf, /selector = "s1"/);
  const keys = plan.files.map((f) => f.path).filter((p) => p.startsWith("rspamd/dkim/"));
  assert.deepEqual(keys, [
    "rspamd/dkim/rsa-2048-mail-example.com.private.txt",
    "rspamd/dkim/rsa-2048-mail-example.com.public.dns.txt",
    "rspamd/dkim/rsa-2048-mail-example.com.public.txt",
    "rspamd/dkim/rsa-2048-mail-example.org.private.txt",
    "rspamd/dkim/rsa-2048-mail-example.org.public.dns.txt",
    "rspamd/dkim/rsa-2048-mail-example.org.public.txt",
  ]);
});

test("OpenDKIM's tables name only the local selector", () => {
  const plan = planMailServer(spec(input("opendkim")), material());
  const file = (p: string) => plan.files.find((f) => f.path === p)?.content;
  assert.equal(file("opendkim/SigningTable"), "*@example.org mail._domainkey.example.org\n");
  assert.equal(
    file("opendkim/KeyTable"),
    "mail._domainkey.example.org example.org:mail:/etc/opendkim/keys/example.org/mail.private\n",
  );
  assert.ok(!plan.files.some((f) => f.path.startsWith("opendkim/keys/example.com/s1")));
});

test("a spec whose only DKIM selector is delegated writes no signing configuration", () => {
  const only = spec({
    hostname: "mail.example.com",
    domains: [{ name: "example.com", dkim: { selector: "s1", cname: "s1.dkim.sender.example" } }],
    accounts: [{ address: "a@example.com", passwordHash: HASH }],
  });
  for (const rspamd of [true, false]) {
    const plan = planMailServer(
      { ...only, features: { ...only.features, rspamd } },
      { passwordHashes: new Map([["a@example.com", HASH]]), dkimKeys: new Map() },
    );
    assert.deepEqual(
      plan.files.map((f) => f.path).filter((p) => /dkim/i.test(p)),
      [],
      `rspamd ${rspamd}`,
    );
    // No placeholder: nothing is generated at deploy for a delegated selector.
    assert.ok(!plan.warnings.some((w) => w.id === "dkim-generated-at-deploy"));
  }
});

test("dmsctl generates and adopts no key for a delegated selector", () => {
  const dir = mkdtempSync(join(tmpdir(), "dkim-delegated-"));
  try {
    const s = spec(input("rspamd"));
    const got = resolveDkimKeys(s, { specDir: dir, configDir: dir, generateMissing: true });
    assert.deepEqual([...got.dkimKeys.keys()], ["example.org"]);
    assert.deepEqual(got.generatedDkim, ["example.org"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Cloudflare and Route53 carry the CNAME target and read it back unchanged", () => {
  const plan = planMailServer(spec(input("rspamd")), material());
  for (const r of plan.records.filter((x) => x.type === "CNAME")) {
    const v = r.values[0]!;
    const cf = cloudflareValue("CNAME", v);
    assert.equal(cf.content, v.replace(/\.$/, ""));
    assert.deepEqual(readCloudflareValues("CNAME", { content: cf.content! }), [v]);
    const r53 = route53Value("CNAME", v);
    assert.deepEqual(readRoute53Values("CNAME", { records: [r53] }), [v]);
  }
  // Route53's audit has nothing against CNAMEs below the apex.
  assert.deepEqual(route53Adapter.audit(plan.records), []);
});
