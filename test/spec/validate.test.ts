import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { validateSpec } from "../../src/spec/validate";
import { formatFinding } from "../../src/spec/findings";
import { RULES } from "../../src/spec/rules";
import { baseSpec, HASH, withSpec } from "./helpers";

/** The findings of a spec as `level id path: message` lines, in the order validateSpec sorts them. */
function lines(input: unknown): string[] {
  return validateSpec(input).findings.map(formatFinding);
}

const rsa = (bits: number): string =>
  generateKeyPairSync("rsa", { modulusLength: bits }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;
const KEY_1024 = rsa(1024);
const KEY_512 = rsa(512);
const ED25519 = generateKeyPairSync("ed25519").privateKey.export({
  type: "pkcs8",
  format: "pem",
}) as string;

const domain = (fields: Record<string, unknown>): Record<string, unknown> => ({
  name: "example.com",
  ...fields,
});
const account = (address: string, fields: Record<string, unknown> = {}) => ({
  address,
  passwordHash: HASH,
  ...fields,
});

/** 246 characters: `_dmarc.` fits (253), longer derived names do not. */
const LONG_DOMAIN = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(50)}.com`;

/** One bad spec per rule (and more), each with its exact, complete list of findings. */
const CASES: readonly (readonly [string, unknown, readonly string[]])[] = [
  // ---- schema ------------------------------------------------------------------------------
  [
    "hostname not an FQDN",
    withSpec({ hostname: "mail" }),
    ['error hostname-fqdn hostname: must be a lowercase fully qualified domain name, got "mail"'],
  ],
  [
    "hostname in upper case",
    withSpec({ hostname: "Mail.Example.com" }),
    [
      'error hostname-fqdn hostname: must be a lowercase fully qualified domain name, got "Mail.Example.com"',
    ],
  ],
  [
    "hostname missing",
    { domains: [{ name: "example.com" }] },
    ["error schema-required hostname: is required"],
  ],
  ["domains empty", withSpec({ domains: [] }), ["error schema-range domains: must not be empty"]],
  [
    "unknown key with a suggestion",
    withSpec({ domains: [domain({ dkmi: { selector: "x" } })] }),
    ['error schema-unknown-key domains[0].dkmi: unknown key "dkmi" (did you mean "dkim"?)'],
  ],
  [
    "unknown top-level key without a close match",
    withSpec({ whatever: 1 }),
    ['error schema-unknown-key whatever: unknown key "whatever"'],
  ],
  [
    "unknown key inside a discriminated union branch",
    withSpec({ tls: { type: "manual", certPath: "/c.pem", keyPath: "/k.pem", keypath: "/k" } }),
    ['error schema-unknown-key tls.keypath: unknown key "keypath" (did you mean "keyPath"?)'],
  ],
  [
    "wrong type",
    withSpec({ features: { rspamd: "yes" } }),
    ['error schema-type features.rspamd: must be true or false, got "yes"'],
  ],
  [
    "enum value",
    withSpec({ domains: [domain({ dmarc: { policy: "rejct" } })] }),
    [
      'error schema-value domains[0].dmarc.policy: must be one of "none", "quarantine", "reject", got "rejct"',
    ],
  ],
  [
    "discriminator value",
    withSpec({ domains: [domain({ dns: { provider: "cf", zoneId: "z" } })] }),
    [
      'error schema-value domains[0].dns.provider: must be one of "cloudflare", "route53", "zonefile", got "cf"',
    ],
  ],
  [
    "discriminator missing",
    withSpec({ tls: {} }),
    [
      'error schema-required tls.type: is required, one of "letsencrypt", "manual", "self-signed", "none"',
    ],
  ],
  [
    "literal union (key size)",
    withSpec({ domains: [domain({ dkim: { keySize: 3072 } })] }),
    ["error schema-value domains[0].dkim.keySize: must be one of 1024, 2048, 4096, got 3072"],
  ],
  [
    "number out of range",
    withSpec({ domains: [domain({ ttl: 5 })] }),
    ["error schema-range domains[0].ttl: must be at least 60, got 5"],
  ],
  [
    "not a whole number",
    withSpec({ domains: [domain({ mxPriority: 1.5 })] }),
    ["error schema-type domains[0].mxPriority: must be a whole number, got 1.5"],
  ],
  [
    "IP union",
    withSpec({ bindAddresses: ["0.0.0.0", "1.2.3"] }),
    ['error schema-format bindAddresses[1]: must be an IPv4 or IPv6 address, got "1.2.3"'],
  ],
  [
    "CIDR union",
    withSpec({ services: { smtp: { expose: "public", allowFrom: ["192.0.2.1"] } } }),
    [
      'error schema-format services.smtp.allowFrom[0]: must be an IPv4 or IPv6 CIDR such as 192.0.2.0/24, got "192.0.2.1"',
    ],
  ],
  [
    "bad address",
    withSpec({ accounts: [account("Alice@example.com")] }),
    [
      'error schema-format accounts[0].address: must be a lowercase email address (local@domain), got "Alice@example.com"',
    ],
  ],
  [
    "env key format",
    withSpec({ env: { "my-var": "1" } }),
    ['error schema-format env.my-var: must be an upper-case variable name, got "my-var"'],
  ],
  [
    "secret of the wrong type is not shown",
    withSpec({ accounts: [{ address: "alice@example.com", password: 123456 }] }),
    ["error schema-type accounts[0].password: must be text, got a number (value hidden: secret)"],
  ],
  [
    "bad quota syntax",
    withSpec({ accounts: [account("alice@example.com", { quota: "5GB" })] }),
    [
      'error quota-syntax accounts[0].quota: must be 0 or a whole number with a unit B, k, M, G or T, such as 512M, got "5GB"',
    ],
  ],
  [
    "numeric quota other than 0",
    withSpec({ accounts: [account("alice@example.com", { quota: 5 })] }),
    [
      "error quota-syntax accounts[0].quota: must be 0 or a whole number with a unit B, k, M, G or T, such as 512M, got 5",
    ],
  ],
  [
    "memory syntax",
    withSpec({ memoryLimit: "2 GB" }),
    [
      'error schema-format memoryLimit: must be a Docker memory size such as 512m or 3g, got "2 GB"',
    ],
  ],
  // ---- hostname and domains ----------------------------------------------------------------
  [
    "domain equal to the hostname",
    withSpec({
      hostname: "example.com",
      domains: [{ name: "example.com" }],
    }),
    [
      'error domain-is-hostname domains[0].name: "example.com" is the hostname, which Postfix lists in mydestination, so its mail is rejected as "User unknown in local recipient table"; set bareDomain: true or use a hostname such as "mail.example.com"',
    ],
  ],
  [
    "account on the hostname itself",
    withSpec({
      accounts: [account("alice@example.com"), account("root@mail.example.com")],
    }),
    [
      'error address-on-hostname accounts[1].address: "root@mail.example.com" is on the hostname "mail.example.com", which Postfix treats as a local domain (mydestination), so mail to it is rejected; use a declared mail domain or bareDomain: true',
    ],
  ],
  [
    "alias on the hostname itself",
    withSpec({ aliases: [{ address: "abuse@mail.example.com", targets: ["alice@example.com"] }] }),
    [
      'error address-on-hostname aliases[0].address: "abuse@mail.example.com" is on the hostname "mail.example.com", which Postfix treats as a local domain (mydestination), so mail to it is rejected; use a declared mail domain or bareDomain: true',
    ],
  ],
  ["bare domain accepted", withSpec({ hostname: "example.com", bareDomain: true }), []],
  [
    "bareDomain without a domain named like the hostname",
    withSpec({ bareDomain: true }),
    [
      'warn bare-domain-unused bareDomain: is true but no domain is named like the hostname "mail.example.com"',
    ],
  ],
  [
    "duplicate domain",
    withSpec({
      domains: [{ name: "example.com" }, { name: "example.net" }, { name: "example.com" }],
    }),
    [
      'error domain-duplicate domains[2].name: "example.com" is already declared at domains[0]; two entries would publish two MX, SPF and DMARC record sets',
    ],
  ],
  [
    "account in an undeclared domain",
    withSpec({ accounts: [account("alice@example.com"), account("bob@example.org")] }),
    [
      'error address-domain-undeclared accounts[1].address: "bob@example.org" is in "example.org", which is not in domains',
    ],
  ],
  [
    "private IPv4 and IPv6",
    withSpec({ ipv4: "10.1.2.3", ipv6: "fd00::1" }),
    [
      'warn ip-not-public ipv4: is private (10.0.0.0/8), not reachable from the internet, got "10.1.2.3"',
      'warn ip-not-public ipv6: is a unique local address (fc00::/7), not reachable from the internet, got "fd00::1"',
    ],
  ],
  ["documentation ranges are allowed", withSpec({ ipv4: "203.0.113.7", ipv6: "2001:db8::25" }), []],
  [
    "floating image tag",
    withSpec({ image: { tag: "latest" } }),
    [
      'error image-tag-floating image.tag: must be a pinned release such as "15.1.0", got "latest": it moves to new major versions',
    ],
  ],
  [
    "edge image tag",
    withSpec({ image: { tag: "edge" } }),
    [
      'error image-tag-floating image.tag: must be a pinned release such as "15.1.0", got "edge": it moves to new major versions',
    ],
  ],
  [
    "image tag without a release version",
    withSpec({ image: { tag: "mybuild" } }),
    [
      'warn image-tag-unversioned image.tag: names no release version, got "mybuild": the plan writes Dovecot 2.3 settings (the 15.x line); tag a build of the 16 line as "16.0.0-<name>"',
    ],
  ],
  ["private build tagged with its release", withSpec({ image: { tag: "16.0.0-mybuild" } }), []],
  [
    "unknown time zone",
    withSpec({ timezone: "Europe/Atlantis" }),
    ['warn timezone-unknown timezone: is not a known time zone, got "Europe/Atlantis"'],
  ],
  // ---- accounts and aliases ----------------------------------------------------------------
  [
    "duplicate account",
    withSpec({ accounts: [account("alice@example.com"), account("alice@example.com")] }),
    [
      'error account-duplicate accounts[1].address: "alice@example.com" is already declared at accounts[0]',
    ],
  ],
  [
    "address both account and alias",
    withSpec({ aliases: [{ address: "alice@example.com", targets: ["bob@example.net"] }] }),
    [
      'error account-alias-conflict aliases[0].address: "alice@example.com" is already an account (accounts[0]); an address is either an account or an alias',
    ],
  ],
  [
    "account alias that is an account",
    withSpec({
      accounts: [
        account("alice@example.com", { aliases: ["bob@example.com"] }),
        account("bob@example.com"),
      ],
    }),
    [
      'error account-alias-conflict accounts[0].aliases[0]: "bob@example.com" is already an account (accounts[1]); an address is either an account or an alias',
    ],
  ],
  [
    "devnull address that is an account",
    withSpec({ devnull: ["alice@example.com"] }),
    [
      'error account-alias-conflict devnull[0]: "alice@example.com" is already an account (accounts[0]); an address is either an account or a devnull sink',
    ],
  ],
  [
    "alias declared twice",
    withSpec({
      accounts: [account("alice@example.com", { aliases: ["info@example.com"] })],
      aliases: [{ address: "info@example.com", targets: ["bob@example.net"] }],
    }),
    [
      'error alias-duplicate aliases[0].address: "info@example.com" is already declared at accounts[0].aliases[0]; declare it once with all its targets',
    ],
  ],
  [
    "alias targeting itself",
    withSpec({
      aliases: [
        { address: "info@example.com", targets: ["alice@example.com", "info@example.com"] },
      ],
    }),
    [
      'error alias-self-target aliases[0].targets[1]: "info@example.com" is the alias itself; Postfix would deliver it to a mailbox that does not exist',
    ],
  ],
  [
    "alias loop",
    withSpec({
      aliases: [
        { address: "a@example.com", targets: ["b@example.com"] },
        { address: "b@example.com", targets: ["c@example.com"] },
        { address: "c@example.com", targets: ["alice@example.com", "a@example.com"] },
      ],
    }),
    [
      'error alias-loop aliases[0].address: "a@example.com" forwards in a loop: a@example.com -> b@example.com -> c@example.com -> a@example.com; the mail never arrives',
    ],
  ],
  [
    "alias loop through a catch-all",
    withSpec({
      domains: [{ name: "example.com" }, { name: "example.net" }],
      aliases: [
        { address: "@example.net", targets: ["sales@example.com"] },
        { address: "sales@example.com", targets: ["nobody@example.net"] },
      ],
    }),
    [
      'error alias-loop aliases[0].address: "@example.net" forwards in a loop: @example.net -> sales@example.com -> @example.net; the mail never arrives',
    ],
  ],
  [
    "alias to an unknown address of a declared domain",
    withSpec({ aliases: [{ address: "info@example.com", targets: ["alcie@example.com"] }] }),
    [
      'warn alias-target-unknown aliases[0].targets[0]: "alcie@example.com" is in the declared domain "example.com" but is no account, alias or devnull address, so mail to it bounces',
    ],
  ],
  [
    "catch-all with accounts",
    withSpec({ aliases: [{ address: "@example.com", targets: ["alice@example.com"] }] }),
    [
      'info catch-all-self-aliases aliases[0].address: catch-all "@example.com" would also take the mail of 1 account of its domain; self-aliases are written so they keep it',
    ],
  ],
  [
    "no account while Dovecot runs",
    withSpec({ accounts: [] }),
    [
      "error no-accounts accounts: is empty: docker-mailserver waits about 120 s for an account, then stops; add one, or set features.smtpOnly: true for a send-only server",
    ],
  ],
  [
    "accounts on an SMTP-only server",
    withSpec({ features: { smtpOnly: true } }),
    [
      "warn smtp-only-accounts accounts: lists 1 account, but features.smtpOnly runs no Dovecot, so they get no mailbox",
    ],
  ],
  [
    "no password source",
    withSpec({ accounts: [{ address: "alice@example.com" }] }),
    [
      'error password-source accounts[0]: "alice@example.com" needs one of password, passwordEnv or passwordHash, got none',
    ],
  ],
  [
    "two password sources",
    withSpec({ accounts: [account("alice@example.com", { password: "s3cret!" })] }),
    [
      'error password-source accounts[0]: "alice@example.com" needs exactly one password source, got password, passwordHash',
    ],
  ],
  [
    "hash without a scheme prefix",
    withSpec({ accounts: [{ address: "alice@example.com", passwordHash: HASH.slice(14) }] }),
    [
      'error password-hash-format accounts[0].passwordHash: must start with a {SCHEME} prefix: write "{SHA512-CRYPT}" before the "$6$" hash (value hidden: secret)',
    ],
  ],
  [
    "hash with a delimiter",
    withSpec({ accounts: [{ address: "alice@example.com", passwordHash: "{PLAIN}a|b:c" }] }),
    [
      'error password-hash-format accounts[0].passwordHash: must not contain "|" or ":", which split the accounts file (value hidden: secret)',
    ],
  ],
  [
    "malformed SHA512-CRYPT hash",
    withSpec({
      accounts: [{ address: "alice@example.com", passwordHash: "{SHA512-CRYPT}$6$short" }],
    }),
    [
      "error password-hash-format accounts[0].passwordHash: is not a SHA512-CRYPT hash ($6$<salt>$<86 characters>) after its {SHA512-CRYPT} prefix (value hidden: secret)",
    ],
  ],
  [
    "unknown hash scheme",
    withSpec({ accounts: [{ address: "alice@example.com", passwordHash: "{FANCY-HASH}xyz" }] }),
    ["warn password-hash-scheme accounts[0].passwordHash: uses the unknown scheme {FANCY-HASH}"],
  ],
  [
    "weak hash scheme",
    withSpec({
      accounts: [
        {
          address: "alice@example.com",
          passwordHash: "{PLAIN-MD5}1a79a4d60de6718e8e5b326e338ae533",
        },
      ],
    }),
    [
      "warn password-hash-weak accounts[0].passwordHash: uses the weak scheme {PLAIN-MD5}; re-hash with {SHA512-CRYPT}",
    ],
  ],
  [
    "quota while quotas are off",
    withSpec({
      features: { quotas: false },
      accounts: [account("alice@example.com", { quota: "1G" })],
    }),
    ['warn quota-ignored accounts[0].quota: is "1G" but quotas are off (features.quotas: false)'],
  ],
  [
    "an address the quota lookup reads as a pattern",
    withSpec({
      accounts: [account("alice@example.com"), account("a*b@example.com", { quota: "1G" })],
    }),
    [
      'error quota-lookup-pattern accounts[1].address: "a*b@example.com" holds a grep pattern character (* or a leading ^ or -): DMS gives it another account\'s quota or none',
    ],
  ],
  [
    "postmaster that is nobody",
    withSpec({ postmaster: "postmaster@example.com" }),
    [
      'warn postmaster-undeliverable postmaster: "postmaster@example.com" is no account or alias, so mail to the postmaster bounces',
    ],
  ],
  [
    "postmaster discarded",
    withSpec({ postmaster: "pm@example.com", devnull: ["pm@example.com"] }),
    [
      'warn postmaster-undeliverable postmaster: "pm@example.com" is no account or alias, so mail to the postmaster is discarded',
    ],
  ],
  // ---- features --------------------------------------------------------------------------
  [
    "rspamd with amavis, spamassassin and opendkim",
    withSpec({ features: { amavis: true, spamassassin: true, opendkim: true } }),
    [
      "error rspamd-conflict features.amavis: cannot be combined with features.rspamd: rspamd already does what Amavis does, and mail would be filtered twice",
      "error rspamd-conflict features.opendkim: cannot be combined with features.rspamd: rspamd already does what OpenDKIM does, and mail would be signed twice",
      "error rspamd-conflict features.spamassassin: cannot be combined with features.rspamd: rspamd already does what SpamAssassin does, and mail would be filtered twice",
    ],
  ],
  [
    "rspamd with opendmarc",
    withSpec({ features: { opendmarc: true } }),
    [
      "warn rspamd-redundant features.opendmarc: is on next to features.rspamd, which already checks DMARC",
    ],
  ],
  [
    "spamassassin without amavis",
    withSpec({ features: { rspamd: false, spamassassin: true } }),
    [
      "error spamassassin-without-amavis features.spamassassin: needs features.amavis: docker-mailserver turns SpamAssassin off without Amavis",
    ],
  ],
  [
    "clamav without amavis or rspamd",
    withSpec({ features: { rspamd: false, clamav: true } }),
    [
      "error clamav-without-scanner features.clamav: needs features.amavis or features.rspamd to pass it mail; alone it scans nothing",
    ],
  ],
  [
    "clamav with too little memory",
    withSpec({ features: { clamav: true }, memoryLimit: "2g" }),
    [
      'warn clamav-memory memoryLimit: is "2g" (2.00 GiB), under the about 2.5 GiB ClamAV needs; the container gets OOM-killed',
    ],
  ],
  [
    "memory under the DMS minimum",
    withSpec({ memoryLimit: "256m" }),
    ['warn memory-low memoryLimit: is "256m", under the 512 MiB docker-mailserver needs'],
  ],
  [
    "fail2ban without NET_ADMIN",
    withSpec({ features: { fail2ban: true }, capabilities: ["SYS_PTRACE"] }),
    [
      'error fail2ban-net-admin capabilities: must include "NET_ADMIN" for features.fail2ban to ban addresses, got ["SYS_PTRACE"]',
    ],
  ],
  ["fail2ban with default capabilities", withSpec({ features: { fail2ban: true } }), []],
  [
    "DNSBL with public resolvers",
    withSpec({
      features: { dnsbl: true },
      dnsResolvers: ["192.0.2.53", "1.1.1.1", "2001:4860:4860:0:0:0:0:8888"],
    }),
    [
      'error dnsbl-public-resolver dnsResolvers[1]: is Cloudflare\'s public resolver "1.1.1.1"; DNSBLs refuse queries from it, so features.dnsbl checks nothing',
      'error dnsbl-public-resolver dnsResolvers[2]: is Google\'s public resolver "2001:4860:4860:0:0:0:0:8888"; DNSBLs refuse queries from it, so features.dnsbl checks nothing',
    ],
  ],
  [
    "DKIM with no signer",
    withSpec({ features: { rspamd: false, opendkim: false } }),
    [
      'warn dkim-no-signer features: runs neither rspamd nor OpenDKIM, so nothing signs mail for 1 domain with DKIM enabled ("example.com")',
    ],
  ],
  // ---- DKIM ------------------------------------------------------------------------------
  [
    "DKIM key given twice",
    withSpec({
      domains: [domain({ dkim: { privateKey: KEY_1024, privateKeyFile: "k.pem", keySize: 1024 } })],
    }),
    [
      "error dkim-key-source domains[0].dkim: has both privateKey and privateKeyFile; keep one",
      "warn dkim-weak-key domains[0].dkim.privateKey: is a 1024-bit key; RFC 8301 §3.2 asks for 2048 bits",
    ],
  ],
  [
    "DKIM key that is no PEM",
    withSpec({ domains: [domain({ dkim: { privateKey: "not a key" } })] }),
    [
      "error dkim-key-format domains[0].dkim.privateKey: must be an RSA private key in PEM form (value hidden: secret)",
    ],
  ],
  [
    "DKIM key that is not RSA",
    withSpec({ domains: [domain({ dkim: { privateKey: ED25519 } })] }),
    [
      "error dkim-key-format domains[0].dkim.privateKey: must be an RSA private key in PEM form (value hidden: secret)",
    ],
  ],
  [
    "DKIM key too short",
    withSpec({ domains: [domain({ dkim: { privateKey: KEY_512 } })] }),
    [
      "error dkim-key-format domains[0].dkim.privateKey: is a 512-bit RSA key; RFC 8301 §3.2 requires at least 1024 bits (value hidden: secret)",
    ],
  ],
  [
    "DKIM key size differs from keySize",
    withSpec({ domains: [domain({ dkim: { privateKey: KEY_1024 } })] }),
    [
      "warn dkim-key-size domains[0].dkim.keySize: is 2048 but the adopted key has 1024 bits; the key's size is what counts",
      "warn dkim-weak-key domains[0].dkim.privateKey: is a 1024-bit key; RFC 8301 §3.2 asks for 2048 bits",
    ],
  ],
  [
    "DKIM 1024-bit key size",
    withSpec({ domains: [domain({ dkim: { keySize: 1024 } })] }),
    [
      "warn dkim-weak-key domains[0].dkim.keySize: is a 1024-bit key; RFC 8301 §3.2 asks for 2048 bits",
    ],
  ],
  // ---- SPF -------------------------------------------------------------------------------
  [
    "a whole SPF record as a mechanism",
    withSpec({
      domains: [domain({ spf: { mechanisms: ["v=spf1 include:_spf.example.net ~all"] } })],
    }),
    [
      'error spf-multiple-records domains[0].spf.mechanisms[0]: is a whole SPF record, got "v=spf1 include:_spf.example.net ~all"; it would make a second "v=spf1" record for "example.com" (RFC 7208 §3.2 permerror): list only its mechanisms',
    ],
  ],
  [
    "malformed SPF mechanisms",
    withSpec({
      domains: [
        domain({
          spf: {
            mechanisms: [
              "ip4:192.0.2.300",
              "include _spf.example.net",
              "all",
              "redirect=_spf.example.net",
            ],
          },
        }),
      ],
    }),
    [
      'error spf-mechanism domains[0].spf.mechanisms[0]: must be one SPF mechanism such as "include:_spf.example.net" or "ip4:192.0.2.0/24", got "ip4:192.0.2.300"',
      'error spf-mechanism domains[0].spf.mechanisms[1]: must be one SPF mechanism such as "include:_spf.example.net" or "ip4:192.0.2.0/24", got "include _spf.example.net"',
      'error spf-mechanism domains[0].spf.mechanisms[2]: must not be "all", got "all": set spf.all instead',
      'error spf-mechanism domains[0].spf.mechanisms[3]: is ignored, got "redirect=_spf.example.net": the record always ends in spf.all, and RFC 7208 §6.1 ignores redirect= when "all" is present',
    ],
  ],
  [
    "SPF with more than 10 lookups",
    withSpec({
      domains: [
        domain({
          spf: {
            mechanisms: [
              "a",
              "include:_spf.google.com",
              "include:spf.protection.outlook.com",
              "include:servers.mcsv.net",
              "include:_spf.salesforce.com",
              "include:mailgun.org",
              "include:sendgrid.net",
              "include:amazonses.com",
              "exists:%{i}._spf.example.net",
              "ip4:192.0.2.0/24",
              "ptr",
            ],
          },
        }),
      ],
    }),
    [
      "error spf-lookup-limit domains[0].spf.mechanisms: need 11 DNS lookups (mx, a, include:_spf.google.com, include:spf.protection.outlook.com, include:servers.mcsv.net, include:_spf.salesforce.com, include:mailgun.org, include:sendgrid.net, include:amazonses.com, exists:%{i}._spf.example.net, ptr), more than the 10 RFC 7208 §4.6.4 allows; receivers return permerror",
      'warn spf-ptr domains[0].spf.mechanisms[10]: uses "ptr", which RFC 7208 §5.5 says not to use, got "ptr"',
    ],
  ],
  [
    "SPF include of a managed domain is expanded",
    withSpec({
      domains: [
        domain({
          spf: {
            mechanisms: [
              "include:example.net",
              "include:a.example",
              "include:b.example",
              "include:c.example",
              "include:d.example",
            ],
          },
        }),
        {
          name: "example.net",
          spf: {
            mechanisms: [
              "include:e.example",
              "include:f.example",
              "include:g.example",
              "include:h.example",
            ],
          },
        },
      ],
    }),
    [
      "error spf-lookup-limit domains[0].spf.mechanisms: need 11 DNS lookups (mx, include:example.net (+5), include:a.example, include:b.example, include:c.example, include:d.example), more than the 10 RFC 7208 §4.6.4 allows; receivers return permerror",
    ],
  ],
  [
    "SPF include loop between managed domains",
    withSpec({
      domains: [
        domain({ spf: { mechanisms: ["include:example.net"] } }),
        { name: "example.net", spf: { mechanisms: ["include:example.com"] } },
      ],
    }),
    [
      "error spf-include-loop domains[0].spf.mechanisms: includes itself through example.com -> example.net -> example.com; receivers return permerror",
    ],
  ],
  [
    "SPF duplicate mechanism",
    withSpec({
      domains: [domain({ spf: { mechanisms: ["mx", "ip4:192.0.2.1", "ip4:192.0.2.1"] } })],
    }),
    [
      'warn spf-duplicate-mechanism domains[0].spf.mechanisms[0]: repeats "mx", which spf.mx already adds, costing one more DNS lookup',
      'warn spf-duplicate-mechanism domains[0].spf.mechanisms[2]: repeats "ip4:192.0.2.1", costing one more DNS lookup',
    ],
  ],
  // ---- DMARC, TLS-RPT, CAA, MTA-STS --------------------------------------------------------
  [
    "DMARC rua that is not a mailto: URI",
    withSpec({
      domains: [
        { name: "example.com" },
        { name: "example.net", dmarc: { rua: ["mailto:d@example.net", "dmarc@example.com"] } },
      ],
    }),
    ['error dmarc-mailto domains[1].dmarc.rua[1]: must be a mailto: URI, got "dmarc@example.com"'],
  ],
  [
    "DMARC ruf with a malformed mailto:",
    withSpec({
      domains: [domain({ dmarc: { rua: ["mailto:d@example.com"], ruf: ["mailto:a@b@c"] } })],
    }),
    [
      'error dmarc-mailto domains[0].dmarc.ruf[0]: must be a mailto: URI with one email address, got "mailto:a@b@c"',
    ],
  ],
  [
    "DMARC ruf without rua",
    withSpec({ domains: [domain({ dmarc: { ruf: ["mailto:forensic@example.com"] } })] }),
    [
      "warn dmarc-ruf-without-rua domains[0].dmarc.rua: is empty while ruf is set; most receivers send only aggregate (rua) reports",
    ],
  ],
  [
    "DMARC pct with policy none",
    withSpec({ domains: [domain({ dmarc: { pct: 50 } })] }),
    [
      'info dmarc-pct-none domains[0].dmarc.pct: is 50 with policy "none", which applies to no mail anyway',
    ],
  ],
  [
    "TLS-RPT rua that is no URI",
    withSpec({
      domains: [
        domain({ tlsRpt: { rua: ["https://reports.example.com/tlsrpt", "tls@example.com"] } }),
      ],
    }),
    [
      'error tlsrpt-uri domains[0].tlsRpt.rua[1]: must be a mailto: or https: URI, got "tls@example.com"',
    ],
  ],
  [
    "CAA iodef and issuer",
    withSpec({
      domains: [
        domain({
          caa: { issuers: ["letsencrypt.org", "Let's Encrypt"], iodef: "http://example.com/iodef" },
        }),
      ],
    }),
    [
      'error caa-iodef-uri domains[0].caa.iodef: must be a mailto: or https: URI, got "http://example.com/iodef"',
      'error caa-issuer domains[0].caa.issuers[1]: must be a CA\'s domain name such as "letsencrypt.org", got "Let\'s Encrypt"',
    ],
  ],
  [
    "CAA that blocks Let's Encrypt",
    withSpec({ domains: [domain({ caa: { issuers: ["sectigo.com"] } })] }),
    [
      'error caa-blocks-letsencrypt domains[0].caa.issuers: must include "letsencrypt.org" for tls.type "letsencrypt" to get a certificate for "mail.example.com", got ["sectigo.com"]',
    ],
  ],
  [
    "MTA-STS enforce with a self-signed certificate",
    withSpec({ tls: { type: "self-signed" }, domains: [domain({ mtaSts: { mode: "enforce" } })] }),
    [
      'error mta-sts-certificate domains[0].mtaSts.mode: is "enforce" but tls.type is "self-signed"; senders honouring MTA-STS will refuse to deliver',
      'info tls-self-signed tls.type: is "self-signed": mail clients warn and MTA-STS cannot be enforced',
    ],
  ],
  [
    "DKIM retiring selectors naming the signing selector or repeating one",
    withSpec({
      domains: [domain({ dkim: { selector: "s2", retiring: ["s1", "s2", "s1"] } })],
    }),
    [
      'error dkim-retiring-selector domains[0].dkim.retiring[1]: is "s2", the signing selector; a selector either signs or is retiring',
      'error dkim-retiring-selector domains[0].dkim.retiring[2]: repeats "s1"',
    ],
  ],
  [
    "delegated DMARC and DKIM with contradicting fields and bad targets",
    withSpec({
      domains: [
        domain({
          dmarc: { cname: "example.com._dmarc.provider net", policy: "none", pct: 50 },
          dkim: {
            selector: "s1",
            cname: "s1._domainkey.example.com.",
            keySize: 2048,
            privateKeyFile: "s1.pem",
          },
        }),
        {
          name: "example.org",
          dmarc: { cname: "-bad.provider.net" },
          dkim: { selector: "s1", cname: "s1.dkim.provider.net", enabled: false },
        },
      ],
    }),
    [
      'error dns-cname-target domains[0].dkim.cname: is "s1._domainkey.example.com.", the name of the CNAME itself: resolvers would loop',
      'error dkim-cname-key domains[0].dkim.keySize: is 2048, but dkim.cname delegates selector "s1" to "s1._domainkey.example.com.", which holds the key; no local key signs for it',
      'error dkim-cname-key domains[0].dkim.privateKeyFile: is "s1.pem", but dkim.cname delegates selector "s1" to "s1._domainkey.example.com.", which holds the key; no local key signs for it',
      'error dns-cname-target domains[0].dmarc.cname: has the label "provider net": labels are letters, digits, "-" and "_", 1 to 63 characters, not starting or ending with "-", got "example.com._dmarc.provider net"',
      'error dmarc-cname-policy domains[0].dmarc.pct: is 50, but dmarc.cname delegates DMARC to "example.com._dmarc.provider net", whose record sets the policy; this field would never be published',
      'error dmarc-cname-policy domains[0].dmarc.policy: is "none", but dmarc.cname delegates DMARC to "example.com._dmarc.provider net", whose record sets the policy; this field would never be published',
      'error dkim-cname-key domains[1].dkim.enabled: is false, but dkim.cname delegates selector "s1" to "s1.dkim.provider.net"; a disabled selector publishes nothing, a delegated one publishes the CNAME: keep one',
      'error dns-cname-target domains[1].dmarc.cname: has the label "-bad": labels are letters, digits, "-" and "_", 1 to 63 characters, not starting or ending with "-", got "-bad.provider.net"',
    ],
  ],
  [
    "a delegated DKIM selector that is also retiring (its old key TXT would share the CNAME's name)",
    withSpec({
      domains: [
        domain({ dkim: { selector: "s1", cname: "s1.dkim.provider.net", retiring: ["s1"] } }),
      ],
    }),
    [
      "error dns-cname-shared domains[0].dkim.cname: delegates s1._domainkey.example.com with a CNAME, but the key of retiring DKIM selector s1 also needs a record at s1._domainkey.example.com; a CNAME cannot share its name with other data",
    ],
  ],
  [
    "delegated DMARC and DKIM alone are fine",
    withSpec({
      domains: [
        domain({
          dmarc: { cname: "example.com._dmarc.provider.net." },
          dkim: {
            selector: "s1",
            cname: "s1.dkim.provider.net",
            enabled: true,
            retiring: ["mail"],
          },
        }),
      ],
    }),
    [],
  ],
  [
    "MTA-STS hosted on Cloudflare and AWS while the DNS is elsewhere",
    withSpec({
      domains: [
        domain({
          mtaSts: {
            mode: "testing",
            hosting: { type: "cloudflare-worker", accountId: "0123456789abcdef0123456789abcdef" },
          },
        }),
        domain({
          name: "example.net",
          dns: { provider: "cloudflare", zoneId: "z" },
          mtaSts: { mode: "testing", hosting: { type: "aws" } },
        }),
      ],
    }),
    [
      'error mta-sts-hosting-dns domains[0].mtaSts.hosting.type: is "cloudflare-worker", which needs dns.provider "cloudflare", got "zonefile"',
      'error mta-sts-hosting-dns domains[1].mtaSts.hosting.type: is "aws", which needs dns.provider "route53", got "cloudflare"',
    ],
  ],
  // ---- TLS, relay, services ----------------------------------------------------------------
  [
    "TLS none",
    withSpec({ tls: { type: "none" } }),
    ['warn tls-none tls.type: is "none": passwords travel in plain text'],
  ],
  [
    "relative TLS paths",
    withSpec({
      tls: { type: "manual", certPath: "certs/fullchain.pem", keyPath: "/etc/ssl/key.pem" },
    }),
    [
      'error tls-path-absolute tls.certPath: must be an absolute host path, got "certs/fullchain.pem"',
    ],
  ],
  [
    "relay username without password",
    withSpec({ relay: { host: "smtp.relay.example", username: "apikey" } }),
    ['error relay-credentials relay: has username "apikey" but no password or passwordEnv'],
  ],
  [
    "relay password without username",
    withSpec({ relay: { host: "smtp.relay.example", passwordEnv: "RELAY_PW" } }),
    ["error relay-credentials relay: has passwordEnv but no username"],
  ],
  [
    "relay with two password sources",
    withSpec({
      relay: { host: "smtp.relay.example", username: "u", password: "p", passwordEnv: "RELAY_PW" },
    }),
    ["error relay-credentials relay: has both password and passwordEnv; keep one"],
  ],
  [
    "service exposed while its feature is off",
    withSpec({ services: { pop3s: { expose: "public" }, managesieve: { expose: "private" } } }),
    [
      'warn service-feature-off services.managesieve.expose: is "private" but features.managesieve is off, so the port stays closed',
      'warn service-feature-off services.pop3s.expose: is "public" but features.pop3 is off, so the port stays closed',
    ],
  ],
  [
    "port 25 not public",
    withSpec({ services: { smtp: { expose: "off" } } }),
    [
      'warn smtp-not-public services.smtp.expose: is "off": other servers deliver mail on port 25, so this server receives none from the internet',
    ],
  ],
  // ---- env and passthrough -----------------------------------------------------------------
  [
    "env overriding a derived variable",
    withSpec({ env: { ENABLE_CLAMAV: "1" } }),
    [
      'warn env-derived env.ENABLE_CLAMAV: overrides the value derived from features.clamav, got "1"; prefer the spec field',
    ],
  ],
  [
    "env holding secrets",
    withSpec({
      env: {
        RELAY_PASSWORD: "hunter2",
        LDAP_BIND_PW: "x",
        SRS_SECRET: "y",
        RELAY_PASSWORD__FILE: "/run/secrets/relay",
      },
    }),
    [
      "error env-secret env.LDAP_BIND_PW: holds a secret in plain text (value hidden); use LDAP_BIND_PW__FILE with a mounted file",
      "error env-secret env.RELAY_PASSWORD: holds the relay password in plain text (value hidden); use relay.password or relay.passwordEnv",
      "error env-secret env.SRS_SECRET: holds a secret in plain text (value hidden); use SRS_SECRET__FILE with a mounted file",
    ],
  ],
  [
    "env with a line break",
    withSpec({ env: { SPAM_SUBJECT: "[SPAM]\n" } }),
    ['error env-newline env.SPAM_SUBJECT: must be one line, got "[SPAM]\\n"'],
  ],
  [
    "removed env variable",
    withSpec({ env: { ONE_DIR: "1" } }),
    [
      "warn env-removed env.ONE_DIR: was removed in docker-mailserver 14.0.0: state is consolidated whenever /var/mail-state is mounted; remove it",
    ],
  ],
  [
    "renamed env variables, named with the release and the replacement",
    withSpec({ env: { DMS_DEBUG: "1", SA_SPAM_SUBJECT: "[SPAM]", SASL_PASSWD: "x" } }),
    [
      "error env-secret env.SASL_PASSWD: holds a secret in plain text (value hidden); use SASL_PASSWD__FILE with a mounted file",
      "warn env-removed env.DMS_DEBUG: was renamed to LOG_LEVEL in docker-mailserver 11.0.0; use the spec field logLevel",
      "warn env-removed env.SASL_PASSWD: was removed in docker-mailserver 12.0.0; use postfix-sasl-password.cf",
      "warn env-removed env.SA_SPAM_SUBJECT: was renamed to SPAM_SUBJECT in docker-mailserver 14.0.0; use SPAM_SUBJECT",
    ],
  ],
  [
    "a variable removed after the image's release is not reported",
    withSpec({ image: { tag: "13.3.1" }, env: { ONE_DIR: "1" } }),
    [],
  ],
  [
    "PERMIT_DOCKER",
    withSpec({ env: { PERMIT_DOCKER: "network" } }),
    [
      'warn permit-docker env.PERMIT_DOCKER: is "network": every container on that network may relay mail through this server',
    ],
  ],
  [
    "CRLF and NUL in passthrough text",
    withSpec({
      overrides: { postfixMain: "a = 1\r\nb = 2\r\n", userPatches: "#!/bin/bash\necho\0\n" },
    }),
    [
      "error passthrough-control-char overrides.postfixMain: contains a carriage return (CRLF line endings) on line 1; docker-mailserver copies this file verbatim, so it must be LF-only text",
      "error passthrough-control-char overrides.userPatches: contains a NUL character on line 2; docker-mailserver copies this file verbatim, so it must be LF-only text",
    ],
  ],
  // Values a file's reader would take differently (src/spec/reader-rules.ts).
  [
    "address starting with # (a comment line in the tables)",
    withSpec({
      accounts: [account("#hidden@example.com", { aliases: ["#a@example.com"] })],
      aliases: [{ address: "#b@example.com", targets: ["#hidden@example.com"] }],
      devnull: ["#c@example.com"],
    }),
    [
      'error address-comment accounts[0].address: starts with "#", so its line in the docker-mailserver tables is a comment, got "#hidden@example.com"',
      'error address-comment accounts[0].aliases[0]: starts with "#", so its line in the docker-mailserver tables is a comment, got "#a@example.com"',
      'error address-comment aliases[0].address: starts with "#", so its line in the docker-mailserver tables is a comment, got "#b@example.com"',
      'error address-comment devnull[0]: starts with "#", so its line in the docker-mailserver tables is a comment, got "#c@example.com"',
    ],
  ],
  [
    "env values Compose's env_file reader changes",
    withSpec({
      env: { A: "1 # x", B: "${HOME}", C: " lead", D: "'q'", E: "a\\b", F: "nul\0" },
      timezone: "Europe/Berlin",
    }),
    [
      `error env-dotenv env.A: contains " #" (Compose reads the rest as a comment), which Compose's env_file reader changes, got "1 # x"`,
      `error env-dotenv env.B: contains "$" (Compose interpolates it), which Compose's env_file reader changes, got "\${HOME}"`,
      `error env-dotenv env.C: contains leading or trailing whitespace, which Compose's env_file reader changes, got " lead"`,
      `error env-dotenv env.D: contains a leading quote, which Compose's env_file reader changes, got "'q'"`,
      `error env-dotenv env.E: contains "\\" (an escape in quoted values), which Compose's env_file reader changes, got "a\\\\b"`,
      `error env-dotenv env.F: contains a NUL character, which Compose's env_file reader changes, got "nul\\u0000"`,
    ],
  ],
  [
    "a postmaster address with $ lands in mailserver.env",
    withSpec({
      accounts: [account("alice@example.com", { aliases: ["a$b@example.com"] })],
      postmaster: "a$b@example.com",
    }),
    [
      `error env-dotenv postmaster: is written to mailserver.env and contains "$" (Compose interpolates it), which Compose's env_file reader changes, got "a$b@example.com"`,
    ],
  ],
  [
    "TLS paths the volume syntax cannot hold",
    withSpec({ tls: { type: "manual", certPath: "/etc/x:y/cert.pem", keyPath: "/etc/k\n.pem" } }),
    [
      'error compose-volume-path tls.certPath: contains ":", which the volume syntax host:container:mode cannot hold, got "/etc/x:y/cert.pem"',
      'error compose-volume-path tls.keyPath: contains a line break, which the volume syntax host:container:mode cannot hold, got "/etc/k\\n.pem"',
    ],
  ],
  [
    "relay credentials postmap would cut",
    withSpec({ relay: { host: "smtp.example.net", username: "us er", password: " pw" } }),
    [
      "error relay-credential-format relay.password: the relay password contains leading or trailing whitespace, which postmap strips, so Postfix would log in with another password (value hidden: secret)",
      'error relay-credential-format relay.username: must not contain ":", whitespace or NUL (postfix-sasl-password.cf holds "user:password"), got "us er"',
    ],
  ],
  [
    "derived names longer than 253 characters",
    withSpec({
      domains: [
        { name: "example.com" },
        { name: LONG_DOMAIN, dmarc: { rua: ["mailto:d@example.com"] } },
      ],
    }),
    [
      `error dns-name-too-long domains[1].dkim.selector: makes the DKIM name 262 characters long (at most 253), got "mail._domainkey.${LONG_DOMAIN}"`,
      `error dns-name-too-long domains[1].name: makes the DMARC report authorization name 273 characters long (at most 253), got "${LONG_DOMAIN}._report._dmarc.example.com"`,
      `error dns-name-too-long domains[1].name: makes the SOA contact name 257 characters long (at most 253), got "hostmaster.${LONG_DOMAIN}"`,
    ],
  ],
  [
    "a quote in the CAA iodef",
    withSpec({
      domains: [domain({ caa: { issuers: ["letsencrypt.org"], iodef: 'mailto:a"b@example.com' } })],
    }),
    [
      'error caa-value-chars domains[0].caa.iodef: contains "\\"", which a CAA value cannot carry, got "mailto:a\\"b@example.com"',
    ],
  ],
  // ---- platform (more in platform-rules.test.ts) -------------------------------------------
  [
    "a Kubernetes setting on Docker",
    withSpec({ platform: { nodeSelector: { pool: "mail" } } }),
    [
      'error platform-kubernetes-only platform.nodeSelector: is a Kubernetes setting but platform.kind is "docker", got {"pool":"mail"}',
    ],
  ],
  [
    "a Docker host setting on Kubernetes",
    withSpec({
      bindAddresses: ["192.0.2.10"],
      platform: { kind: "kubernetes", tlsSecret: "mail-tls" },
    }),
    [
      'error platform-docker-only bindAddresses: is a Docker host setting; on Kubernetes the Service publishes the ports, got ["192.0.2.10"]',
    ],
  ],
  [
    "no certificate source for letsencrypt on Kubernetes",
    withSpec({ platform: { kind: "kubernetes" } }),
    [
      'error platform-kubernetes-tls platform: tls.type is "letsencrypt" but neither platform.certManager nor platform.tlsSecret is set',
    ],
  ],
  [
    "PROXY protocol with an override of its own settings",
    withSpec({
      platform: { kind: "kubernetes", tlsSecret: "mail-tls", proxyProtocol: true },
      overrides: { dovecot: "haproxy_trusted_networks = 0.0.0.0/0\n" },
    }),
    [
      'error platform-proxy-protocol-override overrides.dovecot: sets haproxy_trusted_networks, which platform.proxyProtocol sets for the proxied ports, got "haproxy_trusted_networks = 0.0.0.0/0"',
    ],
  ],
  [
    "PROXY protocol with allowFrom",
    withSpec({
      platform: { kind: "kubernetes", tlsSecret: "mail-tls", proxyProtocol: true },
      services: { smtp: { expose: "public", allowFrom: ["192.0.2.0/24"] } },
    }),
    [
      'error platform-proxy-protocol-allow-from services.smtp.allowFrom: cannot be enforced behind a PROXY protocol load balancer (the pod sees the balancer\'s address), got ["192.0.2.0/24"]',
    ],
  ],
  [
    "PROXY protocol with Fail2Ban",
    withSpec({
      platform: { kind: "kubernetes", tlsSecret: "mail-tls", proxyProtocol: true },
      features: { fail2ban: true },
    }),
    [
      "warn platform-proxy-protocol-fail2ban features.fail2ban: bans client addresses read from the PROXY header, but packets come from the load balancer, got true",
    ],
  ],
  // ---- FAQ options and upgrades (more in faq-options-rules.test.ts, upgrade.test.ts) ---------
  [
    "SpamAssassin learning without SpamAssassin, from a mailbox that is no account",
    withSpec({ spamassassin: { learn: { from: ["bob@example.com"] } } }),
    [
      "error spamassassin-options-off spamassassin.learn: needs features.spamassassin and features.amavis on, got spamassassin false and amavis false",
      'error spam-learning-mailbox-unknown spamassassin.learn.from[0]: is no account of this server, got "bob@example.com"',
    ],
  ],
  [
    "learning from a local part cron cannot carry, with env that bounces spam",
    withSpec({
      features: { rspamd: false, amavis: true, spamassassin: true },
      accounts: [account("alice@example.com"), account("a%b@example.com")],
      env: { SPAMASSASSIN_SPAM_TO_INBOX: "0" },
      spamassassin: { learn: { from: ["a%b@example.com"] } },
    }),
    [
      'error spam-learning-env env.SPAMASSASSIN_SPAM_TO_INBOX: must stay 1 for spamassassin.learn, got "0"',
      'error spam-learning-path spamassassin.learn.from[0]: has a local part the cron line cannot carry literally, got "a%b@example.com"',
      'warn env-derived env.SPAMASSASSIN_SPAM_TO_INBOX: overrides the value derived from spamassassin.learn, got "0"; prefer the spec field',
    ],
  ],
  [
    "a quarantine mailbox without Amavis that is no account",
    withSpec({ spamassassin: { quarantineTo: "q@example.com" } }),
    [
      'error quarantine-not-account spamassassin.quarantineTo: must be an account of this server, got "q@example.com"',
      "error quarantine-without-amavis spamassassin.quarantineTo: needs features.amavis: without Amavis nothing is quarantined",
    ],
  ],
  [
    "behind a proxy at an address that is not the host's",
    withSpec({ behindProxy: { publicAddresses: ["192.0.2.99"] } }),
    [
      'error proxy-address-not-host behindProxy.publicAddresses[0]: is not the host\'s public address "192.0.2.10" (ipv4), got "192.0.2.99"',
    ],
  ],
  [
    "behind a proxy with no address to name",
    { ...withSpec({ behindProxy: {} }), ipv4: undefined },
    [
      "error proxy-address-missing behindProxy: has no publicAddresses and the spec sets neither ipv4 nor ipv6",
    ],
  ],
  [
    "a major upgrade without allowMajorUpgrade, from a tag outside the table, with a removed env",
    withSpec({ image: { tag: "15.1.0", upgradeFrom: "13.3.1" }, env: { ONE_DIR: "0" } }),
    [
      'error image-major-upgrade image.tag: moves from major "13.3.1" to "15.1.0"; set image.allowMajorUpgrade: true once the breaking changes are handled',
      "warn env-removed env.ONE_DIR: was removed in docker-mailserver 14.0.0: state is consolidated whenever /var/mail-state is mounted; remove it",
      "warn image-upgrade-env env.ONE_DIR: is ONE_DIR removed in 14.0.0",
      'info image-upgrade image.tag: changes "13.3.1" -> "15.1.0"; crossing 14.0.0, 15.0.0, 15.0.1, 15.0.2, 15.1.0; breaking: 14.0.0: Debian 12 base image (Postfix 3.7, SpamAssassin 4, Dovecot 2.3.19), new DMS log format; 15.0.0: getmail configuration moved to getmail/, saslauthd mechanisms pam, shadow and mysql removed; env: SA_SPAM_SUBJECT renamed to SPAM_SUBJECT in 14.0.0; ONE_DIR removed in 14.0.0; SASLAUTHD_MECHANISMS values removed (use ldap or rimap) in 15.0.0',
    ],
  ],
  [
    "a downgrade from a tag the table does not know",
    withSpec({ image: { tag: "15.0.2", upgradeFrom: "15.9.0" } }),
    [
      'warn image-downgrade image.tag: goes back from "15.9.0" to "15.0.2"',
      'warn image-release-unknown image.upgradeFrom: is not a release of the table (releases up to 15.1.0, read 2026-11-30), got "15.9.0"',
      'info image-upgrade image.tag: downgrades "15.9.0" -> "15.0.2"; crossing 15.1.0; no env variable renamed or removed',
    ],
  ],
];

