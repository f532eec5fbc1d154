import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { planMailServer } from "../../src/plan/plan";
import { cloudWarnings, PORT25_POLICIES } from "../../src/plan/warnings";
import {
  REDACTED,
  renderCompose,
  renderJson,
  renderMarkdown,
  renderTable,
} from "../../src/plan/render";
import type { PlanMaterial } from "../../src/spec/material";
import type { MailServerSpec } from "../../src/spec/schema";
import { CloudProvider } from "../../src/spec/schema";
import { assertGolden } from "../helpers/golden";
import { exampleInput, shuffled, specOf } from "../records/fixtures";

function exampleMaterial(spec: MailServerSpec): PlanMaterial {
  return {
    passwordHashes: new Map(spec.accounts.map((a) => [a.address, a.passwordHash!])),
    dkimKeys: new Map(),
  };
}

test("the example plan renders to the golden table, JSON, Markdown and compose.yaml", () => {
  const spec = specOf(exampleInput());
  const plan = planMailServer(spec, exampleMaterial(spec));
  assertGolden("plan/example.table.txt", renderTable(plan));
  assertGolden("plan/example.json", renderJson(plan));
  assertGolden("plan/example.md", renderMarkdown(plan));
  assertGolden("plan/example.compose.yaml", renderCompose(plan));
});

test("JSON: the documented shape, every key present, secret contents redacted", () => {
  const spec = specOf(exampleInput());
  const doc = JSON.parse(renderJson(planMailServer(spec, exampleMaterial(spec))));
  assert.deepEqual(Object.keys(doc), [
    "version",
    "hostname",
    "records",
    "zones",
    "ptr",
    "files",
    "env",
    "ports",
    "container",
    "mtaStsPolicies",
    "backup",
    "upgrade",
    "warnings",
    "errors",
  ]);
  assert.equal(doc.version, 1);
  assert.deepEqual(Object.keys(doc.records[0]), [
    "zone",
    "name",
    "type",
    "ttl",
    "values",
    "purpose",
    "domain",
  ]);
  assert.deepEqual(Object.keys(doc.files[0]), ["path", "reload", "secret", "content"]);
  const accounts = doc.files.find((f: { path: string }) => f.path === "postfix-accounts.cf");
  assert.deepEqual(accounts, {
    path: "postfix-accounts.cf",
    reload: "live",
    secret: true,
    content: REDACTED,
  });
  assert.deepEqual(doc.errors, []);
  const errorsOnly = JSON.parse(
    renderJson({
      errors: [{ id: "hostname-fqdn", level: "error", path: "hostname", message: "bad" }],
    }),
  );
  assert.deepEqual(errorsOnly, {
    version: 1,
    hostname: null,
    records: [],
    zones: [],
    ptr: [],
    files: [],
    env: {},
    ports: [],
    container: null,
    mtaStsPolicies: [],
    backup: null,
    upgrade: null,
    warnings: [],
    errors: [
      { id: "hostname-fqdn", level: "error", path: "hostname", message: "bad", remediation: null },
    ],
  });
});

