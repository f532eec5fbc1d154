/**
 * The MTA-STS policy fetch against a real HTTPS server on loopback with a test CA, and a real BIND
 * answering `mta-sts.example.com` (127.0.0.1), the MX and the `_mta-sts` TXT from the planned
 * zone. The correct policy passes every check; a redirect, a wrong MX, a wrong content type, an
 * expired certificate, a wrong-name certificate and a mismatched id each fail exactly their check.
 */
import { test, describe, before, after } from "node:test";
import assert from "node:assert/strict";
import { bindAvailable, startBind, type BindServer } from "../servers/bind";
import { makeTestCertificates, type TestCertificates } from "../servers/postfix";
import {
  loadWorker,
  servePolicy,
  startHttps as serve,
  workerHandler,
  type HttpsHandler as Handler,
} from "../servers/https";
import { mtaStsWorkerScript } from "../../src/providers/mta-sts/worker-script";
import { DnsClient } from "../../src/net/dns";
import { mtaStsPolicyId } from "../../src/records/policies";
import type { Check } from "../../src/verify/checks";
import { checkMtaStsPolicy, MTA_STS_POLICY_IDS } from "../../src/verify/mta-sts-fetch";
import { verifyMailServer } from "../../src/verify/verify";
import { editZone, makeFixture } from "./fixture";
import { requireTool } from "./peers";

const skipBind = requireTool(bindAvailable(), "named (BIND 9)");
const skipOpenssl = requireTool(
  (() => {
    try {
      makeTestCertificates("probe.invalid");
      return true;
    } catch {
      return false;
    }
  })(),
  "openssl",
);

function summary(checks: readonly Check[]): Record<string, string> {
  return Object.fromEntries(checks.map((c) => [c.id, c.status]));
}

const ALL_PASS = Object.fromEntries(MTA_STS_POLICY_IDS.map((id) => [id, "pass"]));