describe("validateSpec: one bad spec per rule", () => {
  for (const [name, input, expected] of CASES) {
    it(name, () => {
      assert.deepEqual(lines(input), expected);
    });
  }

  it("has at least 30 cases, and every non-internal, non-file rule is exercised", () => {
    assert.ok(CASES.length >= 30, `only ${CASES.length} cases`);
    const seen = new Set<string>(
      CASES.flatMap(([, input]) => validateSpec(input).findings.map((f) => f.id)),
    );
    const fileOnly = new Set([
      "spec-read",
      "spec-syntax",
      "spec-duplicate-key",
      "spec-multiple-documents",
      "spec-empty",
      "spec-yaml-warning",
      "internal-error",
      "schema-invalid",
    ]);
    const missing = Object.keys(RULES).filter((id) => !seen.has(id) && !fileOnly.has(id));
    assert.deepEqual(missing, []);
  });

  it("attaches each rule's level and remediation", () => {
    const [f] = validateSpec(withSpec({ image: { tag: "latest" } })).findings;
    assert.deepEqual(f, {
      id: "image-tag-floating",
      level: "error",
      path: "image.tag",
      message:
        'must be a pinned release such as "15.1.0", got "latest": it moves to new major versions',
      remediation: RULES["image-tag-floating"].remediation,
    });
  });
});

