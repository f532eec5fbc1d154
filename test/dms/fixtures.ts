/**
 * Specs and material for the dms tests. Keys are throwaway 1024-bit test keys committed under
 * `fixtures/` (PKCS#1 for one domain, PKCS#8 for the other), so goldens are stable.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { deriveSalt, sha512Crypt } from "../../src/dms/password";
import {
  MailServerSpecSchema,
  type MailServerSpec,
  type MailServerSpecInput,
} from "../../src/spec/schema";
import type { DkimKeyMaterial, PlanMaterial } from "../../src/spec/material";
import { dkimPublicKeyBase64 } from "../../src/records";

export const PASSWORDS: Readonly<Record<string, string>> = {
  "alice@example.org": "alice-correct-horse",
  "bob@example.org": "bob: pipes | and colons",
  "superbob@example.org": "superbob-pässwörd",
  "a.b@example.net": "ab-dot",
  "a-b@example.net": "ab-dash",
  "carol@example.net": "carol🔑",
  "postmaster@example.org": "pm",
};

/** The rich spec: two domains, a catch-all, quotas with substring cases, devnull, relay, overrides. */
export const RICH: MailServerSpecInput = {
  hostname: "mail.example.org",
  ipv4: "192.0.2.10",
  ipv6: "2001:db8::10",
  domains: [
    { name: "example.org", dkim: { selector: "mail", keySize: 2048 } },
    { name: "example.net", dkim: { selector: "s2026", keySize: 1024 } },
  ],
  accounts: [
    { address: "superbob@example.org", password: PASSWORDS["superbob@example.org"], quota: "2G" },
    {
      address: "bob@example.org",
      password: PASSWORDS["bob@example.org"],
      quota: "1G",
      aliases: ["robert@example.org"],
    },
    {
      address: "alice@example.org",
      password: PASSWORDS["alice@example.org"],
      quota: "5G",
      aliases: ["info@example.org", "hello@example.net"],
    },
    { address: "a.b@example.net", password: PASSWORDS["a.b@example.net"] },
    { address: "a-b@example.net", password: PASSWORDS["a-b@example.net"], quota: "512M" },
    { address: "carol@example.net", password: PASSWORDS["carol@example.net"], quota: "0" },
  ],
  aliases: [
    { address: "@example.net", targets: ["carol@example.net"] },
    {
      address: "sales@example.org",
      targets: ["bob@example.org", "alice@example.org", "bob@example.org"],
    },
    { address: "info@example.org", targets: ["external@example.com"] },
  ],
  devnull: ["noreply@example.org", "bounce@example.net"],
  postmaster: "alice@example.org",
  features: { rspamd: true, pop3: true, managesieve: true, fail2ban: true, srs: true },
  tls: { type: "manual", certPath: "/srv/tls/fullchain.pem", keyPath: "/srv/tls/privkey.pem" },
  relay: { host: "smtp.relay.example", port: 587, username: "relay-user" },
  memoryLimit: "1.5g",
  timezone: "Europe/Berlin",
  dnsResolvers: ["9.9.9.9", "2620:fe::fe"],
  env: { POSTFIX_MAILBOX_SIZE_LIMIT: "10737418240", ENABLE_UPDATE_CHECK: "0" },
  overrides: {
    postfixMain: "smtpd_banner = $myhostname ESMTP\r\nmessage_size_limit = 52428800",
    dovecot: "mail_max_userip_connections = 50\n",
    userPatches: "#!/bin/bash\nset -euo pipefail\necho patched\n",
  },
  services: { imap: { expose: "private" }, managesieve: { expose: "private", bind: ["10.0.0.5"] } },
  retainData: true,
};

/** The same server signing with OpenDKIM instead of rspamd. */
export const RICH_OPENDKIM: MailServerSpecInput = {
  ...RICH,
  features: { ...RICH.features, rspamd: false },
};

/** A bare-domain server: the hostname is the mail domain (docs/dms-contract.md#bare-domain). */
export const BARE: MailServerSpecInput = {
  hostname: "example.org",
  bareDomain: true,
  domains: [{ name: "example.org" }],
  accounts: [{ address: "postmaster@example.org", password: PASSWORDS["postmaster@example.org"] }],
  devnull: ["noreply@example.org"],
  overrides: { postfixMain: "smtpd_helo_required = yes\n" },
  tls: { type: "letsencrypt" },
};

/**
 * The FAQ options on the classic stack: SpamAssassin learning (a mailbox and a whole domain),
 * custom rules, the quarantine mailbox, all domains local, behind a proxy, host localtime, and a
 * user script after the library's fragments.
 */
export const FAQ: MailServerSpecInput = {
  ...RICH,
  features: { rspamd: false, amavis: true, spamassassin: true, quotas: true },
  timezone: "host",
  spamassassin: {
    learn: { from: ["bob@example.org", "@example.net", "alice@example.org"], hour: 4 },
    rules: "header LOCAL_BUY Subject =~ /buy now/i\r\nscore LOCAL_BUY 2.5",
    quarantineTo: "alice@example.org",
    allDomainsLocal: true,
  },
  behindProxy: {},
};

export function parse(input: MailServerSpecInput): MailServerSpec {
  return MailServerSpecSchema.parse(input);
}

export function keyPem(domain: string): string {
  return readFileSync(join(__dirname, "fixtures", `${domain}.pem`), "utf8");
}

export const RELAY_PASSWORD = "relay-s3cret:with colon";

/**
 * Material as dmsctl would resolve it: deterministic salts, keys for both domains (example.net
 * public only, like a key adopted elsewhere: it gets no private key file).
 */
export function material(spec: MailServerSpec): PlanMaterial {
  const hashes = new Map<string, string>();
  for (const a of spec.accounts) {
    const pw = a.password!;
    hashes.set(
      a.address,
      `{SHA512-CRYPT}${sha512Crypt(pw, deriveSalt(spec.hostname, a.address, pw))}`,
    );
  }
  const keys = new Map<string, DkimKeyMaterial>([
    [
      "example.org",
      {
        privateKeyPem: keyPem("example.org"),
        publicKeyBase64: dkimPublicKeyBase64(keyPem("example.org")),
      },
    ],
    ["example.net", { publicKeyBase64: dkimPublicKeyBase64(keyPem("example.net")) }],
  ]);
  return { passwordHashes: hashes, dkimKeys: keys, relayPassword: RELAY_PASSWORD };
}

/** A deterministic shuffle (reversal, plus a rotation for 3 or more) of every list the order must not matter for. */
export function shuffled(input: MailServerSpecInput): MailServerSpecInput {
  const rot = <T>(xs: readonly T[] | undefined): T[] | undefined => {
    if (xs === undefined) return undefined;
    const r = [...xs].reverse();
    return r.length > 2 ? [...r.slice(1), r[0]!] : r;
  };
  return {
    ...input,
    domains: rot(input.domains)!,
    accounts: rot(input.accounts)?.map((a) => ({ ...a, aliases: rot(a.aliases) })),
    aliases: rot(input.aliases)?.map((a) => ({ ...a, targets: rot(a.targets)! })),
    devnull: rot(input.devnull),
    env: Object.fromEntries(Object.entries(input.env ?? {}).reverse()),
    bindAddresses: rot(input.bindAddresses),
    capabilities: rot(input.capabilities),
  };
}
