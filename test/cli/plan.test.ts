import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { stringify } from "yaml";
import { runDmsctl } from "../helpers/cli";
import { dkimPublicKeyBase64 } from "../../src/records/policies";
import type { MailServerSpecInput } from "../../src/spec/schema";
import { assertGolden } from "../helpers/golden";
import { EXAMPLE_SPEC_PATH, exampleInput, shuffled } from "../records/fixtures";

const REPO = join(__dirname, "..", "..");

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "dmsctl-plan-"));
}

function writeSpec(dir: string, input: MailServerSpecInput, name = "mailserver.yaml"): string {
  const file = join(dir, name);
  writeFileSync(file, stringify(input));
  return file;
}

/** Every file under `dir` as relative path -> [mode, content]. */
/** DIR as a reader sees it: links followed; the runs kept in `config/..*` are reached through them. */
function tree(dir: string): Record<string, [string, string]> {
  const out: Record<string, [string, string]> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith("..")) continue;
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out[relative(dir, p)] = [(st.mode & 0o777).toString(8), readFileSync(p, "utf8")];
    }
  };
  walk(dir);
  return out;
}

test("the example plans cleanly in every format, matching the golden output", async () => {
  for (const format of ["table", "json", "zone", "markdown"]) {
    const run = await runDmsctl(["plan", EXAMPLE_SPEC_PATH, "--format", format]);
    assert.equal(run.code, 0, run.stderr);
    assertGolden(`plan/cli.example.${format}`, run.stdout);
    if (format === "zone") {
      assert.equal(
        run.stderr,
        [
          "warn mta-sts-policy-https domains: example.com: the MTA-STS policy must be served over HTTPS at https://mta-sts.example.com/.well-known/mta-sts.txt (with a certificate valid for mta-sts.example.com); without it, senders ignore the _mta-sts record",
          "info dkim-generated-at-deploy domains: no DKIM key supplied for example.com, example.org: the key is generated at deploy and the TXT shows the placeholder p=<generated-at-deploy>",
          "",
        ].join("\n"),
      );
    } else {
      assert.equal(run.stderr, "");
    }
  }
  const table = await runDmsctl(["plan", EXAMPLE_SPEC_PATH]);
  assert.equal(
    table.stdout,
    (await runDmsctl(["plan", EXAMPLE_SPEC_PATH, "--format", "table"])).stdout,
  );
});