describe("validateSpec: results", () => {
  it("accepts a good spec with defaults applied and no findings", () => {
    const result = validateSpec(baseSpec());
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.deepEqual(result.findings, []);
    assert.equal(result.spec.image.tag, "15.1.0");
    assert.equal(result.spec.domains[0]!.dkim.selector, "mail");
    assert.equal(result.spec.domains[0]!.dkim.keySize, 2048);
  });

  it("redacts a secret reached from a field that is not secret (a YAML anchor), in every finding", () => {
    // `password: &pw ...` then `address: *pw`: the invalid address echoes the password.
    const secret = "Sup3r-secret-pw";
    const out = lines(
      withSpec({
        accounts: [
          account("alice@example.com", { password: secret, passwordHash: undefined }),
          { address: secret, password: secret },
        ],
        env: { RELAY_HOST: secret },
      }),
    );
    assert.ok(out.length >= 2, out.join("\n"));
    assert.ok(
      out.every((l) => !l.includes(secret)),
      `a finding shows the secret:\n${out.join("\n")}`,
    );
    assert.ok(
      out.some((l) => l.includes("<redacted: secret>")),
      out.join("\n"),
    );
  });

  it("accepts a spec with warnings and returns exactly those", () => {
    const result = validateSpec(
      withSpec({
        tls: { type: "none" },
        domains: [domain({ dmarc: { pct: 50 } })],
        accounts: [account("alice@example.com", { quota: 0 })],
      }),
    );
    assert.ok(result.ok);
    assert.equal(result.spec.accounts[0]!.quota, "0");
    assert.deepEqual(result.findings.map(formatFinding), [
      'warn tls-none tls.type: is "none": passwords travel in plain text',
      'info dmarc-pct-none domains[0].dmarc.pct: is 50 with policy "none", which applies to no mail anyway',
    ]);
  });

  it("reports every problem of one spec at once, errors first, then by path", () => {
    const result = validateSpec({
      hostname: "mail",
      image: { tag: "edge" },
      domains: [
        { name: "example.com", dmarc: { rua: ["dmarc@example.com"], pct: 150 } },
        { name: "example.com" },
      ],
      accounts: [
        { address: "alice@example.com", password: 42 },
        { address: "bob@example.com", passwordHash: HASH, quota: "1 G" },
        { address: "bob@example.com", passwordHash: HASH },
      ],
      aliases: [
        { address: "a@example.com", targets: ["b@example.com"] },
        { address: "b@example.com", targets: ["a@example.com"] },
      ],
      features: { clamav: true, amavis: true },
      memoryLimit: "1g",
      tls: { type: "none" },
      colour: "blue",
    });
    assert.equal(result.ok, false);
    assert.deepEqual(result.findings.map(formatFinding), [
      "error schema-type accounts[0].password: must be text, got a number (value hidden: secret)",
      'error quota-syntax accounts[1].quota: must be 0 or a whole number with a unit B, k, M, G or T, such as 512M, got "1 G"',
      'error account-duplicate accounts[2].address: "bob@example.com" is already declared at accounts[1]',
      'error alias-loop aliases[0].address: "a@example.com" forwards in a loop: a@example.com -> b@example.com -> a@example.com; the mail never arrives',
      'error schema-unknown-key colour: unknown key "colour"',
      "error schema-range domains[0].dmarc.pct: must be at most 100, got 150",
      'error dmarc-mailto domains[0].dmarc.rua[0]: must be a mailto: URI, got "dmarc@example.com"',
      'error domain-duplicate domains[1].name: "example.com" is already declared at domains[0]; two entries would publish two MX, SPF and DMARC record sets',
      "error rspamd-conflict features.amavis: cannot be combined with features.rspamd: rspamd already does what Amavis does, and mail would be filtered twice",
      'error hostname-fqdn hostname: must be a lowercase fully qualified domain name, got "mail"',
      'error image-tag-floating image.tag: must be a pinned release such as "15.1.0", got "edge": it moves to new major versions',
      'warn clamav-memory memoryLimit: is "1g" (1.00 GiB), under the about 2.5 GiB ClamAV needs; the container gets OOM-killed',
      'warn tls-none tls.type: is "none": passwords travel in plain text',
    ]);
  });

  it("keeps the user's indices when bad list elements were dropped", () => {
    const result = validateSpec(
      withSpec({
        accounts: [{ address: 7 }, account("alice@example.com"), account("alice@example.com")],
      }),
    );
    assert.deepEqual(result.findings.map(formatFinding), [
      "error schema-type accounts[0].address: must be text, got 7",
      'error account-duplicate accounts[2].address: "alice@example.com" is already declared at accounts[1]',
    ]);
  });

  it("never shows a secret", () => {
    const secret = "Tr0ub4dor&3-secret";
    const result = validateSpec(
      withSpec({
        accounts: [
          {
            address: "alice@example.com",
            password: secret,
            passwordHash: `{SHA512-CRYPT}${secret}`,
          },
          { address: "bob@example.com", passwordHash: `${secret}|x` },
        ],
        env: { RELAY_PASSWORD: secret, API_TOKEN: `${secret}\n` },
        relay: { host: "smtp.relay.example", password: secret },
        domains: [domain({ dkim: { privateKey: secret } })],
      }),
    );
    assert.equal(result.ok, false);
    assert.ok(result.findings.length >= 6, `${result.findings.length} findings`);
    const text = JSON.stringify(result.findings);
    assert.equal(text.includes("Tr0ub4dor"), false, text);
  });

  it("does not change its input", () => {
    const input = withSpec({ accounts: [{ address: 7 }, account("alice@example.com")], foo: 1 });
    const before = JSON.stringify(input);
    validateSpec(input);
    assert.equal(JSON.stringify(input), before);
  });
});

