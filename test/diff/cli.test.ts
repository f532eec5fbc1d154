import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDmsctl } from "../helpers/cli";
import { resolverAddress } from "../../src/net/resolver-address";
import { planRecords } from "../../src/plan/records";
import { MailServerSpecSchema } from "../../src/spec/schema";
import { bindAvailable, freePort, startBind, type BindServer } from "../servers/bind";
import { assertGolden } from "../helpers/golden";
import { AFTER_INPUT, BEFORE_ZONES, PREVIOUS_INPUT } from "./scenario";

/** Passwords from env vars the diff never needs: it must run without them. */
const ACCOUNTS = [{ address: "alice@example.com", passwordEnv: "ALICE_PASSWORD_NOT_SET" }];
const AFTER = { ...AFTER_INPUT, accounts: ACCOUNTS };
const PREVIOUS = { ...PREVIOUS_INPUT, accounts: ACCOUNTS };
/** A spec whose records the "quiet.test" zone already holds exactly. */
const QUIET = {
  hostname: "mx.quiet.test",
  ipv4: "192.0.2.53",
  domains: [{ name: "quiet.test", dmarc: { policy: "reject" } }],
  accounts: [{ address: "bob@quiet.test", passwordEnv: "BOB_PASSWORD" }],
};

function quietZone(): string {
  const records = planRecords(MailServerSpecSchema.parse(QUIET), {
    passwordHashes: new Map(),
    dkimKeys: new Map(),
  }).records;
  const lines = records.map((r) => {
    const v = r.values[0]!.replace(
      "<generated-at-deploy>",
      "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC",
    );
    return `${r.name}. IN ${r.type} ${r.type === "TXT" ? `"${v}"` : v}`;
  });
  return `$ORIGIN quiet.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n${lines.join("\n")}\n`;
}

