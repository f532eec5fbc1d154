/**
 * DKIM rotation in `MailServer` and `KubernetesMailServer` under mocks: one key per selector kept
 * by name, every selector's record published with its own key, only the signing selector in the
 * signing configuration (rspamd and OpenDKIM), a retired selector's key and record gone, and the
 * resource graph ordering the signing switch after the new selector's record (publish before
 * sign). The wait itself runs against a real BIND serving the zone.
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { generateKeyPairSync } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import {
  MOCK_KEY,
  MOCK_KEY_BASE64,
  dependencyNames,
  installMocks,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
  type Registration,
} from "./harness";
import type { MailServerArgs } from "../../src/components/args";
import type { KubernetesMailServerArgs } from "../../src/components/kubernetes-mail-server";
import { bindAvailable, startBind, type BindServer } from "../servers/bind";
import { spkiBase64FromPem } from "../../src/records/policies";
import { PublishWaitTimeout, waitUntilPublished } from "../../src/net/publish-wait";
import { warnOverdueRetiring } from "../../src/components/dkim-rotation";

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
const NEW_KEY = {
  privateKeyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
  publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
};
const NEW_KEY_BASE64 = spkiBase64FromPem(NEW_KEY.publicKeyPem);

// The old selector keeps the harness key; the new one gets its own, so the records differ.
installMocks({
  keys: {
    "mail-dkim-example-com-s2026a": MOCK_KEY,
    "mail-dkim-example-com-s2026b": NEW_KEY,
  },
});
/* eslint-disable @typescript-eslint/no-require-imports */
const { MailServer } =
  require("../../src/components/mail-server") as typeof import("../../src/components/mail-server");
const { KubernetesMailServer } =
  require("../../src/components/kubernetes-mail-server") as typeof import("../../src/components/kubernetes-mail-server");
/* eslint-enable @typescript-eslint/no-require-imports */

const CF = { provider: "cloudflare" as const, zoneId: "zone-1" };
const rotating = (
  dkim: Record<string, unknown>,
  extra: Partial<MailServerArgs> = {},
): MailServerArgs => ({
  hostname: "mail.example.com",
  ipv4: "192.0.2.7",
  domains: [{ name: "example.com", dns: CF, dkim }],
  accounts: [{ address: "alice@example.com", password: "alice-password-123" }],
  dkimPublishWait: { enabled: false },
  ...extra,
});

async function settle(outputs: pulumi.Output<unknown>[]): Promise<Registration[]> {
  await Promise.all(outputs.map(valueOf));
  for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
  return [...registrations];
}

async function runDocker(args: MailServerArgs): Promise<Registration[]> {
  resetRegistrations();
  const m = new MailServer("mail", args);
  return settle([m.records, m.warnings, m.container.id, m.configWriter.id]);
}

const byType = (regs: Registration[], type: string) => regs.filter((r) => r.type === type);
const KEY_TYPE = "tls:index/privateKey:PrivateKey";
const RECORD_TYPE = "cloudflare:index/dnsRecord:DnsRecord";
const dkimRecords = (regs: Registration[]) =>
  byType(regs, RECORD_TYPE).filter((r) => String(r.inputs.name).includes("._domainkey."));
