/**
 * Both module systems can use the published package: a CommonJS and an ES module Pulumi program
 * (in subprocesses, against the built `dist/`, resolved by package name through `exports`)
 * construct a `MailServer` under mocks. The CommonJS run also proves the cloud SDKs stay unloaded.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";

const ROOT = join(__dirname, "..", "..");
const EXPECTED = [
  "dms:index:MailServer NAME",
  "docker:index/container:Container NAME-config-writer",
  "docker:index/container:Container NAME-container",
  "docker:index/container:Container NAME-dkim-rotation-guard",
  "docker:index/remoteImage:RemoteImage NAME-image",
  "docker:index/volume:Volume NAME-config",
  "docker:index/volume:Volume NAME-mail-data",
  "docker:index/volume:Volume NAME-mail-logs",
  "docker:index/volume:Volume NAME-mail-state",
  // The salt key also keys the container's recreate label, so it exists even without passwords.
  "random:index/randomPassword:RandomPassword NAME-salt-key",
  "tls:index/privateKey:PrivateKey NAME-dkim-example-com-mail",
];

function runProgram(file: string): Record<string, unknown> {
  assert.ok(
    existsSync(join(ROOT, "dist", "cjs", "index.js")),
    "dist/ is missing: run `npm run build` first",
  );
  const r = spawnSync(process.execPath, [join(__dirname, file)], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  // A failed apply (say, a DKIM key that does not parse) is logged, not thrown: nothing may be.
  assert.equal(r.stderr, "");
  const last = r.stdout.trim().split("\n").pop()!;
  return JSON.parse(last) as Record<string, unknown>;
}

describe("module formats", () => {
  it("a CommonJS program requires the package and constructs a MailServer", () => {
    const out = runProgram("program.cjs");
    assert.deepEqual(out, {
      format: "cjs",
      types: EXPECTED.map((t) => t.replace(/NAME/g, "cjs")).sort(),
      cloudSdkLoaded: false,
      yamlLoaded: false,
      previewParserLoaded: false,
    });
  });
  it("an ES module program imports it (named imports) and constructs a MailServer", () => {
    const out = runProgram("program.mjs");
    assert.deepEqual(out, {
      format: "esm",
      token: "dms:index:MailServer",
      types: EXPECTED.map((t) => t.replace(/NAME/g, "esm")).sort(),
    });
  });
});
