/**
 * DNS adapters, pure parts: wire formats per provider, child names, audits.
 */
import { requireOptionalPeer } from "../../src/providers/optional-peer";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cloudflareValue, cloudflareAdapter } from "../../src/providers/dns/cloudflare";
import { route53Value, route53Adapter } from "../../src/providers/dns/route53";
import { zonefileAdapter } from "../../src/providers/dns/zonefile";
import { recordSetChildName, recordValueChildName, slug } from "../../src/providers/dns/common";
import type { DnsRecord } from "../../src/records/types";

const rec = (over: Partial<DnsRecord>): DnsRecord => ({
  zone: "example.com",
  name: "example.com",
  type: "TXT",
  ttl: 3600,
  values: ["v=spf1 mx -all"],
  purpose: "spf",
  domain: "example.com",
  ...over,
});

describe("cloudflareValue", () => {
  const cases: [DnsRecord["type"], string, ReturnType<typeof cloudflareValue>][] = [
    ["A", "192.0.2.7", { content: "192.0.2.7" }],
    ["AAAA", "2001:db8::7", { content: "2001:db8::7" }],
    ["MX", "10 mail.example.com.", { content: "mail.example.com", priority: 10 }],
    ["TXT", "v=spf1 mx -all", { content: '"v=spf1 mx -all"' }],
    ["TXT", 'say "hi"', { content: '"say \\"hi\\""' }],
    ["CNAME", "mail.example.com.", { content: "mail.example.com" }],
    ["PTR", "mail.example.com.", { content: "mail.example.com" }],
    [
      "SRV",
      "0 1 993 mail.example.com.",
      { priority: 0, data: { priority: 0, weight: 1, port: 993, target: "mail.example.com" } },
    ],
    ["SRV", "0 0 0 .", { priority: 0, data: { priority: 0, weight: 0, port: 0, target: "." } }],
    [
      "CAA",
      '0 issue "letsencrypt.org"',
      { data: { flags: 0, tag: "issue", value: "letsencrypt.org" } },
    ],
    [
      "CAA",
      '0 iodef "mailto:security@example.com"',
      { data: { flags: 0, tag: "iodef", value: "mailto:security@example.com" } },
    ],
  ];
  for (const [type, value, want] of cases) {
    it(`${type} ${value}`, () => assert.deepEqual(cloudflareValue(type, value), want));
  }

  it("splits a TXT value over 255 bytes into quoted strings", () => {
    const v = `v=DKIM1; k=rsa; p=${"A".repeat(400)}`;
    const { content } = cloudflareValue("TXT", v);
    assert.equal(content, `"${v.slice(0, 255)}" "${v.slice(255)}"`);
  });
});

describe("route53Value", () => {
  it("leaves a short TXT value as one string (the provider adds the quotes)", () => {
    assert.equal(route53Value("TXT", "v=spf1 mx -all"), "v=spf1 mx -all");
  });
  it('splits a TXT value over 255 bytes with "" between strings', () => {
    const v = `v=DKIM1; k=rsa; p=${"B".repeat(500)}`;
    assert.equal(
      route53Value("TXT", v),
      `${v.slice(0, 255)}""${v.slice(255, 510)}""${v.slice(510)}`,
    );
  });
  it("escapes quotes and backslashes in TXT", () => {
    assert.equal(route53Value("TXT", 'a"b\\c'), 'a\\"b\\\\c');
  });
  it("keeps other types in presentation form", () => {
    assert.equal(route53Value("MX", "10 mail.example.com."), "10 mail.example.com.");
    assert.equal(route53Value("CAA", '0 issue "letsencrypt.org"'), '0 issue "letsencrypt.org"');
  });
});

describe("child names", () => {
  it("derive from the component name and the record identity", () => {
    assert.equal(recordSetChildName("mail", rec({ type: "MX" })), "mail-mx-example-com");
    assert.equal(
      recordSetChildName("mail", rec({ name: "mail._domainkey.example.com" })),
      "mail-txt-mail-domainkey-example-com",
    );
  });
  it("key MX/SRV/CAA values by their text, others by position", () => {
    const caa = rec({ type: "CAA", values: ['0 issue "a.example"', '0 issue "b.example"'] });
    assert.equal(
      recordValueChildName("m", caa, 1, '0 issue "b.example"'),
      "m-caa-example-com-0-issue-b-example",
    );
    assert.equal(recordValueChildName("m", rec({}), 0, "v=spf1 mx -all"), "m-txt-example-com");
    assert.equal(recordValueChildName("m", rec({}), 1, "x"), "m-txt-example-com-2");
  });
  it("slug keeps a-z0-9 and single dashes", () => {
    assert.equal(slug("_Mail._domainkey.Example.com."), "mail-domainkey-example-com");
  });
});

describe("adapters", () => {
  it("the zone-file adapter creates no resources", () => {
    const bindings = [{ record: rec({}), values: ["v=spf1 mx -all"] }];
    assert.deepEqual(zonefileAdapter.createRecords(bindings, { name: "x", opts: {} }), []);
  });
  it("Cloudflare audits TTLs above 86400", () => {
    assert.deepEqual(cloudflareAdapter.audit([rec({ ttl: 604800 })]), [
      {
        id: "dns-ttl-range",
        level: "error",
        path: "domains",
        message: "example.com TXT: cloudflare accepts TTLs from 60 to 86400 seconds, got 604800",
        remediation: "Set the domain's ttl within 60..86400.",
      },
    ]);
    assert.deepEqual(cloudflareAdapter.audit([rec({})]), []);
  });
  it("Route53 refuses a CNAME at the apex", () => {
    assert.deepEqual(
      route53Adapter.audit([rec({ type: "CNAME", values: ["x.example.net."] })]).map((f) => f.id),
      ["dns-cname-apex"],
    );
  });
});

describe("optional peer dependencies", () => {
  it("a missing peer names what needed it and how to install it", () => {
    assert.throws(
      () => requireOptionalPeer("no-such-package-for-this-test", "a zone uses it", "no-such@^1"),
      (e: Error) =>
        e.message.startsWith(
          "a zone uses it but no-such-package-for-this-test is not installed: run `npm install no-such@^1` (Cannot find module",
        ),
    );
  });

  it("an installed peer is the module itself", () => {
    assert.equal(
      requireOptionalPeer<typeof import("@pulumi/cloudflare")>("@pulumi/cloudflare", "x", "y"),
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require("@pulumi/cloudflare"),
    );
  });
});
