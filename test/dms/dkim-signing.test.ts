// The signing-selector readers and the one-step refusal (src/dms/dkim-signing.ts), shared by
// `dmsctl plan --out` and the components' rotation guard. Properties run on generated domains and
// selectors with a fixed seed, over the files the planner itself writes for both engines, so the
// readers are checked against the writer rather than against hand-written samples.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import fc from "fast-check";
import { planDmsFiles } from "../../src/dms";
import { isDkimKeyFile } from "../../src/dms/files";
import {
  EMPTY_SHA256,
  RSPAMD_SIGNING_FILE,
  SIGNING_TABLE_FILE,
  keyFilesOf,
  publicKeyFingerprint,
  retiringKeyProblems,
  oneStepSwitch,
  oneStepSwitches,
  selectorFromRspamdSigning,
  selectorFromSigningTable,
  signingFilesFromListing,
  signingFilesScript,
  signingSelector,
  type SigningFiles,
} from "../../src/dms/dkim-signing";
import type { MailServerSpecInput } from "../../src/spec/schema";
import { dkimPublicKeyBase64 } from "../../src/records/policies";
import { keyPem, parse } from "./fixtures";

const RUNS = { numRuns: 100, seed: 20261130 };
/** Fewer runs where each spawns a shell. */
const SHELL_RUNS = { numRuns: 25, seed: 20261130 };
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

function planned(input: MailServerSpecInput) {
  const spec = parse(input);
  const keys = new Map(
    spec.domains.map((d) => [
      d.name,
      { privateKeyPem: PEM, publicKeyBase64: dkimPublicKeyBase64(PEM) },
    ]),
  );
  return planDmsFiles(spec, { passwordHashes: new Map(), dkimKeys: keys });
}

