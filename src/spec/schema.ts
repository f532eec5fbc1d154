/**
 * The mail server spec: the single source of truth for the TypeScript argument types, the
 * YAML/JSON file `dmsctl` reads, the Pulumi stack configuration (`mailserver:spec`) and the
 * exported JSON Schema (`schema/mailserver.schema.json`).
 *
 * The schema checks shape and syntax only (types, enums, formats). Rules that relate several
 * fields (alias loops, rspamd with amavis, ClamAV memory, ...) live in `./rules/`, so that every
 * problem can be reported at once, each with a rule id and a level.
 *
 * @packageDocumentation
 */
import { z } from "zod";
import { MEMORY_PATTERN } from "./units";
import { PlatformSpec } from "./schema-platform";

export { MEMORY_PATTERN };
export { PlatformSpec, QUANTITY_PATTERN } from "./schema-platform";

/** Images are pinned: `latest` and `edge` jump major versions (docs/dms-contract.md#pin-the-image). */
export const DEFAULT_IMAGE_REPOSITORY = "ghcr.io/docker-mailserver/docker-mailserver";
/** The docker-mailserver release this library models by default (Dovecot 2.3). */
export const DEFAULT_IMAGE_TAG = "15.1.0";

const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
/** A lowercase DNS name of at least two labels, no trailing dot. */
export const FQDN_PATTERN = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})+$`);
/** The local part we accept: dot-atom text, lowercase (DMS lowercases addresses). */
const LOCAL_PART = "[a-z0-9!#$%&'*+/=?^_`{}~-]+(?:\\.[a-z0-9!#$%&'*+/=?^_`{}~-]+)*";
const ADDRESS_PATTERN = new RegExp(`^${LOCAL_PART}@${LABEL}(?:\\.${LABEL})+$`);
const ALIAS_KEY_PATTERN = new RegExp(`^(?:${LOCAL_PART})?@${LABEL}(?:\\.${LABEL})+$`);
/** `0` or `<int><unit>`, unit one of B k M G T (docs/dms-contract.md#file-formats). */
export const QUOTA_PATTERN = /^(?:0|[1-9][0-9]*[BkMGT])$/;
/** Environment variable names we read secrets from (CLI). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const fqdn = () =>
  z.string().regex(FQDN_PATTERN, { message: "must be a lowercase fully qualified domain name" });

/** A mailbox address, lowercase. */
export const Address = z
  .string()
  .regex(ADDRESS_PATTERN, { message: "must be a lowercase email address (local@domain)" });

const Ttl = z.number().int().min(60).max(604800);

// ---------------------------------------------------------------------------------------------
// Domains and their DNS
// ---------------------------------------------------------------------------------------------

/** Where a domain's records are published. */
export const DnsTarget = z.discriminatedUnion("provider", [
  z
    .object({
      provider: z.literal("cloudflare"),
      /** The Cloudflare zone id. In TypeScript this may be an Output of an existing zone. */
      zoneId: z.string().min(1),
      /** The zone apex, when the domain is a subdomain of the zone. @default the domain */
      zone: fqdn().optional(),
    })
    .strict(),
  z
    .object({
      provider: z.literal("route53"),
      /** The Route53 hosted zone id. */
      zoneId: z.string().min(1),
      /** The zone apex, when the domain is a subdomain of the zone. @default the domain */
      zone: fqdn().optional(),
    })
    .strict(),
  z
    .object({
      provider: z.literal("zonefile"),
      /** The zone apex, when the domain is a subdomain of the zone. @default the domain */
      zone: fqdn().optional(),
    })
    .strict(),
]);

/** A DKIM selector: one lowercase DNS label. */
function selectorLabel() {
  return z.string().regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
    message: "must be a single lowercase DNS label",
  });
}

