import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { startBind } from "./bind";

const ZONE = `$ORIGIN example.test.
$TTL 300
@ IN SOA ns1.example.test. hostmaster.example.test. 1 3600 600 86400 300
@ IN NS ns1.example.test.
ns1 IN A 127.0.0.1
@ IN MX 10 mail.example.test.
`;

test("the BIND harness serves a zone on loopback and stops", async () => {
  const bind = await startBind({ zones: { "example.test": ZONE } });
  try {
    const out = spawnSync(
      "dig",
      ["+short", "-p", String(bind.port), "@127.0.0.1", "example.test", "MX"],
      {
        encoding: "utf8",
      },
    );
    assert.equal(out.stdout.trim(), "10 mail.example.test.");
  } finally {
    await bind.stop();
  }
});
