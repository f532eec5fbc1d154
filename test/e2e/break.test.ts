/**
 * The e2e suite's deliberate breaks (./break.ts) change exactly what they name, and nothing when
 * `DMS_E2E_BREAK` is unset: the normal run reads the files as planned.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BREAKS, breakFile, requestedBreaks } from "./break";

const GOLDEN = join(__dirname, "..", "golden", "dms");
const golden = (spec: string, path: string) =>
  readFileSync(join(GOLDEN, spec, "config", path), "utf8");

test("DMS_E2E_BREAK: unset is no break, a known list is read, an unknown name is an error", () => {
  assert.deepEqual(requestedBreaks({}), []);
  assert.deepEqual(requestedBreaks({ DMS_E2E_BREAK: " " }), []);
  assert.deepEqual(requestedBreaks({ DMS_E2E_BREAK: "dkim-key-path, accounts-separator" }), [
    "dkim-key-path",
    "accounts-separator",
  ]);
  assert.throws(() => requestedBreaks({ DMS_E2E_BREAK: "accounts" }), /unknown accounts/);
});

test("accounts-separator turns every account line's first | into :", () => {
  const before = golden("rich-rspamd", "postfix-accounts.cf");
  const after = breakFile("postfix-accounts.cf", before, ["accounts-separator"]);
  const lines = after.trimEnd().split("\n");
  assert.equal(lines.length, before.trimEnd().split("\n").length);
  for (const l of lines) assert.match(l, /^[^|:]+@[^|:]+:\{SHA512-CRYPT\}/);
  assert.equal(after.replace(/:\{SHA/g, "|{SHA"), before);
});

test("dkim-key-path moves every signer key path, rspamd's and OpenDKIM's", () => {
  const conf = golden("rich-rspamd", "rspamd/override.d/dkim_signing.conf");
  const brokenConf = breakFile("rspamd/override.d/dkim_signing.conf", conf, ["dkim-key-path"]);
  assert.equal(brokenConf.match(/rspamd\/dkim-broken\//g)?.length, conf.match(/path = /g)?.length);
  const table = golden("rich-opendkim", "opendkim/KeyTable");
  const brokenTable = breakFile("opendkim/KeyTable", table, ["dkim-key-path"]);
  assert.equal(brokenTable.match(/keys-broken\//g)?.length, table.trimEnd().split("\n").length);
});

test("each break leaves every other file as it was", () => {
  const accounts = golden("rich-rspamd", "postfix-accounts.cf");
  for (const b of BREAKS) {
    assert.equal(breakFile("postfix-virtual.cf", "a@x b@x\n", [b]), "a@x b@x\n");
  }
  assert.equal(breakFile("postfix-accounts.cf", accounts, ["dkim-key-path"]), accounts);
});