/** DKIM signing for one domain. @see https://www.rfc-editor.org/rfc/rfc6376 */
export const DkimSpec = z
  .object({
    /** Sign mail of this domain and publish the key. @default true */
    enabled: z.boolean().default(true),
    /** The selector: the record lives at `<selector>._domainkey.<domain>`. @default "mail" */
    selector: selectorLabel().default("mail"),
    /**
     * Selectors still published but no longer signing: the second step of a rotation. Moving
     * `selector` from `a` to `b` is `selector: b` with `retiring: [a]`; once mail signed with `a`
     * has been delivered (days: see docs/dkim-rotation.md), remove `a` here, which removes its
     * record and key. Each retiring selector's key must already exist (it signed before). An
     * entry is the selector, or `{ selector, since }` with the date (`YYYY-MM-DD`, UTC) it
     * stopped signing, from which `dmsctl verify` counts `retireAfterDays`.
     * @default []
     */
    retiring: z
      .array(
        z.union([
          selectorLabel(),
          z
            .object({
              /** The retiring selector. */
              selector: selectorLabel(),
              /** The day (`YYYY-MM-DD`, UTC) this selector stopped signing. */
              since: z
                .string()
                .regex(/^\d{4}-\d{2}-\d{2}$/, { message: "must be a date YYYY-MM-DD" })
                .refine(
                  (v) =>
                    !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) &&
                    new Date(`${v}T00:00:00Z`).toISOString().startsWith(v),
                  {
                    message: "must be a real calendar date",
                  },
                )
                .optional(),
            })
            .strict(),
        ]),
      )
      .default([]),
    /**
     * Days a retiring selector may stay published after its `since` date before `dmsctl verify`
     * reports it (`dkim-retiring-overdue`): the overlap of a rotation. @default 7
     */
    retireAfterDays: z.number().int().min(1).max(365).default(7),
    /** RSA key size in bits. @default 2048 */
    keySize: z.union([z.literal(1024), z.literal(2048), z.literal(4096)]).default(2048),
    /**
     * An existing PEM private key (PKCS#1 or PKCS#8) to adopt instead of generating one. A
     * secret. In the YAML spec for `dmsctl`, prefer `privateKeyFile`.
     */
    privateKey: z.string().min(1).optional(),
    /**
     * Path of a PEM private key file to adopt: relative to the spec file for `dmsctl`, to the
     * working directory (the Pulumi project's) in a Pulumi program, which reads it as a secret.
     */
    privateKeyFile: z.string().min(1).optional(),
    /**
     * Delegates the selector to a provider that holds its key (a hosted sender): the plan publishes
     * `<selector>._domainkey.<domain> CNAME <cname>` instead of the key TXT, and docker-mailserver
     * does not sign this domain's mail (the provider signs what it sends). No key is generated or
     * adopted, so `privateKey`, `privateKeyFile`, `keySize` and `enabled: false` are refused with
     * it. Retiring selectors stay published with their own keys. A domain name, with or without
     * the trailing dot. @default not delegated
     */
    cname: z.string().min(1).optional(),
  })
  .strict();

/** The domain's SPF policy. @see https://www.rfc-editor.org/rfc/rfc7208 */
export const SpfSpec = z
  .object({
    /** Authorise the domain's MX hosts (`mx`). @default true */
    mx: z.boolean().default(true),
    /** Extra mechanisms, e.g. `include:_spf.example.net`, `ip4:192.0.2.7`. @default [] */
    mechanisms: z.array(z.string().min(1)).default([]),
    /** The terminal mechanism. @default "-all" */
    all: z.enum(["-all", "~all"]).default("-all"),
  })
  .strict();