describe("validateSpec: garbage never throws", () => {
  const cyclic: Record<string, unknown> = { hostname: "mail.example.com" };
  cyclic.domains = [cyclic];
  let deep: unknown = "x";
  for (let i = 0; i < 10_000; i++) deep = { domains: [deep] };
  const throwing = new Proxy(
    {},
    {
      get() {
        throw new Error("boom");
      },
      ownKeys() {
        throw new Error("boom");
      },
    },
  );
  const GARBAGE: readonly [string, unknown, string][] = [
    ["null", null, "error schema-type the spec must be a mapping (object), got null"],
    ["undefined", undefined, "error schema-type the spec must be a mapping (object), got nothing"],
    [
      "a string",
      "hostname: x",
      'error schema-type the spec must be a mapping (object), got "hostname: x"',
    ],
    ["a number", 42, "error schema-type the spec must be a mapping (object), got 42"],
    [
      "an array",
      [{ hostname: "a.b" }],
      'error schema-type the spec must be a mapping (object), got [{"hostname":"a.b"}]',
    ],
    ["a BigInt", 10n, "error schema-type the spec must be a mapping (object), got a bigint"],
    [
      "a function",
      () => 1,
      "error schema-type the spec must be a mapping (object), got a function",
    ],
    ["an empty object", {}, "error schema-required domains: is required"],
    [
      "null elements",
      { hostname: "a.b", domains: [null] },
      "error schema-type domains[0]: must be a mapping (object), got null",
    ],
    [
      "nested arrays",
      withSpec({ accounts: [[[[]]]] }),
      "error schema-type accounts[0]: must be a mapping (object), got [[[]]]",
    ],
    [
      "a cyclic object",
      cyclic,
      'error schema-unknown-key domains[0].domains: unknown key "domains"',
    ],
    [
      "10,000 levels deep",
      deep,
      'error schema-unknown-key domains[0].domains: unknown key "domains"',
    ],
    ["a throwing proxy", throwing, "error internal-error validation failed unexpectedly: boom"],
    ["a Map", new Map([["hostname", "a.b"]]), "error schema-required domains: is required"],
  ];
  for (const [name, input, first] of GARBAGE) {
    it(name, () => {
      const result = validateSpec(input);
      assert.equal(result.ok, false);
      assert.equal(formatFinding(result.findings[0]!), first);
    });
  }
});
