/**
 * DKIM rotation through `dmsctl plan --out`, with both DKIM engines' layouts: the folder keeps
 * every selector's key; a retiring selector stays published with its own key and never signs; a
 * switch whose previous selector is not retiring is refused with the two-step explanation; the
 * order to apply a rotation is printed as steps; removing a retiring selector removes its record
 * and key.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { stringify } from "yaml";
import { runDmsctl } from "../helpers/cli";
import { dkimPublicKeyBase64 } from "../../src/records/policies";

const HASH = "{SHA512-CRYPT}$6$abcdefgh$" + "x".repeat(86);

function spec(dkim: object, rspamd: boolean): string {
  return stringify({
    hostname: "mail.example.com",
    ipv4: "192.0.2.10",
    features: { rspamd },
    domains: [{ name: "example.com", dkim }],
    accounts: [{ address: "postmaster@example.com", passwordHash: HASH }],
  });
}

/** The `p=` values published per selector, read from the written zone file. */
function published(out: string): Record<string, string> {
  const zone = readFileSync(join(out, "zones", "example.com.zone"), "utf8");
  const found: Record<string, string> = {};
  for (const m of zone.matchAll(/^(\S+)\._domainkey\s.*?TXT\s+(.*)$/gm)) {
    const text = m[2]!.replace(/"\s*"/g, "").replace(/"/g, "");
    found[m[1]!] = /p=([A-Za-z0-9+/=]+)/.exec(text)![1]!;
  }
  return found;
}

function keyFile(out: string, selector: string, rspamd: boolean): string | undefined {
  const config = join(out, "config");
  if (!rspamd) {
    const p = join(config, "opendkim", "keys", "example.com", `${selector}.private`);
    return existsSync(p) ? p : undefined;
  }
  const dir = join(config, "rspamd", "dkim");
  const f = readdirSync(dir).find((n) => n.endsWith(`-${selector}-example.com.private.txt`));
  return f === undefined ? undefined : join(dir, f);
}

/** The selectors the signing configuration names. */
function signing(out: string, rspamd: boolean): string[] {
  const config = join(out, "config");
  if (rspamd) {
    const conf = readFileSync(join(config, "rspamd", "override.d", "dkim_signing.conf"), "utf8");
    return [...conf.matchAll(/selector = "([^"]+)"/g)].map((m) => m[1]!);
  }
  const table = readFileSync(join(config, "opendkim", "SigningTable"), "utf8");
  const keys = readFileSync(join(config, "opendkim", "KeyTable"), "utf8");
  const fromTable = [...table.matchAll(/ (\S+)\._domainkey\./g)].map((m) => m[1]!);
  const fromKeys = [...keys.matchAll(/:(\S+):\/etc\/opendkim/g)].map((m) => m[1]!);
  assert.deepEqual(fromKeys, fromTable);
  return fromTable;
}

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

for (const rspamd of [true, false]) {
  describe(`rotation with ${rspamd ? "rspamd" : "OpenDKIM"}`, () => {
    const dir = mkdtempSync(join(tmpdir(), "dms-rotation-"));
    dirs.push(dir);
    const out = join(dir, "out");
    const specPath = join(dir, "mailserver.yaml");
    const plan = async (dkim: object) => {
      writeFileSync(specPath, spec(dkim, rspamd));
      return runDmsctl(["plan", specPath, "--out", out, "--format", "zone"]);
    };
    let firstKey = "";

    test("1. s2026a signs: its key is generated and kept", async () => {
      const run = await plan({ selector: "s2026a" });
      assert.equal(run.code, 0, run.stderr);
      const file = keyFile(out, "s2026a", rspamd)!;
      firstKey = readFileSync(file, "utf8");
      assert.deepEqual(published(out), { s2026a: dkimPublicKeyBase64(firstKey) });
      assert.deepEqual(signing(out, rspamd), ["s2026a"]);
    });

    test("a switch to s2026b without retiring s2026a is refused, explaining the two steps", async () => {
      const run = await plan({ selector: "s2026b" });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /dkim-rotation-one-step.*domains\[0\]\.dkim\.selector: changes from "s2026a" to "s2026b" with "s2026a" not in retiring/,
      );
      assert.match(run.stderr, /first set retiring: \["s2026a"\], remove it after the overlap/);
      // Nothing was written: the folder still signs with s2026a.
      assert.deepEqual(signing(out, rspamd), ["s2026a"]);
      assert.equal(keyFile(out, "s2026b", rspamd), undefined);
    });

    test("a retiring selector that never signed is refused", async () => {
      const run = await plan({ selector: "s2026a", retiring: ["s2025z"] });
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        /dkim-retiring-key-missing.*domains\[0\]\.dkim\.retiring\[0\]: is "s2025z", but the --out folder holds no key/,
      );
    });

    test("2. s2026b signs, s2026a retires: both published with their own keys, only s2026b signs; steps printed", async () => {
      const run = await plan({ selector: "s2026b", retiring: ["s2026a"] });
      assert.equal(run.code, 0, run.stderr);
      const newKey = readFileSync(keyFile(out, "s2026b", rspamd)!, "utf8");
      assert.equal(readFileSync(keyFile(out, "s2026a", rspamd)!, "utf8"), firstKey);
      assert.notEqual(newKey, firstKey);
      assert.deepEqual(published(out), {
        s2026a: dkimPublicKeyBase64(firstKey),
        s2026b: dkimPublicKeyBase64(newKey),
      });
      assert.deepEqual(signing(out, rspamd), ["s2026b"]);
      const steps = run.stderr.slice(run.stderr.indexOf("DKIM rotation"));
      assert.match(
        steps,
        /^DKIM rotation for example\.com: s2026a -> s2026b\. Apply in this order:\n/,
      );
      const order = [
        "1. Publish s2026b._domainkey.example.com",
        "2. Wait until every authoritative server",
        "3. Run docker compose up -d",
        "4. After the overlap",
      ];
      const at = order.map((s) => steps.indexOf(s));
      assert.ok(
        at.every((i, k) => i > 0 && (k === 0 || i > at[k - 1]!)),
        steps,
      );
      // The same change again is no new rotation: no steps.
      const again = await plan({ selector: "s2026b", retiring: ["s2026a"] });
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stderr, /DKIM rotation/);
    });

    test("3. s2026a removed from retiring: its record and key go", async () => {
      const run = await plan({ selector: "s2026b" });
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(Object.keys(published(out)), ["s2026b"]);
      assert.equal(keyFile(out, "s2026a", rspamd), undefined);
      assert.deepEqual(signing(out, rspamd), ["s2026b"]);
    });
  });
}