/** The domain's DMARC policy. @see https://www.rfc-editor.org/rfc/rfc7489 */
export const DmarcSpec = z
  .object({
    /** `p=`. @default "none" */
    policy: z.enum(["none", "quarantine", "reject"]).default("none"),
    /** `sp=`; omitted when unset, so subdomains inherit `p`. */
    subdomainPolicy: z.enum(["none", "quarantine", "reject"]).optional(),
    /** Aggregate report destinations (`rua=`), each a `mailto:` URI. @default [] */
    rua: z.array(z.string()).default([]),
    /** Failure report destinations (`ruf=`), each a `mailto:` URI. @default [] */
    ruf: z.array(z.string()).default([]),
    /** `pct=`: percentage of mail the policy applies to. @default 100 */
    pct: z.number().int().min(0).max(100).default(100),
    /** DKIM alignment `adkim=`: relaxed or strict. @default "r" */
    adkim: z.enum(["r", "s"]).default("r"),
    /** SPF alignment `aspf=`: relaxed or strict. @default "r" */
    aspf: z.enum(["r", "s"]).default("r"),
    /**
     * Delegates DMARC to a provider (hosted DMARC reporting): the plan publishes
     * `_dmarc.<domain> CNAME <cname>` instead of the policy TXT, and the provider's record is the
     * policy. The policy fields above are then the provider's to set and refused here. A domain
     * name, with or without the trailing dot, e.g. `example.com._dmarc.provider.net.`.
     * @default not delegated
     */
    cname: z.string().min(1).optional(),
  })
  .strict();

/**
 * How the MTA-STS policy is served at `https://mta-sts.<domain>/.well-known/mta-sts.txt`. With a
 * hosting, the `_mta-sts` TXT record is created only after the policy is deployed, so its id never
 * announces a policy that is not live.
 * @see https://www.rfc-editor.org/rfc/rfc8461#section-3.3
 */
export const MtaStsHostingSpec = z.discriminatedUnion("type", [
  z
    .object({
      /**
       * The policy text as an output, plus ready nginx and Caddy snippets for your own web server
       * (which needs a certificate for `mta-sts.<domain>`).
       */
      type: z.literal("files"),
    })
    .strict(),
  z
    .object({
      /**
       * A Cloudflare Worker on the custom domain `mta-sts.<domain>` (Cloudflare issues the
       * certificate). The domain's DNS must be on Cloudflare (`dns.provider: cloudflare`).
       */
      type: z.literal("cloudflare-worker"),
      /** The Cloudflare account id owning the Worker: 32 hex digits. */
      accountId: z.string().regex(/^[0-9a-f]{32}$/, { message: "must be 32 lowercase hex digits" }),
    })
    .strict(),
  z
    .object({
      /**
       * An S3 bucket behind CloudFront with an ACM certificate (in us-east-1, as CloudFront
       * requires) and Route53 alias records. The domain's DNS must be on Route53.
       */
      type: z.literal("aws"),
    })
    .strict(),
]);

/** MTA-STS (RFC 8461): the `_mta-sts` TXT record and the policy text. */
export const MtaStsSpec = z
  .object({
    /** @default "testing" */
    mode: z.enum(["enforce", "testing", "none"]).default("testing"),
    /** Policy `max_age` in seconds. @default 604800 */
    maxAge: z.number().int().min(86400).max(31557600).default(604800),
    /** The policy id; change it whenever the policy changes. @default derived from the policy */
    id: z
      .string()
      .regex(/^[A-Za-z0-9]{1,32}$/, { message: "must be 1 to 32 letters and digits" })
      .optional(),
    /** How the policy is served. @default not served by this library (serve the planned text) */
    hosting: MtaStsHostingSpec.optional(),
  })
  .strict();

/** SMTP TLS reporting (RFC 8460): `_smtp._tls` TXT. */
export const TlsRptSpec = z
  .object({
    /** Report destinations, `mailto:` or `https:` URIs. */
    rua: z.array(z.string()).min(1),
  })
  .strict();

/** CAA (RFC 8659) for the mail host's certificate. */
export const CaaSpec = z
  .object({
    /** CAs allowed to issue, e.g. `letsencrypt.org`. */
    issuers: z.array(z.string().min(1)).min(1),
    /** `iodef` contact, a `mailto:` or `https:` URI. */
    iodef: z.string().optional(),
  })
  .strict();