const recordOf = (regs: Registration[], selector: string) => {
  const r = dkimRecords(regs).find((x) => x.inputs.name === `${selector}._domainkey.example.com`);
  assert.ok(r, `no record for ${selector}`);
  return r;
};
const uploads = (regs: Registration[]) =>
  new Map(
    (
      unwrap(regs.find((r) => r.name === "mail-config-writer")!.inputs.uploads) as {
        file: string;
        content: string;
      }[]
    ).map((u) => [u.file.replace(/^.*?staging\//, ""), u.content]),
  );

describe("MailServer: DKIM rotation", () => {
  it("keeps a key per selector, publishes each with its own key, signs with the new one only (rspamd)", async () => {
    const regs = await runDocker(rotating({ selector: "s2026b", retiring: ["s2026a"] }));
    assert.deepEqual(
      byType(regs, KEY_TYPE)
        .map((r) => r.name)
        .sort(),
      ["mail-dkim-example-com-s2026a", "mail-dkim-example-com-s2026b"],
    );
    assert.match(
      String(recordOf(regs, "s2026a").inputs.content),
      new RegExp(`p=${MOCK_KEY_BASE64.slice(0, 40).replace(/[+/]/g, "\\$&")}`),
    );
    assert.match(
      String(recordOf(regs, "s2026b").inputs.content),
      new RegExp(`p=${NEW_KEY_BASE64.slice(0, 40).replace(/[+/]/g, "\\$&")}`),
    );
    const files = uploads(regs);
    const conf = files.get("rspamd/override.d/dkim_signing.conf")!;
    assert.match(conf, /selector = "s2026b";/);
    assert.doesNotMatch(conf, /s2026a/);
    assert.equal(
      files.get("rspamd/dkim/rsa-2048-s2026a-example.com.private.txt"),
      MOCK_KEY.privateKeyPem,
    );
    assert.equal(
      files.get("rspamd/dkim/rsa-2048-s2026b-example.com.private.txt"),
      NEW_KEY.privateKeyPem,
    );
  });

  it("OpenDKIM: KeyTable and SigningTable name only the signing selector; both keys are kept", async () => {
    const regs = await runDocker(
      rotating({ selector: "s2026b", retiring: [{ selector: "s2026a", since: "2026-11-01" }] }, {
        features: { rspamd: false, opendkim: true },
      } as Partial<MailServerArgs>),
    );
    const files = uploads(regs);
    assert.equal(
      files.get("opendkim/SigningTable"),
      "*@example.com s2026b._domainkey.example.com\n",
    );
    assert.doesNotMatch(files.get("opendkim/KeyTable")!, /s2026a/);
    assert.equal(files.get("opendkim/keys/example.com/s2026a.private"), MOCK_KEY.privateKeyPem);
    assert.equal(files.get("opendkim/keys/example.com/s2026b.private"), NEW_KEY.privateKeyPem);
  });

  it("retiring a selector removes its key and record", async () => {
    const regs = await runDocker(rotating({ selector: "s2026b" }));
    assert.deepEqual(
      byType(regs, KEY_TYPE).map((r) => r.name),
      ["mail-dkim-example-com-s2026b"],
    );
    assert.deepEqual(
      dkimRecords(regs).map((r) => r.inputs.name),
      ["s2026b._domainkey.example.com"],
    );
    assert.ok(![...uploads(regs).keys()].some((f) => f.includes("s2026a")));
  });

  it("the config writer (the signing switch) depends on the new selector's record, not the old one's", async () => {
    const regs = await runDocker(rotating({ selector: "s2026b", retiring: ["s2026a"] }));
    const deps = dependencyNames("mail-config-writer");
    assert.ok(deps.includes(recordOf(regs, "s2026b").name), `writer deps: ${deps.join(", ")}`);
    assert.ok(!deps.includes(recordOf(regs, "s2026a").name));
    // And the mail container (OpenDKIM reads its tables at start) follows the writer.
    assert.ok(dependencyNames("mail-container").includes("mail-config-writer"));
  });

  it("refuses retiring selectors of an adopted signing key (the component never held their keys)", () => {
    assert.throws(
      () =>
        new MailServer(
          "adopted",
          rotating({ selector: "s2026b", retiring: ["s2026a"], privateKey: NEW_KEY.privateKeyPem }),
        ),
      /domains\[0\]\.dkim\.retiring: "s2026a": the domain adopts its signing key/,
    );
  });
});

describe("retiring selectors past their overlap", () => {
  const spec = (since: string, days?: number) =>
    ({
      domains: [
        {
          name: "example.com",
          dkim: {
            enabled: true,
            selector: "s2026b",
            retiring: [{ selector: "s2026a", since }, "s2025z"],
            retireAfterDays: days ?? 7,
          },
        },
      ],
    }) as unknown as Parameters<typeof warnOverdueRetiring>[1];
  const now = new Date("2026-11-30T12:00:00Z");
  const parent = new pulumi.ComponentResource("test:index:Parent", "overdue");

  it("warns for a selector retiring longer than dkim.retireAfterDays, naming its path, and only then", () => {
    assert.deepEqual(warnOverdueRetiring('MailServer "mail"', spec("2026-11-22"), parent, now), [
      'MailServer "mail": domains[0].dkim.retiring[0]: s2026a has been retiring since 2026-11-22, 8 days (dkim.retireAfterDays: 7): the overlap is over; remove it from retiring and run pulumi up, which deletes its record and key (docs/dkim-rotation.md)',
    ]);
    // Day 7 is still within the overlap; a selector without since is never judged.
    assert.deepEqual(warnOverdueRetiring("m", spec("2026-11-23"), parent, now), []);
    assert.deepEqual(warnOverdueRetiring("m", spec("2026-11-01", 30), parent, now), []);
  });

  it("MailServer logs it, and today's date reaches no resource input", async () => {
    const warned: string[] = [];
    const original = pulumi.log.warn;
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (msg: string) => {
      warned.push(msg);
    };
    try {
      const regs = await runDocker(
        rotating({ selector: "s2026b", retiring: [{ selector: "s2026a", since: "2020-01-01" }] }),
      );
      assert.equal(
        warned.filter((w) => w.includes("s2026a has been retiring since 2020-01-01")).length,
        1,
      );
      const today = new Date().toISOString().slice(0, 10);
      for (const r of regs) assert.ok(!JSON.stringify(r.inputs).includes(today), r.name);
    } finally {
      (pulumi.log as { warn: typeof pulumi.log.warn }).warn = original;
    }
  });
});

describe("KubernetesMailServer: DKIM rotation", () => {
  it("publishes both selectors, and the ConfigMaps, Secret and StatefulSet depend on the new record", async () => {
    resetRegistrations();
    const args: KubernetesMailServerArgs = {
      ...rotating({ selector: "s2026b", retiring: ["s2026a"] }),
      platform: { kind: "kubernetes", namespace: "mail", certManager: { issuer: "letsencrypt" } },
    };
    const m = new KubernetesMailServer("mail", args);
    const regs = await settle([
      m.records,
      m.rolloutHash,
      ...Object.values(m.objects).map((o) => o.id as pulumi.Output<unknown>),
    ]);
    const newRecord = recordOf(regs, "s2026b").name;
    assert.notEqual(
      recordOf(regs, "s2026a").inputs.content,
      recordOf(regs, "s2026b").inputs.content,
    );
    for (const child of [
      "mail-config",
      "mail-config-startup",
      "mail-secrets",
      "mail-statefulset",
    ]) {
      const deps = dependencyNames(child);
      assert.ok(deps.includes(newRecord), `${child} deps: ${deps.join(", ")}`);
    }
    const config = unwrap(
      regs.find((r) => r.name === "mail-config-startup")!.inputs.data,
    ) as Record<string, string>;
    const conf = Object.entries(config).find(([k]) => k.includes("dkim_signing"))?.[1] ?? "";
    assert.match(conf, /selector = "s2026b";/);
    assert.doesNotMatch(conf, /s2026a/);
  });
});

describe(
  "MailServer: the publish wait against a real BIND",
  { skip: !bindAvailable() && process.env.CI !== "true" ? "named is not installed" : false },
  () => {
    let bind: BindServer;
    const txt = (p: string) => `"v=DKIM1; k=rsa; p=${p}"`;
    before(async () => {
      bind = await startBind({
        zones: {
          "example.com": [
            "$TTL 60",
            "@ IN SOA ns1.example.com. hostmaster.example.com. 1 60 60 600 60",
            "@ IN NS ns1.example.com.",
            "ns1 IN A 127.0.0.1",
            `s2026a._domainkey IN TXT ${txt(MOCK_KEY_BASE64)}`,
            // The new selector's value split as a zone file would (two strings).
            `s2026b._domainkey IN TXT ( ${txt(NEW_KEY_BASE64.slice(0, 100))} "${NEW_KEY_BASE64.slice(100)}" )`,
            "",
          ].join("\n"),
        },
      });
    });
    after(async () => bind?.stop());

    it("registers the writer once every authoritative server answers the new record", async () => {
      const started = Date.now();
      const regs = await runDocker(
        rotating(
          { selector: "s2026b", retiring: ["s2026a"] },
          {
            dkimPublishWait: {
              resolver: bind.hostPort,
              nameserverPort: bind.port,
              timeoutSeconds: 20,
            },
          },
        ),
      );
      assert.ok(regs.some((r) => r.name === "mail-config-writer"));
      assert.ok(Date.now() - started < 20_000);
    });

    it("fails within its bound, naming the server and the record, when the record is not there", async () => {
      const started = Date.now();
      const value = `v=DKIM1; k=rsa; p=${NEW_KEY_BASE64}`;
      await assert.rejects(
        waitUntilPublished(
          [
            { zone: "example.com", name: "s2026c._domainkey.example.com", value },
            { zone: "example.com", name: "s2026a._domainkey.example.com", value },
          ],
          {
            resolver: bind.hostPort,
            nameserverPort: bind.port,
            timeoutSeconds: 2,
            intervalSeconds: 1,
          },
        ),
        (err: Error) => {
          assert.ok(err instanceof PublishWaitTimeout);
          assert.match(
            err.message,
            /after 2 s: s2026a\._domainkey\.example\.com TXT at ns1\.example\.com\. \(127\.0\.0\.1:\d+\): answers another value; s2026c\._domainkey\.example\.com TXT at ns1\.example\.com\. \(127\.0\.0\.1:\d+\): no such record yet$/,
          );
          return true;
        },
      );
      assert.ok(Date.now() - started < 6_000);
    });
  },
);
