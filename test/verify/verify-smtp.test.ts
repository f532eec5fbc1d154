/**
 * SMTP and TLS checks against a real Postfix (STARTTLS on the smtp port, wrapper-mode TLS on the
 * submissions port, certificates from a test CA) and a Node `tls.Server` as the IMAPS peer (an
 * implicit-TLS listener is all `tls-993` needs; Dovecot's imap-login would need far more setup).
 * Also: self-signed, expired and wrong-name certificates, and peers that never speak, speak garbage
 * or reset.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import { freePort, bindAvailable, startBind, type BindServer } from "../servers/bind";
import {
  makeTestCertificates,
  postfixAvailable,
  startPostfix,
  type PostfixServer,
  type TestCertificates,
} from "../servers/postfix";
import { checkImplicitTls, checkSmtp, type TlsCheckOptions } from "../../src/verify/tls-checks";
import { verifyMailServer } from "../../src/verify/verify";
import { DnsClient } from "../../src/net/dns";
import { servePolicy, startHttps } from "../servers/https";
import { requireTool, startPeer, type Peer } from "./peers";
import { HOSTNAME, makeFixture } from "./fixture";

const skip =
  requireTool(postfixAvailable(), "postfix") || requireTool(bindAvailable(), "named (BIND 9)");

async function tlsPeer(certs: TestCertificates): Promise<{ server: TlsServer; port: number }> {
  const server = createTlsServer(
    { cert: readFileSync(certs.certFile), key: readFileSync(certs.keyFile) },
    (socket) => {
      socket.on("error", () => undefined);
      socket.write("* OK IMAP4rev1 ready\r\n");
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const addr = server.address();
  return { server, port: typeof addr === "object" && addr ? addr.port : 0 };
}

describe("SMTP and TLS checks", { skip }, () => {
  let certs: TestCertificates;
  let postfix: PostfixServer;
  let smtpPort = 0;
  let submissionsPort = 0;
  const tls: Record<string, { server: TlsServer; port: number }> = {};
  const peers: Record<string, Peer> = {};
  before(async () => {
    certs = makeTestCertificates(HOSTNAME);
    smtpPort = await freePort();
    submissionsPort = await freePort();
    postfix = await startPostfix({
      hostname: HOSTNAME,
      listeners: [
        { address: "127.0.0.1", port: smtpPort, kind: "smtp" },
        { address: "127.0.0.1", port: submissionsPort, kind: "submissions" },
      ],
      tls: certs,
    });
    tls.good = await tlsPeer(certs);
    tls.selfSigned = await tlsPeer(makeTestCertificates(HOSTNAME, { selfSigned: true }));
    tls.expired = await tlsPeer(makeTestCertificates(HOSTNAME, { expired: true }));
    tls.otherName = await tlsPeer(makeTestCertificates("other.example.org"));
    peers.tarpit = await startPeer({ kind: "tarpit" });
    peers.garbage = await startPeer({ kind: "banner", text: "SSH-2.0-OpenSSH_9.2\r\n" });
    peers.reset = await startPeer({ kind: "reset", afterMs: 20 });
    peers.wrongName = await startPeer({
      kind: "smtp",
      banner: "220 localhost ESMTP",
      ehloReply: "250 localhost",
    });
  });
  after(async () => {
    await postfix?.stop();
    for (const t of Object.values(tls)) t.server.close();
    for (const p of Object.values(peers)) await p.close();
  });

  const options = (ports: TlsCheckOptions["ports"], ca = true): TlsCheckOptions => ({
    hostname: HOSTNAME,
    connectHost: "127.0.0.1",
    ports,
    ...(ca ? { ca: certs.caCertPem } : {}),
    timeoutMs: 1500,
  });

  test("Postfix: banner names the host, STARTTLS completes, 465 serves a trusted certificate", async () => {
    const smtp = await checkSmtp(options({ smtp: smtpPort }));
    assert.deepEqual(
      smtp.map((c) => [c.id, c.status]),
      [
        ["smtp-banner", "pass"],
        ["smtp-starttls", "pass"],
      ],
    );
    assert.equal(smtp[0]!.message, `"220 ${HOSTNAME} ESMTP"`);
    assert.match(
      smtp[1]!.message,
      /^STARTTLS TLSv1\.[23], certificate issued by dms test CA, valid until \d{4}-\d\d-\d\d$/,
    );
    const s465 = await checkImplicitTls("tls-465", options({ submissions: submissionsPort }));
    assert.equal(s465.status, "pass", s465.message);
    assert.match(s465.message, /^TLSv1\.[23], certificate issued by dms test CA, valid until /);
    const i993 = await checkImplicitTls("tls-993", options({ imaps: tls.good!.port }));
    assert.equal(i993.status, "pass", i993.message);
  });

  test("untrusted, self-signed, expired and wrong-name certificates each say so", async () => {
    const untrusted = await checkImplicitTls(
      "tls-465",
      options({ submissions: submissionsPort }, false),
    );
    assert.equal(untrusted.status, "fail");
    assert.match(untrusted.message, /: not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/);
    const self = await checkImplicitTls("tls-993", options({ imaps: tls.selfSigned!.port }));
    assert.match(
      self.message,
      /^TLSv1\.[23], certificate issued by mail\.example\.com, valid until \S+: self-signed$/,
    );
    const expired = await checkImplicitTls("tls-993", options({ imaps: tls.expired!.port }));
    assert.match(expired.message, /: expired on 2020-02-01$/);
    const other = await checkImplicitTls("tls-993", options({ imaps: tls.otherName!.port }));
    assert.match(
      other.message,
      /: does not cover mail\.example\.com \(names other\.example\.org\), not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/,
    );
    for (const c of [untrusted, self, expired, other]) {
      assert.equal(c.status, "fail");
      assert.match(c.remediation!, /^Serve a certificate for mail\.example\.com from a public CA/);
    }
  });

  test("SMTP peers that never speak, speak garbage, reset, or name another host", async () => {
    const started = Date.now();
    const [tarpit, garbage, reset, wrong] = await Promise.all(
      [peers.tarpit!, peers.garbage!, peers.reset!, peers.wrongName!].map((p) =>
        checkSmtp(options({ smtp: p.port })),
      ),
    );
    // Four peers at once, each bounded by the 1.5 s deadline: far below the kernel's connect
    // timeout even with scheduling delay on a loaded machine.
    assert.ok(Date.now() - started < 1500 + 5000, `took ${Date.now() - started} ms`);
    assert.equal(
      tarpit![0]!.message,
      "silent during banner: no complete reply before the deadline",
    );
    assert.equal(
      garbage![0]!.message,
      'garbage during banner: not an SMTP reply: "SSH-2.0-OpenSSH_9.2"',
    );
    assert.equal(reset![0]!.message, "reset during banner: connection failed: ECONNRESET");
    assert.equal(wrong![0]!.message, 'banner "220 localhost ESMTP" does not name mail.example.com');
    for (const c of [tarpit![0]!, garbage![0]!, reset![0]!, wrong![0]!]) {
      assert.deepEqual([c.id, c.status], ["smtp-banner", "fail"]);
    }
    assert.deepEqual(
      [tarpit![1]!.status, garbage![1]!.status, reset![1]!.status],
      ["skip", "skip", "skip"],
    );
    assert.deepEqual([wrong![1]!.status, wrong![1]!.message], ["fail", "STARTTLS is not offered"]);
  });

  test("the whole verify passes against BIND and Postfix", async () => {
    const fx = makeFixture();
    // example.com declares MTA-STS: its policy is served too, from its own test CA.
    const stsCerts = makeTestCertificates("mta-sts.example.com");
    const policy = fx.plan.mtaStsPolicies!.find((p) => p.domain === "example.com")!;
    const sts = await startHttps(stsCerts, servePolicy(policy.text));
    const zones = {
      ...fx.zones,
      "example.com": `${fx.zones["example.com"]}mta-sts 300 IN A 127.0.0.1\n`,
    };
    let bind: BindServer | undefined;
    try {
      bind = await startBind({ zones });
      const report = await verifyMailServer(fx.spec, fx.plan, {
        dns: new DnsClient({ server: bind.hostPort, timeoutMs: 1000 }),
        dkimPrivateKeys: fx.keys,
        network: {
          connectHost: "127.0.0.1",
          ports: { smtp: smtpPort, submissions: submissionsPort, imaps: tls.good!.port },
          ca: certs.caCertPem + stsCerts.caCertPem,
          timeoutMs: 3000,
          mtaSts: { port: sts.port },
        },
      });
      assert.deepEqual(
        report.checks.filter((c) => c.status === "fail").map((c) => [c.id, c.message]),
        [],
      );
      assert.equal(
        report.checks.filter((c) => c.id.startsWith("mta-sts-policy-") && c.status === "pass")
          .length,
        7,
      );
      assert.deepEqual(
        report.checks
          .filter((c) => ["smtp-banner", "smtp-starttls", "tls-465", "tls-993"].includes(c.id))
          .map((c) => [c.id, c.status]),
        [
          ["smtp-banner", "pass"],
          ["smtp-starttls", "pass"],
          ["tls-465", "pass"],
          ["tls-993", "pass"],
        ],
      );
      assert.equal(report.ok, true);
    } finally {
      await bind?.stop();
      await sts.close();
    }
  });
});