describe("MTA-STS policy fetch (RFC 8461 §3.3)", { skip: skipBind || skipOpenssl }, () => {
  const fx = makeFixture();
  const domain = fx.spec.domains.find((d) => d.name === "example.com")!;
  const policy = fx.plan.mtaStsPolicies!.find((p) => p.domain === "example.com")!;
  const served = (text = policy.text, type?: string): Handler => servePolicy(text, type);
  const zoneWithHost = `${fx.zones["example.com"]}\nmta-sts.example.com. 300 IN A 127.0.0.1\n`;
  let bind: BindServer;
  let good: TestCertificates;
  before(async () => {
    bind = await startBind({ zones: { "example.com": zoneWithHost } });
    good = makeTestCertificates("mta-sts.example.com");
  });
  after(async () => {
    await bind?.stop();
  });

  async function run(
    certs: TestCertificates,
    handler: Handler,
    dnsServer: string = bind.hostPort,
    extra: { connectAddress?: string } = {},
  ): Promise<Check[]> {
    const http = await serve(certs, handler);
    try {
      return await checkMtaStsPolicy(
        { plan: fx.plan, dns: new DnsClient({ server: dnsServer, timeoutMs: 3000 }) },
        domain,
        { port: http.port, ca: certs.caCertPem, timeoutMs: 5000, ...extra },
      );
    } finally {
      await http.close();
    }
  }

  test("the planned policy, served correctly, passes every check", async () => {
    const checks = await run(good, served());
    assert.deepEqual(summary(checks), ALL_PASS);
    const byId = new Map(checks.map((c) => [c.id, c]));
    assert.equal(
      byId.get("mta-sts-policy-mx")!.message,
      "every MX (mail.example.com) matches mx: mail.example.com",
    );
    assert.equal(
      byId.get("mta-sts-policy-id")!.message,
      `_mta-sts.example.com id=${policy.id} announces the served policy`,
    );
  });

  test("the Cloudflare Worker script, behind HTTPS, passes every check", async () => {
    const worker = await loadWorker(mtaStsWorkerScript("mta-sts.example.com", policy.text));
    const checks = await run(good, workerHandler(worker));
    assert.deepEqual(summary(checks), ALL_PASS);
  });

  test("a redirect fails the http check; the rest are skipped, never fetched", async () => {
    const checks = await run(good, (_req, res) => {
      res.writeHead(301, { location: "https://www.example.com/mta-sts.txt" }).end();
    });
    assert.deepEqual(summary(checks), {
      "mta-sts-policy-certificate": "pass",
      "mta-sts-policy-http": "fail",
      "mta-sts-policy-content-type": "skip",
      "mta-sts-policy-fields": "skip",
      "mta-sts-policy-mx": "skip",
      "mta-sts-policy-max-age": "skip",
      "mta-sts-policy-id": "skip",
    });
    assert.match(
      checks.find((c) => c.id === "mta-sts-policy-http")!.message,
      /HTTP 301 redirect to https:\/\/www\.example\.com\/mta-sts\.txt; senders do not follow redirects/,
    );
  });

  test("a policy whose mx lines miss the MX fails only the mx check", async () => {
    const text = policy.text.replace("mx: mail.example.com", "mx: *.mail.example.com");
    // The id is derived from the text, so announce this text's id to isolate the mx problem.
    const zone = editZone(
      zoneWithHost,
      /^_mta-sts\s/,
      `_mta-sts.example.com. 3600 IN TXT "v=STSv1; id=${mtaStsPolicyId(text)}"`,
    );
    const other = await startBind({ zones: { "example.com": zone } });
    try {
      const checks = await run(good, served(text), other.hostPort);
      assert.deepEqual(summary(checks), { ...ALL_PASS, "mta-sts-policy-mx": "fail" });
      assert.equal(
        checks.find((c) => c.id === "mta-sts-policy-mx")!.message,
        "MX mail.example.com not matched by mx: *.mail.example.com: senders enforcing the policy refuse to deliver there",
      );
    } finally {
      await other.stop();
    }
  });

  test("a wrong content type fails only the content-type check", async () => {
    const checks = await run(good, served(policy.text, "text/html"));
    assert.deepEqual(summary(checks), { ...ALL_PASS, "mta-sts-policy-content-type": "fail" });
    assert.match(
      checks.find((c) => c.id === "mta-sts-policy-content-type")!.message,
      /^Content-Type: text\/html, not text\/plain/,
    );
  });

  test("an expired certificate fails the certificate check; nothing is fetched", async () => {
    let requests = 0;
    const expired = makeTestCertificates("mta-sts.example.com", { expired: true });
    const checks = await run(expired, (req, res) => {
      requests++;
      served()(req, res);
    });
    assert.deepEqual(summary(checks), {
      ...Object.fromEntries(MTA_STS_POLICY_IDS.map((id) => [id, "skip"])),
      "mta-sts-policy-certificate": "fail",
    });
    assert.match(checks[0]!.message, /expired on 2020-02-01/);
    assert.equal(requests, 0);
  });

  test("a certificate for another name fails the certificate check", async () => {
    const wrongName = makeTestCertificates("www.example.com");
    const checks = await run(wrongName, served());
    assert.equal(checks[0]!.id, "mta-sts-policy-certificate");
    assert.equal(checks[0]!.status, "fail");
    assert.match(
      checks[0]!.message,
      /does not cover mta-sts\.example\.com \(names www\.example\.com\)/,
    );
    assert.deepEqual(
      checks.slice(1).map((c) => c.status),
      MTA_STS_POLICY_IDS.slice(1).map(() => "skip"),
    );
  });

  test("an untrusted CA fails the certificate check (verification stays on)", async () => {
    const http = await serve(good, served());
    try {
      const checks = await checkMtaStsPolicy(
        { plan: fx.plan, dns: new DnsClient({ server: bind.hostPort, timeoutMs: 3000 }) },
        domain,
        { port: http.port, timeoutMs: 5000 },
      );
      assert.equal(checks[0]!.status, "fail");
      assert.match(checks[0]!.message, /not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
    } finally {
      await http.close();
    }
  });

  test("a TXT id that is not the served policy's fails only the id check", async () => {
    const zone = editZone(
      zoneWithHost,
      /^_mta-sts\s/,
      `_mta-sts.example.com. 3600 IN TXT "v=STSv1; id=20260101000000"`,
    );
    const other = await startBind({ zones: { "example.com": zone } });
    try {
      const checks = await run(good, served(), other.hostPort);
      assert.deepEqual(summary(checks), { ...ALL_PASS, "mta-sts-policy-id": "fail" });
      assert.match(
        checks.find((c) => c.id === "mta-sts-policy-id")!.message,
        new RegExp(`announces id=20260101000000, the served policy's id is ${policy.id}`),
      );
    } finally {
      await other.stop();
    }
  });

  test("without an address for mta-sts.<domain>, the http check says so; an override connects", async () => {
    const zone = fx.zones["example.com"]!;
    const other = await startBind({ zones: { "example.com": zone } });
    try {
      const missing = await run(good, served(), other.hostPort);
      assert.equal(summary(missing)["mta-sts-policy-http"], "fail");
      assert.match(
        missing.find((c) => c.id === "mta-sts-policy-http")!.message,
        /^mta-sts\.example\.com has no A or AAAA record/,
      );
      const forced = await run(good, served(), other.hostPort, { connectAddress: "127.0.0.1" });
      assert.deepEqual(summary(forced), ALL_PASS);
    } finally {
      await other.stop();
    }
  });

  test("verifyMailServer runs the policy checks for the domain declaring mtaSts", async () => {
    const http = await serve(good, served());
    try {
      const report = await verifyMailServer(fx.spec, fx.plan, {
        dns: new DnsClient({ server: bind.hostPort, timeoutMs: 3000 }),
        network: { ca: good.caCertPem, timeoutMs: 5000, mtaSts: { port: http.port }, ports: {} },
      });
      const policyChecks = report.checks.filter((c) => c.id.startsWith("mta-sts-policy-"));
      assert.deepEqual(
        policyChecks.map((c) => [c.id, c.subject, c.status]),
        MTA_STS_POLICY_IDS.map((id) => [id, "example.com", "pass"]),
      );
    } finally {
      await http.close();
    }
  });
});