/** One mail domain. */
export const DomainSpec = z
  .object({
    /** The domain, e.g. `example.com`. */
    name: fqdn(),
    /** Where its records are published. @default { provider: "zonefile" } */
    dns: DnsTarget.default({ provider: "zonefile" }),
    /** TTL of every record of this domain, in seconds. @default 3600 */
    ttl: Ttl.default(3600),
    /** MX preference. @default 10 */
    mxPriority: z.number().int().min(0).max(65535).default(10),
    dkim: DkimSpec.default({
      enabled: true,
      selector: "mail",
      retiring: [],
      retireAfterDays: 7,
      keySize: 2048,
    }),
    spf: SpfSpec.default({ mx: true, mechanisms: [], all: "-all" }),
    dmarc: DmarcSpec.default({
      policy: "none",
      rua: [],
      ruf: [],
      pct: 100,
      adkim: "r",
      aspf: "r",
    }),
    mtaSts: MtaStsSpec.optional(),
    tlsRpt: TlsRptSpec.optional(),
    /** RFC 6186 / RFC 8314 SRV records so mail clients find the server. @default false */
    autoconfig: z.boolean().default(false),
    caa: CaaSpec.optional(),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Accounts and aliases
// ---------------------------------------------------------------------------------------------

/** A mailbox. Exactly one password source must be given. */
export const AccountSpec = z
  .object({
    address: Address,
    /** The plain password: a Pulumi secret in TypeScript and stack config. Hashed with SHA512-CRYPT. */
    password: z.string().min(1).optional(),
    /**
     * The environment variable holding the plain password: read by `dmsctl`, and by a Pulumi
     * program from the environment of `pulumi up` and `pulumi preview` (as a secret).
     */
    passwordEnv: z
      .string()
      .regex(ENV_NAME, { message: "must be an environment variable name" })
      .optional(),
    /** A ready Dovecot hash with its scheme, e.g. `{SHA512-CRYPT}$6$...`. */
    passwordHash: z.string().min(1).optional(),
    /**
     * Mailbox quota: `0` (unlimited) or `<int><B|k|M|G|T>`, binary units
     * (docs/dms-contract.md#file-formats). A bare number `0` is accepted because YAML
     * reads `quota: 0` as a number. @default no per-account quota
     */
    quota: z
      .union([
        z.literal(0),
        z.string().regex(QUOTA_PATTERN, {
          message: "must be 0 or a whole number with a unit B, k, M, G or T, such as 512M",
        }),
      ])
      .transform((q) => String(q))
      .optional(),
    /** Extra addresses delivered to this mailbox. @default [] */
    aliases: z.array(Address).default([]),
  })
  .strict();

/** A virtual alias: `user@domain` or the catch-all `@domain`. */
export const AliasSpec = z
  .object({
    /** `user@domain`, or `@domain` for a catch-all. */
    address: z
      .string()
      .regex(ALIAS_KEY_PATTERN, { message: "must be local@domain or @domain (catch-all)" }),
    /** Where mail goes: addresses (local or external). */
    targets: z.array(Address).min(1),
  })
  .strict();

// ---------------------------------------------------------------------------------------------
// Server features, TLS, relay, container, services
// ---------------------------------------------------------------------------------------------

/** docker-mailserver services (docs/dms-contract.md#environment). */
export const FeaturesSpec = z
  .object({
    /** Rspamd for spam filtering and DKIM signing (the recommended profile). @default true */
    rspamd: z.boolean().default(true),
    /** OpenDKIM signing. @default true when rspamd is off, else false */
    opendkim: z.boolean().optional(),
    /** OpenDMARC checks. @default true when rspamd is off, else false */
    opendmarc: z.boolean().optional(),
    /** policyd-spf checks. @default true when rspamd is off, else false */
    policydSpf: z.boolean().optional(),
    /** Amavis content filter. @default false */
    amavis: z.boolean().default(false),
    /** SpamAssassin (needs Amavis). @default false */
    spamassassin: z.boolean().default(false),
    /** ClamAV antivirus: needs about 2.5 GiB of memory. @default false */
    clamav: z.boolean().default(false),
    /** Fail2Ban: needs the `NET_ADMIN` capability. @default false */
    fail2ban: z.boolean().default(false),
    /** POP3 (110/995). @default false */
    pop3: z.boolean().default(false),
    /** IMAP (143/993). @default true */
    imap: z.boolean().default(true),
    /** ManageSieve (4190). @default false */
    managesieve: z.boolean().default(false),
    /** Sender Rewriting Scheme for forwarded mail. @default false */
    srs: z.boolean().default(false),
    /** Postscreen DNSBL checks: needs a resolver that DNSBLs answer. @default false */
    dnsbl: z.boolean().default(false),
    /** Per-mailbox quotas. @default true */
    quotas: z.boolean().default(true),
    /** Run without Dovecot (no IMAP/POP3, no accounts needed). @default false */
    smtpOnly: z.boolean().default(false),
  })
  .strict();

/** TLS certificates for the mail host (docs/dms-contract.md#tls). */
export const TlsSpec = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("letsencrypt"),
      /** Host directory holding the whole `/etc/letsencrypt` tree. @default "/etc/letsencrypt" */
      hostDir: z.string().min(1).default("/etc/letsencrypt"),
    })
    .strict(),
  z
    .object({
      type: z.literal("manual"),
      /** Host path of the certificate chain (PEM). */
      certPath: z.string().min(1),
      /** Host path of the private key (PEM). */
      keyPath: z.string().min(1),
    })
    .strict(),
  z.object({ type: z.literal("self-signed") }).strict(),
  /** No TLS: plaintext auth is allowed and logged as insecure. Testing only. */
  z.object({ type: z.literal("none") }).strict(),
]);

