/**
 * `dmsctl plan --format kubernetes`: the objects as YAML (golden), each valid against the
 * Kubernetes OpenAPI schema, the Secret's values redacted on stdout and complete, mode 0600, in
 * `--out`; a Docker spec is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import YAML from "yaml";
import { runDmsctl } from "../helpers/cli";
import { assertGolden } from "../helpers/golden";
import { REDACTED } from "../../src/plan/render";
import type { KubernetesObject } from "../../src/providers/host/kubernetes";
import { allSchemaErrors } from "../providers/kubernetes-schema";

const HASH = `{SHA512-CRYPT}$6$k8sgoldensalt000$${"Q".repeat(86)}`;
const SPEC = {
  hostname: "mail.example.com",
  ipv4: "192.0.2.10",
  domains: [{ name: "example.com", dkim: { enabled: false } }],
  accounts: [{ address: "alice@example.com", passwordHash: HASH, aliases: ["info@example.com"] }],
  features: { rspamd: true },
  tls: { type: "letsencrypt" },
  services: { imap: { expose: "private" } },
  platform: {
    kind: "kubernetes",
    namespace: "mail",
    certManager: { issuer: "letsencrypt-prod" },
    service: { annotations: { "metallb.universe.tf/address-pool": "public" } },
  },
};

function specFile(spec: object): { dir: string; path: string } {
  const dir = mkdtempSync(join(tmpdir(), "dmsctl-k8s-"));
  const path = join(dir, "mailserver.yaml");
  writeFileSync(path, YAML.stringify(spec));
  return { dir, path };
}

const docs = (text: string) =>
  YAML.parseAllDocuments(text).map((d) => d.toJS() as KubernetesObject);

test("prints the Kubernetes objects as YAML, schema-valid, the Secret redacted", async () => {
  const { dir, path } = specFile(SPEC);
  try {
    const run = await runDmsctl(["plan", path, "--format", "kubernetes"]);
    assert.equal(run.code, 0, run.stderr);
    assertGolden("plan/cli.kubernetes.yaml", run.stdout);
    const again = await runDmsctl(["plan", path, "--format", "kubernetes"]);
    assert.equal(again.stdout, run.stdout, "byte-identical on a second run");
    const objects = docs(run.stdout);
    assert.deepEqual(
      objects.map((o) => `${o.kind}/${o.metadata.name}`),
      [
        "ConfigMap/mailserver-config",
        "ConfigMap/mailserver-config-startup",
        "Secret/mailserver-secrets",
        "PersistentVolumeClaim/mailserver-mail-data",
        "PersistentVolumeClaim/mailserver-mail-logs",
        "PersistentVolumeClaim/mailserver-mail-state",
        "Certificate/mailserver-tls",
        "StatefulSet/mailserver",
        "Service/mailserver",
        "Service/mailserver-internal",
        "NetworkPolicy/mailserver",
      ],
    );
    assert.deepEqual(await allSchemaErrors(objects), []);
    const secret = objects.find((o) => o.kind === "Secret")!;
    assert.deepEqual(secret["stringData"], { "postfix-accounts.cf": REDACTED });
    assert.equal(run.stdout.includes(HASH.slice(20)), false, "no hash on stdout");
    const config = objects.find((o) => o.metadata.name === "mailserver-config")!;
    assert.equal(
      (config["data"] as Record<string, string>)["postfix-virtual.cf"],
      "info@example.com alice@example.com\npostmaster@example.com alice@example.com\n",
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--out writes the complete objects, the Secret's data included, mode 0600", async () => {
  const { dir, path } = specFile(SPEC);
  try {
    const out = join(dir, "out");
    const run = await runDmsctl(["plan", path, "--format", "kubernetes", "--out", out]);
    assert.equal(run.code, 0, run.stderr);
    const file = join(out, "kubernetes.yaml");
    assert.equal((statSync(file).mode & 0o777).toString(8), "600");
    const objects = docs(readFileSync(file, "utf8"));
    const secret = objects.find((o) => o.kind === "Secret")!;
    assert.deepEqual(secret["stringData"], {
      "postfix-accounts.cf": `alice@example.com|${HASH}\n`,
    });
    assert.deepEqual(await allSchemaErrors(objects), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("refuses --format kubernetes for a Docker spec", async () => {
  const { platform: _, ...docker } = SPEC;
  const spec = { ...docker, tls: { type: "self-signed" } };
  const { dir, path } = specFile(spec);
  try {
    const run = await runDmsctl(["plan", path, "--format", "kubernetes"]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.equal(
      run.stderr,
      `dmsctl plan: --format kubernetes needs platform.kind: kubernetes in ${path}, got "docker"\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