function files(input: MailServerSpecInput): SigningFiles {
  const all = planned(input);
  const get = (path: string) => all.find((f) => f.path === path)?.content;
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

/** Writes the planned config files under a fresh directory and runs the listing script on it. */
function listing(input: MailServerSpecInput): string {
  const dir = mkdtempSync(join(tmpdir(), "dkim-listing-"));
  try {
    for (const f of planned(input)) {
      mkdirSync(dirname(join(dir, f.path)), { recursive: true });
      writeFileSync(join(dir, f.path), f.content);
    }
    return execFileSync("sh", ["-c", signingFilesScript(dir)], { encoding: "utf8" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Docker's multiplexed log stream without a TTY: an 8-byte header before each write. */
function framed(text: string, perLine: boolean): string {
  const chunks = perLine ? text.split(/(?<=\n)/) : [text];
  return chunks
    .map((c) => {
      const header = Buffer.alloc(8);
      header[0] = 1;
      header.writeUInt32BE(Buffer.byteLength(c), 4);
      // The provider's string: bytes as UTF-8, an invalid byte replaced.
      return Buffer.concat([header, Buffer.from(c)]).toString("utf8");
    })
    .join("");
}

describe("the guard's listing (signingFilesScript, signingFilesFromListing)", () => {
  it("run by sh on the planner's files, reads back every selector and no key path", () => {
    fc.assert(
      fc.property(
        domains,
        fc.array(label, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        (names, selectors, rspamd) => {
          const input = specInput(names, selectors, rspamd);
          const out = listing(input);
          assert.doesNotMatch(out, /path\s*=|PRIVATE|BEGIN/);
          const read = signingFilesFromListing(out);
          names.forEach((name, i) => {
            assert.equal(signingSelector(read, name), selectors[i % selectors.length]);
          });
          // The same bytes behind Docker's frame headers, one frame per line or one for all,
          // and with a TTY's CRLF.
          for (const logs of [framed(out, true), framed(out, false), out.replace(/\n/g, "\r\n")]) {
            assert.deepEqual(signingFilesFromListing(logs), read);
          }
        },
      ),
      SHELL_RUNS,
    );
  });

  it("of an empty config directory is complete and empty", () => {
    const dir = mkdtempSync(join(tmpdir(), "dkim-listing-"));
    try {
      const out = execFileSync("sh", ["-c", signingFilesScript(dir)], { encoding: "utf8" });
      assert.deepEqual(signingFilesFromListing(out), {});
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("drops a hand-edited inline key and keeps the selector", () => {
    const dir = mkdtempSync(join(tmpdir(), "dkim-listing-"));
    try {
      mkdirSync(join(dir, "rspamd", "override.d"), { recursive: true });
      writeFileSync(
        join(dir, RSPAMD_SIGNING_FILE),
        'domain {\n  example.org {\n    key = "-----BEGIN PRIVATE KEY-----MIIE";\n    selector = "s9";\n  }\n}\n',
      );
      const out = execFileSync("sh", ["-c", signingFilesScript(dir)], { encoding: "utf8" });
      assert.doesNotMatch(out, /BEGIN|key =/);
      assert.equal(signingSelector(signingFilesFromListing(out), "example.org"), "s9");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a listing cut before its end line", () => {
    assert.throws(
      () => signingFilesFromListing("DMS-DKIM-SIGNING-FILE opendkim/SigningTable\n"),
      /incomplete/,
    );
    assert.throws(() => signingFilesFromListing(""), /incomplete/);
  });
});

describe("retiring keys on the volume (the guard's key lines)", () => {
  const rsa = () => {
    const pem = generateKeyPairSync("rsa", { modulusLength: 1024 })
      .privateKey.export({ type: "pkcs1", format: "pem" })
      .toString();
    return { pem, fp: publicKeyFingerprint(dkimPublicKeyBase64(pem)) };
  };

  it("the script lists every key file, in both layouts, with its public key's SHA-256 (openssl)", () => {
    const dir = mkdtempSync(join(tmpdir(), "dkim-keys-"));
    try {
      const a = rsa();
      const b = rsa();
      const files: Record<string, string> = {
        "opendkim/keys/example.com/s2026a.private": a.pem,
        "rspamd/dkim/rsa-2048-s-2026b-mail.example.com.private.txt": b.pem,
        "opendkim/keys/example.com/broken.private": "not a key\n",
      };
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(dir, path)), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      const out = execFileSync("sh", ["-c", signingFilesScript(dir)], { encoding: "utf8" });
      assert.doesNotMatch(out, /PRIVATE|BEGIN/);
      const keys = signingFilesFromListing(out).keys!;
      assert.deepEqual(
        [...keys].sort(),
        [
          ["opendkim/keys/example.com/broken.private", EMPTY_SHA256],
          ["opendkim/keys/example.com/s2026a.private", a.fp],
          ["rspamd/dkim/rsa-2048-s-2026b-mail.example.com.private.txt", b.fp],
        ].sort(),
      );
      // A selector with a dash, in a subdomain: the Rspamd name is matched whole.
      assert.deepEqual(keyFilesOf(keys, "mail.example.com", "s-2026b"), [
        "rspamd/dkim/rsa-2048-s-2026b-mail.example.com.private.txt",
      ]);
      assert.deepEqual(keyFilesOf(keys, "example.com", "2026b"), []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("finds exactly the files of a domain and selector among generated names (both layouts)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(label, label, fc.boolean()), { minLength: 1, maxLength: 6 }),
        (entries) => {
          const name = ([sel, dom, rspamd]: [string, string, boolean]) =>
            rspamd
              ? `rspamd/dkim/rsa-2048-${sel}-${dom}.example.private.txt`
              : `opendkim/keys/${dom}.example/${sel}.private`;
          const keys = new Map(entries.map((e) => [name(e), "f".repeat(64)]));
          for (const [sel, dom] of entries) {
            const expected = entries
              .filter(([s2, d2, r2]) =>
                r2 ? `${s2}-${d2}` === `${sel}-${dom}` : s2 === sel && d2 === dom,
              )
              .map(name)
              .sort();
            assert.deepEqual(keyFilesOf(keys, `${dom}.example`, sel).sort(), expected);
          }
        },
      ),
      { numRuns: 200, seed: 20261130 },
    );
  });

  it("reports a missing key and another key, and passes the key that signed", () => {
    const spec = parse({
      hostname: "mail.example.com",
      domains: [{ name: "example.com", dkim: { selector: "s2026b", retiring: ["s2026a"] } }],
    });
    const held = new Map([["example.com/s2026a", "a".repeat(64)]]);
    const on = (fp: string) => ({
      keys: new Map([["opendkim/keys/example.com/s2026a.private", fp]]),
    });
    assert.deepEqual(retiringKeyProblems(spec, on("a".repeat(64)), held), []);
    assert.deepEqual(
      retiringKeyProblems(spec, on("b".repeat(64)), held).map((f) => f.id),
      ["dkim-retiring-key-mismatch"],
    );
    assert.deepEqual(
      retiringKeyProblems(spec, {}, held).map((f) => `${f.id} ${f.path}`),
      ["dkim-retiring-key-missing domains[0].dkim.retiring[0]"],
    );
    // A selector the component holds no key for (not this check's business) is skipped.
    assert.deepEqual(retiringKeyProblems(spec, {}, new Map()), []);
  });
});

describe("isDkimKeyFile (the one reader of DMS's key layouts)", () => {
  it("tells selector b from selector a-b in Rspamd's names, which end in the domain", () => {
    const file = "rspamd/dkim/rsa-2048-a-b-example.com.private.txt";
    assert.equal(isDkimKeyFile(file, "example.com", "a-b"), true);
    assert.equal(isDkimKeyFile(file, "example.com", "b"), false);
    assert.equal(isDkimKeyFile(file, "b-example.com", "a"), true);
    assert.equal(isDkimKeyFile("opendkim/keys/example.com/b.private", "example.com", "b"), true);
    assert.equal(isDkimKeyFile("opendkim/keys/example.com/b.txt", "example.com", "b"), false);
  });
});