/**
 * A scheduled backup of the mail volumes (Docker only): a long-running container of the mail
 * image that, every day at `schedule` (UTC), archives `/var/mail`, `/var/mail-state`,
 * `/var/log/mail` and the config volume (mounted read-only) into `target.hostDir` on the Docker
 * host, keeping the newest `retention` archives (docs/backup.md).
 * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/#what-about-backups
 */
export const BackupSpec = z
  .object({
    /** Time of day of the daily backup, `HH:MM` in UTC, e.g. `03:30`. */
    schedule: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, {
      message: "must be a time of day HH:MM in UTC, such as 03:30",
    }),
    /** How many archives to keep; older ones are deleted after each backup. @default 7 */
    retention: z.number().int().min(1).max(3660).default(7),
    target: z
      .object({
        /**
         * An absolute directory on the Docker host (created if missing). Mount a network
         * filesystem there to keep the archives off the host.
         */
        hostDir: z.string().regex(/^\/(?:[^\0]*[^/\0])?$/, {
          message: "must be an absolute path on the Docker host, such as /srv/mail-backups",
        }),
      })
      .strict(),
  })
  .strict();

/** A relay (smarthost) for outbound mail, e.g. when the cloud blocks port 25. */
export const RelaySpec = z
  .object({
    host: fqdn(),
    /** @default 587 */
    port: z.number().int().min(1).max(65535).default(587),
    username: z.string().min(1).optional(),
    /** A secret. */
    password: z.string().min(1).optional(),
    /** The environment variable holding the relay password (read as `passwordEnv` is). */
    passwordEnv: z
      .string()
      .regex(ENV_NAME, { message: "must be an environment variable name" })
      .optional(),
  })
  .strict();

/** Where one service is reachable. */
export const ServiceExposure = z
  .object({
    /**
     * `public`: published and opened to the world (or `allowFrom`); `private`: published on the
     * bind addresses only, not opened in firewalls; `off`: not published.
     */
    expose: z.enum(["public", "private", "off"]),
    /** Host addresses the port is published on. @default the server's `bindAddresses` */
    bind: z.array(z.union([z.ipv4(), z.ipv6()])).optional(),
    /** Source CIDRs allowed by the firewall rules. @default anywhere */
    allowFrom: z.array(z.union([z.cidrv4(), z.cidrv6()])).optional(),
  })
  .strict();