test("an invalid spec: exit 1, every problem on stderr, no stack trace; JSON lists the errors", async () => {
  const dir = tmp();
  try {
    const spec = writeSpec(dir, {
      hostname: "mail",
      domains: [{ name: "example.com", dmarc: { policy: "sometimes" as "none" } }],
      accounts: [{ address: "Alice@example.com", passwordHash: "{SHA512-CRYPT}$6$x$y" }],
    });
    const run = await runDmsctl(["plan", spec]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    const lines = run.stderr.trimEnd().split("\n");
    assert.match(lines.at(-1)!, /^dmsctl plan: .*mailserver\.yaml is invalid: \d+ errors$/);
    for (const path of ["hostname", "domains[0].dmarc.policy", "accounts[0].address"]) {
      assert.ok(
        lines.some((l) => l.startsWith("error ") && l.includes(` ${path}: `)),
        `${path}\n${run.stderr}`,
      );
    }
    assert.doesNotMatch(run.stderr, /\n\s+at /);
    const json = await runDmsctl(["plan", spec, "--format", "json"]);
    assert.equal(json.code, 1);
    const doc = JSON.parse(json.stdout);
    assert.equal(doc.version, 1);
    assert.equal(doc.hostname, null);
    assert.ok(doc.errors.length >= 3);
    assert.deepEqual(doc.records, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("usage errors exit 2", async () => {
  const cases: string[][] = [
    ["plan"],
    ["plan", EXAMPLE_SPEC_PATH, "--format", "yaml"],
    ["plan", EXAMPLE_SPEC_PATH, "--bogus"],
    ["plan", "/nonexistent/spec.yaml"],
  ];
  for (const argv of cases) {
    const run = await runDmsctl(argv);
    assert.equal(run.code, 2, argv.join(" "));
    assert.equal(run.stdout, "");
    assert.doesNotMatch(run.stderr, /\n\s+at /);
  }
  const missing = await runDmsctl(["plan", "/nonexistent/spec.yaml"]);
  assert.equal(
    missing.stderr,
    'dmsctl plan: cannot read spec file "/nonexistent/spec.yaml" (ENOENT)\n',
  );
  const format = await runDmsctl(["plan", EXAMPLE_SPEC_PATH, "--format", "yaml"]);
  assert.match(
    format.stderr,
    /argument 'yaml' is invalid\. Allowed choices are table, json, zone, markdown/,
  );
});

/** A spec with a secret of every kind, for the redaction and --out tests. */
function secretSpec(dkimKeyFile?: string): MailServerSpecInput {
  const input = exampleInput();
  return {
    ...input,
    domains: input.domains.map((d) =>
      d.name === "example.org" && dkimKeyFile ? { ...d, dkim: { privateKeyFile: dkimKeyFile } } : d,
    ),
    accounts: [
      ...(input.accounts ?? []),
      { address: "carol@example.org", passwordEnv: "CAROL_PASSWORD" },
    ],
    relay: {
      host: "smtp.example.net",
      port: 587,
      username: "relayuser",
      passwordEnv: "RELAY_PASSWORD",
    },
  };
}

const SECRETS_ENV = {
  CAROL_PASSWORD: "carol-very-secret-passphrase",
  RELAY_PASSWORD: "relay-very-secret-token",
};

test("a missing passwordEnv variable is an error naming the path and the variable", async () => {
  const dir = tmp();
  try {
    const spec = writeSpec(dir, secretSpec());
    const run = await runDmsctl(["plan", spec], { RELAY_PASSWORD: "x" });
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr.split("\n")[0],
      `error secret-env-missing accounts[2].passwordEnv: environment variable CAROL_PASSWORD is not set (${spec}:38:18)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--out writes a startable tree with modes, atomically, and re-running is byte-identical", async () => {
  const dir = tmp();
  try {
    const spec = writeSpec(dir, secretSpec());
    const out = join(dir, "out");
    const first = await runDmsctl(["plan", spec, "--out", out, "--format", "json"], SECRETS_ENV);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /^dmsctl plan: wrote \d+ files to .*out \(\d+ secret, mode 0600\)\n/,
    );
    assert.match(first.stderr, /generated DKIM keys for example.com, example.org/);
    const files = tree(out);
    for (const path of [
      "compose.yaml",
      "mailserver.env",
      "config/postfix-accounts.cf",
      "zones/example.com.zone",
      "mta-sts/example.com/mta-sts.txt",
    ]) {
      assert.ok(files[path], `${path} missing: ${Object.keys(files).join(" ")}`);
    }
    assert.equal(files["config/postfix-accounts.cf"]![0], "600");
    assert.equal(files["mailserver.env"]![0], "644");
    const keyPath = Object.keys(files).find((p) => p.includes("example.com") && /private/.test(p))!;
    assert.equal(files[keyPath]![0], "600");
    // The TXT printed is the public half of the key written.
    const doc = JSON.parse(first.stdout);
    const dkim = doc.records.find(
      (r: { name: string }) => r.name === "mail._domainkey.example.com",
    );
    assert.deepEqual(dkim.values, [`v=DKIM1; k=rsa; p=${dkimPublicKeyBase64(files[keyPath]![1])}`]);
    // The account from the environment is hashed, deterministically.
    assert.match(
      files["config/postfix-accounts.cf"]![1],
      /^carol@example\.org\|\{SHA512-CRYPT\}\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$/m,
    );

    const second = await runDmsctl(["plan", spec, "--out", out, "--format", "json"], SECRETS_ENV);
    assert.equal(second.code, 0, second.stderr);
    assert.doesNotMatch(second.stderr, /generated DKIM/);
    assert.equal(second.stdout, first.stdout);
    assert.deepEqual(tree(out), files);

    // Another order of domains, accounts and aliases: the same tree and the same JSON.
    const input = secretSpec();
    const spec2 = writeSpec(
      dir,
      {
        ...input,
        domains: shuffled(input.domains, 5),
        accounts: shuffled(input.accounts ?? [], 6),
        aliases: shuffled(input.aliases ?? [], 7),
      },
      "shuffled.yaml",
    );
    const third = await runDmsctl(["plan", spec2, "--out", out, "--format", "json"], SECRETS_ENV);
    assert.equal(third.code, 0, third.stderr);
    assert.equal(third.stdout, first.stdout);
    assert.deepEqual(tree(out), files);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a failed --out write leaves the directory as it was, with no temporary files", async () => {
  const dir = tmp();
  try {
    const spec = writeSpec(dir, exampleInput());
    const out = join(dir, "out");
    mkdirSync(out);
    writeFileSync(join(out, "config"), "a file where the config folder should be\n");
    const run = await runDmsctl(["plan", spec, "--out", out]);
    assert.equal(run.code, 1);
    assert.equal(
      run.stderr,
      `dmsctl plan: --out ${out}: ${out}/config exists and is not a directory\n`,
    );
    assert.deepEqual(readdirSync(out), ["config"]);
    assert.deepEqual(readdirSync(dir).sort(), ["mailserver.yaml", "out"]);
    assert.equal(run.stdout, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("no secret reaches stdout or stderr in any format", async () => {
  const dir = tmp();
  try {
    const { generateKeyPairSync } = await import("node:crypto");
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
    writeFileSync(join(dir, "org.pem"), pem);
    const input = secretSpec("org.pem");
    const spec = writeSpec(dir, input);
    const hashes = (input.accounts ?? []).flatMap((a) => (a.passwordHash ? [a.passwordHash] : []));
    // The PEM's body lines, except those that are part of the public key too (a PKCS#1 key
    // holds the modulus, which the DKIM record publishes), and the private numbers themselves.
    const publicB64 = dkimPublicKeyBase64(pem);
    const keyLines = pem
      .split("\n")
      .filter((l) => l.length > 40 && !l.startsWith("-----") && !publicB64.includes(l));
    const jwk = privateKey.export({ format: "jwk" });
    const privateNumbers = [jwk.d!, jwk.p!, jwk.q!].flatMap((n) => [
      n.slice(0, 40),
      Buffer.from(n, "base64url").toString("base64").slice(0, 40),
    ]);
    assert.ok(keyLines.length >= 15, `only ${keyLines.length} private lines`);
    const needles = [
      ...Object.values(SECRETS_ENV),
      ...hashes,
      ...keyLines,
      ...privateNumbers,
      "PRIVATE KEY",
    ];
    for (const format of ["table", "json", "zone", "markdown"]) {
      for (const extra of [[], ["--out", join(dir, "out")]]) {
        const run = await runDmsctl(["plan", spec, "--format", format, ...extra], SECRETS_ENV);
        assert.equal(run.code, 0, run.stderr);
        for (const needle of needles) {
          assert.ok(!run.stdout.includes(needle), `${format}: stdout holds a secret`);
          assert.ok(!run.stderr.includes(needle), `${format}: stderr holds a secret`);
        }
      }
    }
    // The secrets do reach the files that must hold them.
    const accounts = readFileSync(join(dir, "out", "config", "postfix-accounts.cf"), "utf8");
    assert.ok(accounts.includes(hashes[0]!));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bin/dmsctl.js as a subprocess: exit codes 0, 1, 2 and never a stack trace", () => {
  const bin = join(REPO, "bin", "dmsctl.js");
  assert.ok(
    existsSync(join(REPO, "dist", "cjs", "cli", "main.js")),
    "dist is missing: run `npm run build` (npm test does) before this test",
  );
  const dir = tmp();
  try {
    const bad = writeSpec(dir, { hostname: "mail", domains: [] } as unknown as MailServerSpecInput);
    const cases: [string[], number][] = [
      [["plan", EXAMPLE_SPEC_PATH, "--format", "json"], 0],
      [["plan", bad], 1],
      [["plan", EXAMPLE_SPEC_PATH, "--format", "xml"], 2],
      [["plan"], 2],
    ];
    for (const [argv, code] of cases) {
      const run = spawnSync(process.execPath, [bin, ...argv], {
        encoding: "utf8",
        cwd: REPO,
        timeout: 30_000,
      });
      assert.equal(run.status, code, `${argv.join(" ")}: ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /\n\s+at /, argv.join(" "));
      if (code === 0) assert.equal(JSON.parse(run.stdout).hostname, "mail.example.com");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a secret that cannot be read is reported with the plan's warnings, not instead of them", async () => {
  const dir = tmp();
  try {
    const input = exampleInput();
    const spec = writeSpec(dir, {
      ...input,
      cloud: "aws",
      accounts: [{ address: "alice@example.com", passwordEnv: "DMSCTL_TEST_UNSET_PASSWORD" }],
    });
    const run = await runDmsctl(["plan", spec, "--format", "json"]);
    assert.equal(run.code, 1);
    const doc = JSON.parse(run.stdout) as {
      errors: { id: string; path: string }[];
      warnings: { id: string }[];
    };
    assert.deepEqual(
      doc.errors.map((e) => [e.id, e.path]),
      [["secret-env-missing", "accounts[0].passwordEnv"]],
    );
    const warned = new Set(doc.warnings.map((w) => w.id));
    assert.ok(warned.has("port25-cloud-blocked"), [...warned].join(" "));
    assert.ok(warned.has("mta-sts-policy-https"), [...warned].join(" "));
    assert.match(run.stderr, /^warn port25-cloud-blocked cloud: /m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