test("the scheduled backup shows in JSON, the table and Markdown: when, how many, where", () => {
  const spec = specOf({
    ...exampleInput(),
    backup: { schedule: "03:30", retention: 5, target: { hostDir: "/srv/mail-backups" } },
  });
  const plan = planMailServer(spec, exampleMaterial(spec));
  const doc = JSON.parse(renderJson(plan));
  assert.equal(doc.backup.schedule, "03:30");
  assert.equal(doc.backup.retention, 5);
  assert.equal(doc.backup.hostDir, "/srv/mail-backups");
  assert.equal(doc.backup.image, plan.container.image);
  assert.deepEqual(
    doc.backup.volumes.map((v: { containerPath: string }) => v.containerPath),
    plan.backup!.volumes.map((v) => v.containerPath),
  );
  assert.ok(doc.backup.volumes.length > 0);
  const table = renderTable(plan);
  assert.match(table, /\nBackup\n/);
  assert.match(table, /schedule +daily at 03:30 UTC/);
  assert.match(table, /retention +5 archives/);
  assert.match(table, /host directory +\/srv\/mail-backups/);
  const md = renderMarkdown(plan);
  assert.match(md, /## Backup\n\n- schedule: `daily at 03:30 UTC`/);
  // Without spec.backup: null in JSON, no section elsewhere.
  const plain = planMailServer(specOf(exampleInput()), exampleMaterial(specOf(exampleInput())));
  assert.equal(JSON.parse(renderJson(plain)).backup, null);
  assert.doesNotMatch(renderTable(plain), /\nBackup\n/);
});

test("compose.yaml publishes each exposed port on each bind address and mounts ./config", () => {
  const spec = specOf({
    ...exampleInput(),
    bindAddresses: ["192.0.2.10"],
    services: { submission: { expose: "off" } },
    memoryLimit: "2g",
    dnsResolvers: ["192.0.2.53"],
    features: { fail2ban: true },
  });
  const compose = parse(renderCompose(planMailServer(spec, exampleMaterial(spec))));
  const svc = compose.services.mailserver;
  assert.deepEqual(svc.ports, [
    "192.0.2.10:25:25/tcp",
    "192.0.2.10:465:465/tcp",
    "192.0.2.10:993:993/tcp",
  ]);
  assert.ok(svc.volumes.includes("./config:/tmp/docker-mailserver"), svc.volumes.join(" "));
  assert.deepEqual(svc.env_file, ["mailserver.env"]);
  assert.deepEqual(svc.cap_add, ["NET_ADMIN"]);
  assert.deepEqual(svc.dns, ["192.0.2.53"]);
  assert.equal(svc.mem_limit, 2 * 1024 ** 3);
  assert.equal(svc.restart, "always");
});

test("port 25 warnings: every blocking cloud, none for other or with a relay", () => {
  const base = exampleInput();
  const clouds = CloudProvider.options.filter((c) => c !== "other");
  assert.deepEqual(Object.keys(PORT25_POLICIES).sort(), [...clouds].sort());
  for (const cloud of clouds) {
    const [w, ...rest] = cloudWarnings(specOf({ ...base, cloud }));
    assert.deepEqual(rest, []);
    assert.equal(w!.id, "port25-cloud-blocked");
    assert.equal(w!.level, "warn");
    assert.equal(w!.path, "cloud");
    assert.ok(w!.message.startsWith(PORT25_POLICIES[cloud].block), cloud);
    assert.ok(w!.remediation!.includes("relay"), cloud);
  }
  assert.deepEqual(cloudWarnings(specOf({ ...base, cloud: "other" })), []);
  assert.deepEqual(cloudWarnings(specOf(base)), []);
  assert.deepEqual(
    cloudWarnings(specOf({ ...base, cloud: "aws", relay: { host: "smtp.example.net" } })),
    [],
  );
  const [aws] = cloudWarnings(specOf({ ...base, cloud: "aws" }));
  assert.deepEqual(aws, {
    id: "port25-cloud-blocked",
    level: "warn",
    path: "cloud",
    message:
      "EC2 throttles and blocks outbound TCP 25 on every account by default; without it mail.example.com receives mail but cannot deliver any to other servers",
    remediation:
      'Submit AWS\'s "Request to remove email sending limitations" form (AWS Support Center, with the Elastic IP and its reverse DNS name), and wait for approval. Or set relay (a smarthost on port 587) so outbound mail does not need port 25. Check the host with `dmsctl probe-port25`.',
  });
  const plan = planMailServer(specOf({ ...base, cloud: "gcp" }), exampleMaterial(specOf(base)));
  assert.deepEqual(
    plan.warnings.map((f) => f.id),
    ["port25-cloud-blocked", "mta-sts-policy-https", "dkim-generated-at-deploy"],
  );
});

test("the plan is the same whatever the order of domains, accounts and aliases", () => {
  const input = exampleInput();
  const spec = specOf(input);
  const reference = renderJson(planMailServer(spec, exampleMaterial(spec)));
  for (const seed of [3, 11, 29]) {
    const shuffledSpec = specOf({
      ...input,
      domains: shuffled(input.domains, seed),
      accounts: shuffled(input.accounts ?? [], seed + 1),
      aliases: shuffled(input.aliases ?? [], seed + 2),
    });
    assert.equal(renderJson(planMailServer(shuffledSpec, exampleMaterial(spec))), reference);
  }
});