let bind: BindServer;
let dir: string;
before(async () => {
  if (!bindAvailable() && process.env.CI !== "true") {
    throw new Error("named is not installed: run scripts/ensure-system-deps.sh");
  }
  bind = await startBind({ zones: { ...BEFORE_ZONES, "quiet.test": quietZone() } });
  dir = mkdtempSync(join(tmpdir(), "dms-diff-cli-"));
  writeFileSync(join(dir, "after.json"), JSON.stringify(AFTER));
  writeFileSync(join(dir, "previous.json"), JSON.stringify(PREVIOUS));
  writeFileSync(join(dir, "quiet.json"), JSON.stringify(QUIET));
  writeFileSync(join(dir, "bad.yaml"), "hostname: mail\ndomains: []\n");
});
after(async () => {
  await bind?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("GIVEN changes WHEN diffed as markdown THEN exit 2 and the PR comment", async () => {
  const r = await runDmsctl([
    "diff",
    join(dir, "after.json"),
    "--resolver",
    bind.hostPort,
    "--format",
    "markdown",
  ]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 2);
  assertGolden("diff/cli-live.md", r.stdout.replaceAll(bind.hostPort, "127.0.0.1:PORT"));
});

test("GIVEN more changes than --max-changes WHEN diffed THEN exit 3 and say why", async () => {
  const r = await runDmsctl([
    "diff",
    join(dir, "after.json"),
    "--resolver",
    bind.hostPort,
    "--max-changes",
    "5",
  ]);
  assert.equal(r.code, 3);
  assert.equal(
    r.stderr,
    "dmsctl diff: guard tripped: 9 record changes exceed --max-changes 5; a human should review this change\n",
  );
  assert.match(
    r.stdout,
    /^4 to create, 5 to update, 3 conflicts; 4 unchanged, 3 unmanaged \(left alone\)\n/,
  );
});

test("GIVEN deletions and --max-deletes 0 WHEN diffed with --previous THEN exit 3", async () => {
  const r = await runDmsctl([
    "diff",
    join(dir, "after.json"),
    "--previous",
    join(dir, "previous.json"),
    "--resolver",
    bind.hostPort,
    "--max-deletes",
    "0",
    "--max-changes",
    "100",
    "--format",
    "json",
  ]);
  assert.equal(r.code, 3);
  assert.equal(
    r.stderr,
    "dmsctl diff: guard tripped: 2 deletions exceed --max-deletes 0; a human should review this change\n",
  );
  assert.equal(JSON.parse(r.stdout).counts.delete, 2);
});

test("GIVEN guards not reached WHEN diffed THEN exit 2", async () => {
  const r = await runDmsctl([
    "diff",
    join(dir, "after.json"),
    "--resolver",
    bind.hostPort,
    "--max-changes",
    "10",
    "--max-deletes",
    "0",
  ]);
  assert.equal(r.code, 2);
});

test("GIVEN live DNS already as planned WHEN diffed THEN exit 0", async () => {
  const r = await runDmsctl(["diff", join(dir, "quiet.json"), "--resolver", bind.hostPort]);
  assert.equal(r.stderr, "");
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^no changes; 6 unchanged, 0 unmanaged \(left alone\)\n/);
});

test("GIVEN an invalid spec WHEN diffed THEN exit 1 with every problem and no stack trace", async () => {
  const r = await runDmsctl(["diff", join(dir, "bad.yaml"), "--resolver", bind.hostPort]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /^error \S+ hostname: must be a lowercase fully qualified domain name/m);
  assert.match(r.stderr, /dmsctl diff: .*bad\.yaml is invalid: \d+ errors?\n$/);
  assert.ok(!r.stderr.includes("    at "), r.stderr);
});

test("GIVEN usage errors WHEN diffed THEN exit 1, never 2 (which means changes)", async () => {
  assert.equal((await runDmsctl(["diff", "--no-such-option"])).code, 1);
  assert.equal(
    (await runDmsctl(["diff", join(dir, "after.json"), "--max-changes", "many"])).code,
    1,
  );
  assert.equal((await runDmsctl(["diff", join(dir, "after.json"), "--format", "html"])).code, 1);
  const noSpec = await runDmsctl(["diff"]);
  assert.equal(noSpec.code, 1);
  assert.equal(
    noSpec.stderr,
    "dmsctl diff: give a SPEC to compare with live DNS, or --from-preview FILE\n",
  );
  const badId = await runDmsctl(["diff", join(dir, "after.json"), "--comment-id", "x -->"]);
  assert.equal(badId.code, 1);
  assert.equal(
    badId.stderr,
    'dmsctl diff: --comment-id: comment id must be 1 to 64 letters, digits, ".", "_" or "-", got "x -->"\n',
  );
});

test("GIVEN a resolver that does not answer WHEN diffed THEN exit 1: the diff is incomplete", async () => {
  const port = await freePort();
  const r = await runDmsctl([
    "diff",
    join(dir, "quiet.json"),
    "--resolver",
    `127.0.0.1:${port}`,
    "--timeout",
    "300ms",
  ]);
  assert.equal(r.code, 1);
  // One root cause, not a count of failed lookups.
  assert.match(
    r.stderr,
    new RegExp(
      `^dmsctl diff: 127\\.0\\.0\\.1:${port} does not answer: (\\d+) lookups, \\1 (timeout|unreachable)\ndmsctl diff: the diff is incomplete\n$`,
    ),
  );
  assert.match(r.stdout, new RegExp(`not compared: 127\\.0\\.0\\.1:${port} does not answer`));
});

test("GIVEN a preview file WHEN diffed THEN zone ids map through the spec or --zone", async () => {
  const fixture = join(__dirname, "..", "fixtures", "preview", "cloudflare.json");
  const r = await runDmsctl([
    "diff",
    "--from-preview",
    fixture,
    "--zone",
    "023e105f4ecef8ad9ca31a8372d0c353=example.com",
    "--format",
    "json",
  ]);
  assert.equal(r.code, 2);
  const doc = JSON.parse(r.stdout);
  assert.deepEqual(doc.zones, ["example.com"]);
  assert.deepEqual(doc.counts, {
    create: 3,
    update: 4,
    delete: 1,
    conflict: 2,
    unmanaged: 0,
    unchanged: 0,
  });
  const none = await runDmsctl([
    "diff",
    "--from-preview",
    join(__dirname, "..", "fixtures", "preview", "no-dns-change.json"),
  ]);
  assert.equal(none.code, 0);
  const missing = await runDmsctl(["diff", "--from-preview", join(dir, "nope.json")]);
  assert.equal(missing.code, 1);
  assert.match(
    missing.stderr,
    /^dmsctl diff: cannot read preview file ".*nope\.json" \(ENOENT\)\n$/,
  );
  const directory = await runDmsctl(["diff", "--from-preview", dir]);
  assert.equal(directory.code, 1);
  assert.equal(
    directory.stderr,
    `dmsctl diff: cannot read preview file ${JSON.stringify(dir)} (EISDIR)\n`,
  );
  const badZone = await runDmsctl(["diff", "--from-preview", fixture, "--zone", "nope"]);
  assert.equal(badZone.code, 1);
  assert.equal(badZone.stderr, 'dmsctl diff: --zone must be ZONEID=APEX, got "nope"\n');
});

test("resolverAddress looks up host names and keeps addresses", async () => {
  assert.equal(await resolverAddress("127.0.0.1:5353"), "127.0.0.1:5353");
  assert.equal(await resolverAddress("[::1]:5353"), "[::1]:5353");
  assert.equal(await resolverAddress("::1"), "::1");
  assert.equal(
    await resolverAddress("localhost:5353").then((a) =>
      /^(127\.0\.0\.1:5353|\[::1\]:5353)$/.test(a),
    ),
    true,
  );
});

test("GIVEN no --resolver WHEN diffed THEN each zone's authoritative server is found by NS and asked", async () => {
  // A bootstrap resolver that knows the zones' NS and glue but publishes a decoy MX: the diff must
  // follow NS to the authoritative server (the shared `bind`) and never report the decoy.
  const decoy = (zone: string) => `$ORIGIN ${zone}.
$TTL 300
@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 300
@ IN NS ns1.${zone}.
ns1 IN A 127.0.0.1
@ IN MX 10 decoy.invalid.
`;
  const bootstrap = await startBind({
    zones: { "example.com": decoy("example.com"), "example.net": decoy("example.net") },
  });
  try {
    const viaNs = await runDmsctl([
      "diff",
      join(dir, "after.json"),
      "--bootstrap",
      bootstrap.hostPort,
      "--ns-port",
      String(bind.port),
      "--format",
      "json",
    ]);
    const direct = await runDmsctl([
      "diff",
      join(dir, "after.json"),
      "--resolver",
      bind.hostPort,
      "--format",
      "json",
    ]);
    assert.equal(viaNs.stderr, "");
    assert.equal(viaNs.code, 2);
    assert.doesNotMatch(viaNs.stdout, /decoy/);
    const withoutSource = (text: string) => {
      const { source: _source, ...rest } = JSON.parse(text) as Record<string, unknown>;
      return rest;
    };
    assert.deepEqual(withoutSource(viaNs.stdout), withoutSource(direct.stdout));
    assert.deepEqual((JSON.parse(viaNs.stdout) as { source: unknown }).source, {
      kind: "live",
      resolver: `example.com at ns1.example.com (127.0.0.1:${bind.port}), example.net at ns1.example.net (127.0.0.1:${bind.port})`,
    });
  } finally {
    await bootstrap.stop();
  }
});

test("GIVEN a zone without NS records WHEN diffed without --resolver THEN exit 1 naming the zone", async () => {
  const empty = await startBind({
    zones: {
      "other.test":
        "$ORIGIN other.test.\n$TTL 300\n@ IN SOA ns1 hostmaster 1 3600 600 86400 300\n@ IN NS ns1\nns1 IN A 127.0.0.1\n",
    },
  });
  try {
    const r = await runDmsctl(["diff", join(dir, "after.json"), "--bootstrap", empty.hostPort]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^dmsctl diff: example\.com: no NS records \(refused/m);
    assert.match(r.stderr, /give --resolver HOST:PORT to ask one server instead\n$/);
  } finally {
    await empty.stop();
  }
});

test("GIVEN an image tag change WHEN diffed against --previous THEN a note lists the releases crossed", async () => {
  writeFileSync(
    join(dir, "quiet-old.json"),
    JSON.stringify({ ...QUIET, image: { tag: "15.0.1" } }),
  );
  writeFileSync(
    join(dir, "quiet-new.json"),
    JSON.stringify({ ...QUIET, image: { tag: "15.1.0" } }),
  );
  const r = await runDmsctl([
    "diff",
    join(dir, "quiet-new.json"),
    "--previous",
    join(dir, "quiet-old.json"),
    "--resolver",
    bind.hostPort,
    "--format",
    "json",
  ]);
  assert.equal(r.code, 0, r.stderr);
  const notes = (JSON.parse(r.stdout) as { notes: string[] }).notes;
  assert.ok(
    notes.includes(
      "Image upgrade: 15.0.1 -> 15.1.0 (upgrade); releases crossed: 15.0.2, 15.1.0; env renamed or removed: none; source: https://github.com/docker-mailserver/docker-mailserver/blob/master/CHANGELOG.md (read 2026-11-30, releases up to 15.1.0).",
    ),
    notes.join("\n"),
  );
  assert.match(r.stderr, /info image-upgrade image\.tag: changes "15\.0\.1" -> "15\.1\.0"/);
});