/** The client and MTA services DMS offers (docs/dms-contract.md#ports). */
export const ServicesSpec = z
  .object({
    smtp: ServiceExposure.optional(),
    submissions: ServiceExposure.optional(),
    submission: ServiceExposure.optional(),
    imap: ServiceExposure.optional(),
    imaps: ServiceExposure.optional(),
    pop3: ServiceExposure.optional(),
    pop3s: ServiceExposure.optional(),
    managesieve: ServiceExposure.optional(),
  })
  .strict();

/** Startup-only files passed through verbatim; each change recreates the container. */
export const OverridesSpec = z
  .object({
    /** Appended to Postfix `main.cf` (`postfix-main.cf`). */
    postfixMain: z.string().optional(),
    /**
     * Dovecot config (`dovecot.cf`), in the image's Dovecot syntax (2.3 for 15.x, 2.4 from 16).
     * With a 2.4 image and quotas on, it comes after the plan's own quota-status lines
     * (docs/dms-contract.md#dovecot-24).
     */
    dovecot: z.string().optional(),
    /** A bash script run at the end of setup (`user-patches.sh`). */
    userPatches: z.string().optional(),
  })
  .strict();

/** `user@domain` of one mailbox, or `@domain` for every mailbox of a domain. */
const MAILBOX_SELECTOR = z
  .string()
  .regex(ALIAS_KEY_PATTERN, { message: "must be an account address or @domain" });

/**
 * SpamAssassin's Bayes learning from the users' own folders, as the DMS FAQ "How can I make
 * SpamAssassin better recognize spam?" sets it up: a system cron file running `sa-learn --spam`
 * on each mailbox's Junk folder and `sa-learn --ham` on its Archive folders and inbox, into the
 * Bayes database Amavis reads (`/var/mail-state/lib-amavis/.spamassassin`). Also sets
 * `SPAMASSASSIN_SPAM_TO_INBOX=1` and `MOVE_SPAM_TO_JUNK=1`, so spam lands in Junk where users
 * can correct it. SpamAssassin ignores what it learnt until it has 200 spam and 200 ham.
 * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/#how-can-i-make-spamassassin-better-recognize-spam
 */
export const SpamLearningSpec = z
  .object({
    /** Whose folders: account addresses, or `@domain` for every mailbox of a domain. */
    from: z.array(MAILBOX_SELECTOR).min(1),
    /**
     * Hour of the day (container time) learning runs: spam at :00, ham from Archive at :15, ham
     * from the inbox at :30, then the database is handed back to Amavis at :45. @default 2
     */
    hour: z.number().int().min(0).max(23).default(2),
  })
  .strict();

/**
 * SpamAssassin and Amavis settings beyond `features`, each rendered into a file DMS reads at
 * startup (`cron/sa-learn`, `spamassassin-rules.cf`, `amavis.cf`).
 */
export const SpamAssassinSpec = z
  .object({
    learn: SpamLearningSpec.optional(),
    /**
     * Custom SpamAssassin rules (`spamassassin-rules.cf`), in SpamAssassin's config syntax.
     * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/#how-can-i-manage-my-custom-spamassassin-rules
     */
    rules: z.string().optional(),
    /**
     * An account that receives quarantined mail (spam over `SA_KILL`, viruses, banned files, bad
     * headers) instead of Amavis's quarantine folder: the five `*_quarantine_to` of `amavis.cf`.
     * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/#how-can-i-send-quarantined-mail-to-a-mailbox
     */
    quarantineTo: Address.optional(),
    /**
     * Treat every domain, subdomains included, as local for Amavis, so SpamAssassin's headers
     * are added to mail for `sub.example.com` too (`@local_domains_maps = (".")` in
     * `amavis.cf`). @default false
     * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/#why-are-spamassassin-x-headers-not-inserted-into-my-subdomainexamplecom-subdomain-emails
     */
    allDomainsLocal: z.boolean().default(false),
  })
  .strict();

