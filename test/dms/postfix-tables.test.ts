/**
 * The Postfix files, read by real Postfix tools (Debian's postfix package): `postmap -q` on
 * `postfix-virtual.cf` as the `texthash:` table DMS loads it as, `postalias` on
 * `postfix-aliases.cf`, and `postconf -n` on `postfix-main.cf`.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it, type TestContext } from "node:test";
import { planDmsFiles } from "../../src/dms";
import { BARE, RICH, material, parse } from "./fixtures";
import { requireTool } from "./tools";

const POSTMAP = "/usr/sbin/postmap";
const POSTALIAS = "/usr/sbin/postalias";
const POSTCONF = "/usr/sbin/postconf";

function withDir(t: TestContext, run: (dir: string) => void): void {
  if (!requireTool(t, POSTCONF, ["-d", "mail_version"])) return;
  const dir = mkdtempSync(join(tmpdir(), "dms-postfix-"));
  try {
    // The tools insist on a main.cf; an empty one gives Postfix's defaults.
    writeFileSync(join(dir, "main.cf"), "");
    writeFileSync(join(dir, "master.cf"), "");
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function tool(cmd: string, args: readonly string[]): { status: number | null; out: string } {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
}

function content(input: typeof RICH, path: string): string {
  const spec = parse(input);
  return planDmsFiles(spec, material(spec)).find((f) => f.path === path)!.content;
}

describe("Postfix reads the planned tables", () => {
  it("postmap -q resolves every virtual key to its targets, catch-all included", (t) =>
    withDir(t, (dir) => {
      const table = join(dir, "postfix-virtual.cf");
      writeFileSync(table, content(RICH, "postfix-virtual.cf"));
      const q = (key: string) => tool(POSTMAP, ["-c", dir, "-q", key, `texthash:${table}`]);
      assert.deepEqual(q("sales@example.org"), {
        status: 0,
        out: "alice@example.org,bob@example.org\n",
      });
      assert.deepEqual(q("carol@example.net"), { status: 0, out: "carol@example.net\n" });
      assert.deepEqual(q("@example.net"), { status: 0, out: "carol@example.net\n" });
      assert.deepEqual(q("noreply@example.org"), { status: 0, out: "devnull@localhost\n" });
      assert.deepEqual(q("postmaster@example.net"), { status: 0, out: "alice@example.org\n" });
      assert.deepEqual(q("alice@example.org"), { status: 1, out: "" });
    }));

  it("postalias maps the devnull alias to /dev/null", (t) =>
    withDir(t, (dir) => {
      const table = join(dir, "aliases");
      writeFileSync(table, content(RICH, "postfix-aliases.cf"));
      assert.equal(tool(POSTALIAS, ["-c", dir, table]).status, 0);
      assert.deepEqual(tool(POSTALIAS, ["-c", dir, "-q", "devnull", `hash:${table}`]), {
        status: 0,
        out: "/dev/null\n",
      });
    }));

  it("postconf -n reads the bare-domain mydestination override and the user's lines after it", (t) =>
    withDir(t, (dir) => {
      writeFileSync(join(dir, "main.cf"), content(BARE, "postfix-main.cf"));
      assert.deepEqual(tool(POSTCONF, ["-c", dir, "-n", "mydestination", "smtpd_helo_required"]), {
        status: 0,
        out: "mydestination = localhost.$mydomain, localhost\nsmtpd_helo_required = yes\n",
      });
    }));
});
