// The signing-selector readers and the one-step refusal (src/dms/dkim-signing.ts), shared by
// `dmsctl plan --out` and the components' rotation guard. Properties run on generated domains and
// selectors with a fixed seed, over the files the planner itself writes for both engines, so the
// readers are checked against the writer rather than against hand-written samples.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { planDmsFiles } from "../../src/dms";
import {
  RSPAMD_SIGNING_FILE,
  SIGNING_TABLE_FILE,
  oneStepSwitch,
  oneStepSwitches,
  selectorFromRspamdSigning,
  selectorFromSigningTable,
  signingSelector,
  type SigningFiles,
} from "../../src/dms/dkim-signing";
import type { MailServerSpecInput } from "../../src/spec/schema";
import { dkimPublicKeyBase64 } from "../../src/records/policies";
import { keyPem, parse } from "./fixtures";

const RUNS = { numRuns: 100, seed: 20261130 };
const PEM = keyPem("example.org");

const label = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,10}[a-z0-9])?$/);
/** Distinct domains, some nested in others (`a.example` and `b.a.example`) to catch suffix bugs. */
const domains = fc
  .uniqueArray(fc.array(label, { minLength: 1, maxLength: 2 }), {
    minLength: 1,
    maxLength: 4,
    selector: (parts) => parts.join("."),
  })
  .map((list) => {
    const names = list.map((parts) => `${parts.join(".")}.example`);
    // A subdomain of the first domain, when it is not already listed.
    const nested = `x.${names[0]}`;
    return names.includes(nested) ? names : [...names, nested];
  });

function files(input: MailServerSpecInput): SigningFiles {
  const spec = parse(input);
  const keys = new Map(
    spec.domains.map((d) => [
      d.name,
      { privateKeyPem: PEM, publicKeyBase64: dkimPublicKeyBase64(PEM) },
    ]),
  );
  const planned = planDmsFiles(spec, { passwordHashes: new Map(), dkimKeys: keys });
  const get = (path: string) => planned.find((f) => f.path === path)?.content;
  const signingTable = get(SIGNING_TABLE_FILE);
  const rspamdSigning = get(RSPAMD_SIGNING_FILE);
  return {
    ...(signingTable !== undefined ? { signingTable } : {}),
    ...(rspamdSigning !== undefined ? { rspamdSigning } : {}),
  };
}

function specInput(names: string[], selectors: string[], rspamd: boolean): MailServerSpecInput {
  return {
    hostname: `mail.${names[0]}`,
    domains: names.map((name, i) => ({
      name,
      dkim: { selector: selectors[i % selectors.length]! },
    })),
    features: { rspamd },
  };
}

describe("signing selector readers", () => {
  it("read back every domain's selector from the files the planner writes (both engines)", () => {
    fc.assert(
      fc.property(
        domains,
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (names, selectors, rspamd) => {
          const f = files(specInput(names, selectors, rspamd));
          // Only the active engine's file exists: the other reader must not be what answers.
          assert.equal(f.signingTable !== undefined, !rspamd);
          assert.equal(f.rspamdSigning !== undefined, rspamd);
          names.forEach((name, i) => {
            assert.equal(signingSelector(f, name), selectors[i % selectors.length]);
          });
          assert.equal(signingSelector(f, "unlisted.invalid"), undefined);
        },
      ),
      RUNS,
    );
  });

  it("say nothing for empty or absent files", () => {
    assert.equal(signingSelector({}, "example.org"), undefined);
    assert.equal(selectorFromSigningTable("", "example.org"), undefined);
    assert.equal(selectorFromRspamdSigning("", "example.org"), undefined);
  });

  it("do not take a parent domain's or a sibling's line", () => {
    const table = "*@sub.example.org s1._domainkey.sub.example.org\n";
    assert.equal(selectorFromSigningTable(table, "example.org"), undefined);
    const conf = 'domain {\n  sub.example.org {\n    path = "/k";\n    selector = "s1";\n  }\n}\n';
    assert.equal(selectorFromRspamdSigning(conf, "example.org"), undefined);
    assert.equal(selectorFromRspamdSigning(conf, "sub.example.org"), "s1");
  });
});

describe("oneStepSwitch", () => {
  it("refuses exactly a change whose previous selector is not retiring", () => {
    fc.assert(
      fc.property(
        label,
        fc.option(label, { nil: undefined }),
        fc.uniqueArray(label, { maxLength: 3 }),
        (selector, previous, retiring) => {
          const r = retiring.filter((s) => s !== selector);
          const spec = parse({
            hostname: "mail.example.org",
            domains: [{ name: "example.org", dkim: { selector, retiring: r } }],
          });
          const f = oneStepSwitch(spec, 0, previous);
          const refused = previous !== undefined && previous !== selector && !r.includes(previous);
          assert.equal(f !== undefined, refused);
          if (f !== undefined) {
            assert.equal(f.id, "dkim-rotation-one-step");
            assert.equal(f.level, "error");
            assert.equal(f.path, "domains[0].dkim.selector");
            assert.ok(f.message.includes(JSON.stringify(previous)));
            assert.ok(f.message.includes(JSON.stringify(selector)));
            assert.ok(f.message.includes(`retiring: [${JSON.stringify(previous)}]`));
          }
        },
      ),
      RUNS,
    );
  });

  it("does not refuse a domain whose DKIM is off", () => {
    const spec = parse({
      hostname: "mail.example.org",
      domains: [{ name: "example.org", dkim: { enabled: false, selector: "b" } }],
    });
    assert.equal(oneStepSwitch(spec, 0, "a"), undefined);
  });

  it("names each domain by its index, reading the previous selectors from the files", () => {
    const before = files(specInput(["a.example", "b.example"], ["s1"], true));
    const spec = parse({
      hostname: "mail.a.example",
      domains: [
        { name: "a.example", dkim: { selector: "s2", retiring: ["s1"] } },
        { name: "b.example", dkim: { selector: "s2" } },
      ],
    });
    const found = oneStepSwitches(spec, before);
    assert.deepEqual(
      found.map((f) => f.path),
      ["domains[1].dkim.selector"],
    );
  });
});