/**
 * Running behind a proxy or NAT that forwards the public address to the host: Postfix must
 * know that address as its own (`proxy_interfaces`), or it refuses mail for `user@[address]`
 * and may bounce mail for its own MX as a loop. Written with `postconf` from `user-patches.sh`,
 * as the DMS FAQ does.
 * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/#how-to-use-dms-behind-a-proxy
 */
export const BehindProxySpec = z
  .object({
    /** The public addresses the proxy receives mail on. @default the spec's `ipv4` and `ipv6` */
    publicAddresses: z
      .array(z.union([z.ipv4(), z.ipv6()]))
      .min(1)
      .optional(),
  })
  .strict();

/** Cloud hosting the mail server; used to warn about outbound port 25 blocks before deploying. */
export const CloudProvider = z.enum([
  "aws",
  "azure",
  "gcp",
  "vultr",
  "digitalocean",
  "hetzner",
  "linode",
  "oracle",
  "ovh",
  "scaleway",
  "other",
]);

/** The whole mail server. */
export const MailServerSpecSchema = z
  .object({
    /** The mail host's FQDN, e.g. `mail.example.com`; MX records point here. */
    hostname: fqdn(),
    /**
     * Mail for the hostname itself (a bare-domain setup such as `example.com` as both hostname and
     * mail domain). Writes `mydestination = localhost.$mydomain, localhost` to `postfix-main.cf`
     * (docs/dms-contract.md#bare-domain). @default false
     */
    bareDomain: z.boolean().default(false),
    /** The public IPv4 address of the mail host (A record, SPF, PTR). */
    ipv4: z.ipv4().optional(),
    /** The public IPv6 address of the mail host (AAAA record, SPF, PTR). */
    ipv6: z.ipv6().optional(),
    /** Where the host runs; used for outbound port 25 warnings. */
    cloud: CloudProvider.optional(),
    image: z
      .object({
        /** @default "ghcr.io/docker-mailserver/docker-mailserver" */
        repository: z.string().min(1).default(DEFAULT_IMAGE_REPOSITORY),
        /**
         * A pinned release tag such as `15.1.0`. Its major version tells the plan which Dovecot
         * the image runs: 2.3 up to 15.x, 2.4 from 16 (docs/dms-contract.md#dovecot-24).
         * @default "15.1.0"
         */
        tag: z.string().min(1).default(DEFAULT_IMAGE_TAG),
        /**
         * The tag running now, while `tag` moves to a new release: the plan then lists the
         * releases crossed and the env variables renamed or removed between them (from the
         * project's table of upstream's changelog, docs/upgrades.md). A Pulumi program cannot read
         * the running container's tag, so it is declared; drop it once the upgrade is deployed.
         * `dmsctl plan --out DIR` reads it from `DIR/compose.yaml` when unset.
         */
        upgradeFrom: z.string().min(1).optional(),
        /**
         * Allow `upgradeFrom` -> `tag` to cross a major version (Debian, Dovecot or Postfix
         * jumps that need the changelog read first). @default false
         */
        allowMajorUpgrade: z.boolean().optional(),
      })
      .strict()
      .default({ repository: DEFAULT_IMAGE_REPOSITORY, tag: DEFAULT_IMAGE_TAG }),
    domains: z.array(DomainSpec).min(1),
    accounts: z.array(AccountSpec).default([]),
    aliases: z.array(AliasSpec).default([]),
    /** Addresses whose mail is accepted and discarded (a `devnull` sink). @default [] */
    devnull: z.array(Address).default([]),
    /**
     * Where mail to the postmaster goes (`postmaster@` of every domain is routed here unless
     * declared), and `POSTMASTER_ADDRESS`. Unset: mail goes to the first account in sorted order,
     * and `POSTMASTER_ADDRESS` is postmaster@ the hostname's parent domain if it is a mail domain
     * here, else postmaster@ the first domain (never an account, so adding an account does not
     * change the env and replace the container). @default the first account
     */
    postmaster: Address.optional(),
    features: FeaturesSpec.default({
      rspamd: true,
      amavis: false,
      spamassassin: false,
      clamav: false,
      fail2ban: false,
      pop3: false,
      imap: true,
      managesieve: false,
      srs: false,
      dnsbl: false,
      quotas: true,
      smtpOnly: false,
    }),
    tls: TlsSpec.default({ type: "letsencrypt", hostDir: "/etc/letsencrypt" }),
    relay: RelaySpec.optional(),
    /** Container memory limit in Docker syntax, e.g. `2g`. @default no limit */
    memoryLimit: z
      .string()
      .regex(MEMORY_PATTERN, { message: "must be a Docker memory size such as 512m or 3g" })
      .optional(),
    /** Extra Linux capabilities. @default ["NET_ADMIN"] when fail2ban is on, else [] */
    capabilities: z
      .array(
        z.string().regex(/^[A-Z_]+$/, { message: "must be a capability name such as NET_ADMIN" }),
      )
      .optional(),
    /**
     * `TZ`, an IANA zone such as `Europe/Berlin`; or `host` to mount the host's `/etc/localtime`
     * read-only instead and leave `TZ` unset (Docker only).
     * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/#how-can-i-sync-the-container-and-host-datetime
     * @default "UTC"
     */
    timezone: z
      .string()
      .regex(/^[A-Za-z_+-]+(?:\/[A-Za-z0-9_+-]+)*$/, {
        message: "must be an IANA time zone such as Europe/Berlin",
      })
      .default("UTC"),
    /** DNS resolvers of the container. @default Docker's */
    dnsResolvers: z.array(z.union([z.ipv4(), z.ipv6()])).optional(),
    /** DMS `LOG_LEVEL`. @default "info" */
    logLevel: z.enum(["error", "warn", "info", "debug", "trace"]).default("info"),
    /** Extra `mailserver.env` entries; these win over derived ones. @default {} */
    env: z
      .record(
        z.string().regex(/^[A-Z][A-Z0-9_]*$/, { message: "must be an upper-case variable name" }),
        z.string(),
      )
      .default({}),
    overrides: OverridesSpec.default({}),
    /** SpamAssassin learning, custom rules and Amavis quarantine (classic stack). */
    spamassassin: SpamAssassinSpec.optional(),
    /** The server is reached through a proxy or NAT at a public address (`proxy_interfaces`). */
    behindProxy: BehindProxySpec.optional(),
    /** Host addresses services are published on. @default ["0.0.0.0", "::"] */
    bindAddresses: z
      .array(z.union([z.ipv4(), z.ipv6()]))
      .min(1)
      .default(["0.0.0.0", "::"]),
    services: ServicesSpec.default({}),
    /** Where the server runs: a Docker host or a Kubernetes cluster. @default { kind: "docker" } */
    platform: PlatformSpec.default({ kind: "docker" }),
    /** Keep the mail data volumes on `pulumi destroy` and container replacement. @default true */
    retainData: z.boolean().default(true),
    /** A daily backup of the volumes into a host directory (Docker only). @default none */
    backup: BackupSpec.optional(),
  })
  .strict();

/** The spec as a user writes it (defaults optional). */
export type MailServerSpecInput = z.input<typeof MailServerSpecSchema>;
/** The spec with every default applied. */
export type MailServerSpec = z.output<typeof MailServerSpecSchema>;
export type DomainSpec = z.output<typeof DomainSpec>;
export type AccountSpec = z.output<typeof AccountSpec>;
export type AliasSpec = z.output<typeof AliasSpec>;
export type FeaturesSpec = z.output<typeof FeaturesSpec>;
export type ServiceExposure = z.output<typeof ServiceExposure>;
export type CloudProvider = z.output<typeof CloudProvider>;
export type PlatformSpec = z.output<typeof PlatformSpec>;
export type BackupSpec = z.output<typeof BackupSpec>;
export type SpamAssassinSpec = z.output<typeof SpamAssassinSpec>;
export type SpamLearningSpec = z.output<typeof SpamLearningSpec>;
export type BehindProxySpec = z.output<typeof BehindProxySpec>;
