/**
 * The FAQ options' rules: SpamAssassin options without SpamAssassin, learning from mailboxes the
 * spec does not have, learning with env that keeps spam out of Junk, a quarantine mailbox that is
 * no account, a proxy address that is not the host's, and `timezone: host` on Kubernetes. Exact
 * and complete findings, each with id, path and value.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateSpec } from "../../src/spec/validate";
import { formatFinding } from "../../src/spec/findings";
import { HASH, withSpec } from "./helpers";

function found(input: unknown, level: "error" | "warn" = "error"): string[] {
  return validateSpec(input)
    .findings.filter((f) => f.level === level)
    .map(formatFinding);
}

const CLASSIC = { rspamd: false, amavis: true, spamassassin: true };
const ACCOUNTS = [
  { address: "alice@example.com", passwordHash: HASH },
  { address: "quarantine@example.com", passwordHash: HASH },
];

describe("FAQ option rules", () => {
  it("accepts every option on the classic stack with accounts and host addresses", () => {
    const spec = withSpec({
      features: CLASSIC,
      accounts: ACCOUNTS,
      ipv6: "2001:db8::10",
      timezone: "host",
      spamassassin: {
        learn: { from: ["alice@example.com", "@example.com"] },
        rules: "score LOCAL 1\n",
        quarantineTo: "quarantine@example.com",
        allDomainsLocal: true,
      },
      behindProxy: { publicAddresses: ["192.0.2.10", "2001:db8:0::10"] },
    });
    const result = validateSpec(spec);
    assert.deepEqual(result.findings.map(formatFinding), []);
    assert.ok(result.ok);
  });

  it("refuses SpamAssassin options while SpamAssassin is off, each by path", () => {
    assert.deepEqual(
      found(
        withSpec({
          accounts: ACCOUNTS,
          spamassassin: {
            learn: { from: ["alice@example.com"] },
            rules: "score X 1\n",
            quarantineTo: "quarantine@example.com",
            allDomainsLocal: true,
          },
        }),
      ),
      [
        "error spamassassin-options-off spamassassin.allDomainsLocal: needs features.spamassassin and features.amavis on, got spamassassin false and amavis false",
        "error spamassassin-options-off spamassassin.learn: needs features.spamassassin and features.amavis on, got spamassassin false and amavis false",
        "error quarantine-without-amavis spamassassin.quarantineTo: needs features.amavis: without Amavis nothing is quarantined",
        "error spamassassin-options-off spamassassin.rules: needs features.spamassassin and features.amavis on, got spamassassin false and amavis false",
      ],
    );
  });

  it("refuses learning from unknown mailboxes and domains, and unsafe local parts", () => {
    assert.deepEqual(
      found(
        withSpec({
          features: CLASSIC,
          domains: [{ name: "example.com" }, { name: "empty.example" }],
          accounts: [...ACCOUNTS, { address: "o'neil@example.com", passwordHash: HASH }],
          spamassassin: {
            learn: {
              from: ["bob@example.com", "@other.example", "@empty.example", "o'neil@example.com"],
            },
          },
        }),
      ),
      [
        'error spam-learning-mailbox-unknown spamassassin.learn.from[0]: is no account of this server, got "bob@example.com"',
        'error spam-learning-mailbox-unknown spamassassin.learn.from[1]: names "other.example", which is not a declared domain',
        'error spam-learning-mailbox-unknown spamassassin.learn.from[2]: names "empty.example", which has no account to learn from',
        'error spam-learning-path spamassassin.learn.from[3]: has a local part the cron line cannot carry literally, got "o\'neil@example.com"',
      ],
    );
  });

  it("refuses env that bounces spam or keeps it out of Junk while learning", () => {
    const spec = withSpec({
      features: CLASSIC,
      accounts: ACCOUNTS,
      env: { SPAMASSASSIN_SPAM_TO_INBOX: "0", MOVE_SPAM_TO_JUNK: "0" },
      spamassassin: { learn: { from: ["@example.com"] } },
    });
    assert.deepEqual(found(spec), [
      'error spam-learning-env env.MOVE_SPAM_TO_JUNK: must stay 1 for spamassassin.learn, got "0"',
      'error spam-learning-env env.SPAMASSASSIN_SPAM_TO_INBOX: must stay 1 for spamassassin.learn, got "0"',
    ]);
  });

  it("refuses a quarantine address that is an alias, not an account", () => {
    const spec = withSpec({
      features: CLASSIC,
      accounts: ACCOUNTS.slice(0, 1),
      aliases: [{ address: "quarantine@example.com", targets: ["alice@example.com"] }],
      spamassassin: { quarantineTo: "quarantine@example.com" },
    });
    assert.deepEqual(found(spec), [
      'error quarantine-not-account spamassassin.quarantineTo: must be an account of this server, got "quarantine@example.com"',
    ]);
  });

  it("refuses a proxy address that is not the host's, and a proxy with no address at all", () => {
    assert.deepEqual(
      found(withSpec({ behindProxy: { publicAddresses: ["198.51.100.1", "2001:db8::1"] } })),
      [
        'error proxy-address-not-host behindProxy.publicAddresses[0]: is not the host\'s public address "192.0.2.10" (ipv4), got "198.51.100.1"',
        'error proxy-address-not-host behindProxy.publicAddresses[1]: is not the host\'s public address: the spec sets no ipv6, so no record points at it, got "2001:db8::1"',
      ],
    );
    const { ipv4: _, ...noAddress } = withSpec({ behindProxy: {} });
    assert.deepEqual(found(noAddress), [
      "error proxy-address-missing behindProxy: has no publicAddresses and the spec sets neither ipv4 nor ipv6",
    ]);
  });

  it("accepts timezone host on Docker without a timezone warning, refuses it on Kubernetes", () => {
    assert.deepEqual(found(withSpec({ timezone: "host" }), "warn"), []);
    assert.deepEqual(
      found(
        withSpec({
          timezone: "host",
          tls: { type: "none" },
          platform: { kind: "kubernetes" },
        }),
      ),
      [
        'error platform-docker-only timezone: is "host", which mounts the Docker host\'s /etc/localtime; on Kubernetes name the zone (e.g. "Europe/Berlin")',
      ],
    );
  });

  it("refuses CRLF in custom SpamAssassin rules like any passthrough text", () => {
    const spec = withSpec({
      features: CLASSIC,
      spamassassin: { rules: "score A 1\r\nscore B 2\n" },
    });
    assert.deepEqual(found(spec), [
      "error passthrough-control-char spamassassin.rules: contains a carriage return (CRLF line endings) on line 1; docker-mailserver copies this file verbatim, so it must be LF-only text",
    ]);
  });
});
