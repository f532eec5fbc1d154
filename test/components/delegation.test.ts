/**
 * The components with delegated DMARC and DKIM (`dmarc.cname`, `dkim.cname`), under Pulumi's
 * mocks: they register the CNAME records through the zone's adapter (Cloudflare, Route53) instead
 * of the TXT records, and no DKIM private key for the delegated selector.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  componentsUnderMocks,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
} from "./harness";

// Loaded after the mocks are installed, as Pulumi requires.
const { MailServer, MailDomain } = componentsUnderMocks();

const settle = async () => {
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
};

describe("delegated DMARC and DKIM in the components", () => {
  it("MailDomain on Cloudflare registers the CNAMEs and no DKIM key", async () => {
    resetRegistrations();
    const d = new MailDomain("dom", {
      hostname: "mx.provider.example",
      ipv4: "198.51.100.25",
      domain: {
        name: "example.net",
        dns: { provider: "cloudflare", zoneId: "z" },
        dmarc: { cname: "example.net._dmarc.dmarc-provider.example." },
        dkim: { selector: "s1", cname: "s1.example-net.dkim.sender.example" },
      },
    });
    const records = await valueOf(d.records);
    assert.deepEqual(
      records.map((r) => `${r.name} ${r.type} ${r.values.join(",")}`),
      [
        "_dmarc.example.net CNAME example.net._dmarc.dmarc-provider.example.",
        "example.net MX 10 mx.provider.example.",
        "example.net TXT v=spf1 mx ip4:198.51.100.25 -all",
        "s1._domainkey.example.net CNAME s1.example-net.dkim.sender.example.",
      ],
    );
    assert.equal(await valueOf(d.dkimPrivateKeyPem), undefined);
    await settle();
    const mine = registrations.filter((r) => r.name.startsWith("dom"));
    assert.ok(!mine.some((r) => r.type === "tls:index/privateKey:PrivateKey"));
    const cnames = mine
      .filter((r) => r.inputs.type === "CNAME")
      .map((r) => [r.name, unwrap(r.inputs.name), unwrap(r.inputs.content)]);
    assert.deepEqual(cnames.sort(), [
      [
        "dom-cname-dmarc-example-net",
        "_dmarc.example.net",
        "example.net._dmarc.dmarc-provider.example",
      ],
      [
        "dom-cname-s1-domainkey-example-net",
        "s1._domainkey.example.net",
        "s1.example-net.dkim.sender.example",
      ],
    ]);
  });

  it("MailServer on Route53 publishes the CNAMEs, signs the other domain only", async () => {
    resetRegistrations();
    const m = new MailServer("mail", {
      hostname: "mail.example.com",
      ipv4: "192.0.2.7",
      domains: [
        { name: "example.com", dns: { provider: "route53", zoneId: "Z1" } },
        {
          name: "example.net",
          dns: { provider: "route53", zoneId: "Z2" },
          dmarc: { cname: "example.net._dmarc.dmarc-provider.example" },
          dkim: { selector: "s1", cname: "s1.example-net.dkim.sender.example." },
        },
      ],
      accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
    });
    await Promise.all([valueOf(m.records), valueOf(m.recreateHash)]);
    await settle();
    const cnames = registrations
      .filter((r) => r.type === "aws:route53/record:Record" && r.inputs.type === "CNAME")
      .map((r) => [unwrap(r.inputs.name), unwrap(r.inputs.records)]);
    assert.deepEqual(cnames.sort(), [
      ["_dmarc.example.net", ["example.net._dmarc.dmarc-provider.example."]],
      ["s1._domainkey.example.net", ["s1.example-net.dkim.sender.example."]],
    ]);
    const keys = registrations
      .filter((r) => r.type === "tls:index/privateKey:PrivateKey")
      .map((r) => r.name);
    assert.deepEqual(keys, ["mail-dkim-example-com-mail"]);
    assert.ok(
      !registrations.some(
        (r) =>
          r.type === "aws:route53/record:Record" &&
          r.inputs.name === "_dmarc.example.net" &&
          r.inputs.type === "TXT",
      ),
    );
  });
});
