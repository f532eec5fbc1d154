/**
 * Files for the answers of docker-mailserver's FAQ that the spec covers beyond the basic tables:
 * SpamAssassin's Bayes learning (a system cron file), custom SpamAssassin rules, Amavis's
 * quarantine mailbox and local-domains override (`amavis.cf`), and the `user-patches.sh`
 * fragments that install the cron file and set Postfix's `proxy_interfaces`. All are read at
 * startup only (`recreate`). Pure: the same spec gives byte-identical text.
 *
 * @see https://docker-mailserver.github.io/docker-mailserver/latest/faq/
 */
import type { MailServerSpec, SpamLearningSpec } from "../spec/schema";
import { cmp } from "../spec/order";

/** Where the cron file lives in the config volume, relative to it. */
export const SA_LEARN_CRON_PATH = "cron/sa-learn";
/**
 * Where `user-patches.sh` installs it. DMS reads no cron folder from its config volume; the FAQ
 * mounts the file at `/etc/cron.d/sa-learn`. Copying it from the config volume instead works
 * the same on every platform (a named volume, a Kubernetes ConfigMap) and lets the copy get the
 * owner and mode cron insists on (root, not group- or world-writable).
 */
export const SA_LEARN_CRON_TARGET = "/etc/cron.d/dms-sa-learn";
/**
 * The Bayes database Amavis's SpamAssassin reads: Amavis's home is `/var/lib/amavis`, which DMS
 * moves to the state volume as `lib-amavis` (the path the FAQ's cron lines use).
 */
export const BAYES_DB_PATH = "/var/mail-state/lib-amavis/.spamassassin";
/** The folders learning reads, as the FAQ names them. */
export const LEARN_FOLDERS = {
  spam: ".Junk",
  archive: ".Archive*",
  inbox: "cur",
} as const;

/** One mailbox directory (`/var/mail/<domain>/<local>`) or a whole domain's (`.../*`). */
function mailDirs(selector: string): string {
  const at = selector.lastIndexOf("@");
  const local = selector.slice(0, at);
  const domain = selector.slice(at + 1);
  return `/var/mail/${domain}/${local === "" ? "*" : local}`;
}

/**
 * The system cron file (`/etc/cron.d` format: five time fields, the user, the command), one
 * line per mailbox selector and kind, as in the DMS FAQ: spam from `.Junk` at :00, ham from
 * `.Archive*` at :15 and from the inbox (`cur`) at :30. Output goes to /dev/null and errors to
 * cron's mail (root, which DMS routes to the postmaster). At :45 the database goes back to the
 * `amavis` user: `sa-learn` runs as root (only root reads every maildir) and would otherwise
 * leave files Amavis cannot write.
 */
export function renderSaLearnCron(learn: SpamLearningSpec): string {
  // A mailbox whose whole domain is learnt from already needs no line of its own.
  const wholeDomains = new Set(learn.from.filter((s) => s.startsWith("@")));
  const from = [...new Set(learn.from)]
    .filter((s) => s.startsWith("@") || !wholeDomains.has(s.slice(s.lastIndexOf("@"))))
    .sort(cmp);
  const h = learn.hour;
  const run = (minute: number, kind: "spam" | "ham", folder: string) =>
    from.map(
      (s) =>
        `${minute} ${h} * * * root sa-learn --${kind} ${mailDirs(s)}/${folder} --dbpath ${BAYES_DB_PATH} > /dev/null`,
    );
  return [
    "# Generated from the mail server spec (spamassassin.learn): SpamAssassin Bayes learning,",
    `# installed as ${SA_LEARN_CRON_TARGET} by user-patches.sh. SpamAssassin uses what it`,
    "# learnt only once it has 200 spam and 200 ham.",
    "# m h dom mon dow user command",
    ...run(0, "spam", LEARN_FOLDERS.spam),
    ...run(15, "ham", LEARN_FOLDERS.archive),
    ...run(30, "ham", LEARN_FOLDERS.inbox),
    `45 ${h} * * * root chown -R amavis:amavis ${BAYES_DB_PATH}`,
    "",
  ].join("\n");
}

/** A Perl single-quoted string: only `\` and `'` are special. */
export function perlSingleQuoted(value: string): string {
  return `'${value.replace(/[\\']/g, "\\$&")}'`;
}

/** The five quarantine destinations of the FAQ "How can I send quarantined mail to a mailbox?". */
export const QUARANTINE_SETTINGS = [
  "clean_quarantine_to",
  "virus_quarantine_to",
  "banned_quarantine_to",
  "bad_header_quarantine_to",
  "spam_quarantine_to",
] as const;

/**
 * `amavis.cf`, which DMS copies over Amavis's `conf.d/50-user` at startup: the quarantine
 * mailbox and the local-domains override, in Perl, ending with the `1;` Amavis requires of a
 * config file. `undefined` when neither is set.
 */
export function renderAmavisCf(spec: MailServerSpec): string | undefined {
  const sa = spec.spamassassin;
  if (sa === undefined || (sa.quarantineTo === undefined && !sa.allDomainsLocal)) return undefined;
  const out = [
    "# Generated from the mail server spec (spamassassin): copied to /etc/amavis/conf.d/50-user.",
    "use strict;",
    "",
  ];
  if (sa.quarantineTo !== undefined) {
    const width = Math.max(...QUARANTINE_SETTINGS.map((k) => k.length));
    out.push("# Quarantined mail goes to this mailbox instead of the quarantine folder.");
    for (const key of QUARANTINE_SETTINGS) {
      out.push(`$${key.padEnd(width)} = ${perlSingleQuoted(sa.quarantineTo)};`);
    }
    out.push("");
  }
  if (sa.allDomainsLocal) {
    out.push("# Every domain is local, subdomains included: SpamAssassin headers on all mail.");
    out.push('@local_domains_maps = (".");');
    out.push("");
  }
  out.push("1;  # ensure a defined return", "");
  return out.join("\n");
}

/** A shell single-quoted word. */
function shellQuoted(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The public addresses `proxy_interfaces` lists: the spec's, else its `ipv4` and `ipv6`. */
export function proxyAddresses(spec: MailServerSpec): string[] {
  const proxy = spec.behindProxy;
  if (proxy === undefined) return [];
  const given = proxy.publicAddresses ?? [spec.ipv4, spec.ipv6].filter((a) => a !== undefined);
  return [...new Set(given)];
}

/**
 * The FAQ options' part of `user-patches.sh`: two lines per option (a comment, a command), or ""
 * when no option needs one. DMS runs the script with bash after writing its config and before
 * starting the daemons, so `postconf` edits `main.cf` before Postfix reads it and cron finds its
 * file when it starts.
 */
export function userPatchFragments(spec: MailServerSpec, configDir: string): string {
  const out: string[] = [];
  if (spec.spamassassin?.learn !== undefined) {
    out.push(
      "# spamassassin.learn: install the cron file as cron requires (root-owned, mode 0644).",
      `install -o root -g root -m 0644 ${configDir}/${SA_LEARN_CRON_PATH} ${SA_LEARN_CRON_TARGET}`,
    );
  }
  const addresses = proxyAddresses(spec);
  if (addresses.length > 0) {
    out.push(
      "# behindProxy: the public addresses the proxy receives mail on are Postfix's own.",
      `postconf ${shellQuoted(`proxy_interfaces = ${addresses.join(", ")}`)}`,
    );
  }
  return out.length === 0 ? "" : out.join("\n") + "\n";
}
