/**
 * The docker-mailserver config volume as data: every file DMS reads from `/tmp/docker-mailserver`,
 * rendered from the spec in the exact formats of docs/dms-contract.md#file-formats. Pure: no I/O; the same
 * spec and material give byte-identical files, whatever order domains, accounts and aliases were
 * listed in.
 */
import type { MailServerSpec } from "../spec/schema";
import { cmp } from "../spec/findings";
import {
  dkimEngine,
  dovecotLine,
  effectiveFeatures,
  postmasterAddress,
  retiringSelectors,
  signsDkim,
} from "../spec/derived";
import type { DmsFile, ReloadMode } from "./types";
import { selectorKey, type DkimKeyMaterial, type PlanMaterial } from "../spec/material";
import { dkimName, dkimText, quoteTxtString, splitTxt } from "../records";
import { proxyDovecotConf, proxyPostfixMain, proxyUserPatches } from "./proxy-protocol";
import {
  renderAmavisCf,
  renderSaLearnCron,
  SA_LEARN_CRON_PATH,
  userPatchFragments,
} from "./faq-files";

/** The config volume inside the container (docs/dms-contract.md#config-volume). */
export const CONFIG_DIR = "/tmp/docker-mailserver";
/**
 * Local alias that discards mail (`postfix-aliases.cf`), as the DMS FAQ "How can I delete all the
 * emails for a specific user?" sets it up.
 */
export const DEVNULL_ALIAS = "devnull";
/**
 * What sink addresses map to in `postfix-virtual.cf`. The FAQ writes a bare `devnull`, which
 * Postfix qualifies with `$myorigin` (= `$myhostname` in DMS's main.cf): that breaks with a
 * catch-all on the hostname's domain (the FAQ adds a guard line) and with a bare-domain setup,
 * where the hostname is a virtual domain and no longer in `mydestination` (docs/dms-contract.md#bare-domain). `localhost` is
 * in `mydestination` in both DMS's default and the bare-domain override, and never a virtual
 * domain, so `devnull@localhost` always reaches the local alias.
 */
export const DEVNULL_TARGET = `${DEVNULL_ALIAS}@localhost`;
/** Postfix override for a bare-domain setup (docs/dms-contract.md#bare-domain). */
export const BARE_DOMAIN_MYDESTINATION = "mydestination = localhost.$mydomain, localhost";

/**
 * `dovecot.cf` lines for an image with Dovecot 2.4 and quotas on (docs/dms-contract.md#dovecot-24).
 * DMS asks Dovecot's quota-status service about every inbound recipient as Postfix received it,
 * before alias expansion. DMS 15 (Dovecot 2.3) sets the answers for "no such user" and "within
 * quota" to `DUNNO`, which leaves the recipient to the rest of Postfix's checks; the development
 * line no longer does, so Dovecot 2.4's defaults apply: `REJECT Unknown user` for any address
 * without a userdb entry (a catch-all's, an alias to another alias or to an outside address, a
 * devnull address) and `OK`, which skips every later recipient restriction. These restore DMS 15's
 * answers; over quota is still refused.
 */
export const DOVECOT24_QUOTA_STATUS = "quota_status_nouser = DUNNO\nquota_status_success = DUNNO\n";

/** Thrown when the material does not fit the spec; lists every problem, never a secret. */
export class DmsPlanError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "DmsPlanError";
  }
}

/** Joins lines with LF and a final newline; no lines gives an empty file. */
function lines(ls: readonly string[]): string {
  return ls.length === 0 ? "" : ls.join("\n") + "\n";
}

/** User-supplied text: CRLF to LF, and a final newline (docs/dms-contract.md#line-endings). */
function userText(text: string): string {
  const lf = text.replace(/\r\n/g, "\n");
  return lf === "" || lf.endsWith("\n") ? lf : lf + "\n";
}

function file(path: string, content: string, reload: ReloadMode, secret = false): DmsFile {
  return { path, content, reload, secret };
}

/**
 * The order DMS's unanchored first-match `grep` needs in `postfix-accounts.cf` and
 * `dovecot-quotas.cf` (docs/dms-contract.md#file-formats): DMS looks an address B up with `grep "B"` /
 * `grep -i "B:"` and uses the first matching line. A line for another address A matches only if
 * A contains (for quotas: ends with) a match of B, where `.` in B matches any character. Then
 * either A is longer than B, or A has B's length and differs from B only where B has a `.`.
 * So: shorter addresses first, and between equal lengths compare with `.` below every other
 * character. B's own line then always comes before any line that could shadow it. (`*`, `^` and
 * `$`, valid in local parts but also grep metacharacters, are outside this proof.)
 */
export function grepSafeOrder(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return cmp(a.replace(/\./g, "\u0000"), b.replace(/\./g, "\u0000")) || cmp(a, b);
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(cmp);
}

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf("@") + 1);
}

/** Dovecot 2.3 / postfix: characters that would break a `|`/`:`-delimited line. */
const UNSAFE_HASH = /[|:\s]/;

function accountsFile(spec: MailServerSpec, material: PlanMaterial, problems: string[]): DmsFile {
  const rows: [string, string][] = [];
  spec.accounts.forEach((account, i) => {
    const hash = material.passwordHashes.get(account.address) ?? account.passwordHash;
    if (hash === undefined) {
      problems.push(`accounts[${i}]: no password hash for ${JSON.stringify(account.address)}`);
    } else if (UNSAFE_HASH.test(hash)) {
      // The hash is secret: name the field, never the value.
      problems.push(
        `accounts[${i}]: the password hash of ${JSON.stringify(account.address)} contains "|", ":" or whitespace`,
      );
    } else {
      rows.push([account.address, hash]);
    }
  });
  rows.sort((a, b) => grepSafeOrder(a[0], b[0]));
  return file(
    "postfix-accounts.cf",
    lines(rows.map(([address, hash]) => `${address}|${hash}`)),
    "live",
    true,
  );
}

/**
 * `postfix-virtual.cf`: specific keys first, catch-alls last (docs/dms-contract.md#aliases), each
 * group sorted; targets `,`-joined, sorted and deduplicated.
 */
function virtualFile(spec: MailServerSpec): DmsFile {
  const entries = new Map<string, Set<string>>();
  const add = (key: string, target: string) => {
    const set = entries.get(key) ?? new Set<string>();
    set.add(target);
    entries.set(key, set);
  };
  for (const account of spec.accounts) {
    for (const alias of account.aliases) add(alias, account.address);
  }
  for (const alias of spec.aliases) for (const target of alias.targets) add(alias.address, target);
  for (const sink of spec.devnull) add(sink, DEVNULL_TARGET);

  // Postfix tries a catch-all before delivering to a real mailbox of its domain, so an account in
  // a catch-all domain needs an explicit self-alias or the catch-all swallows its mail.
  const catchAllDomains = new Set(
    spec.aliases.filter((a) => a.address.startsWith("@")).map((a) => a.address.slice(1)),
  );
  for (const account of spec.accounts) {
    if (catchAllDomains.has(domainOf(account.address))) add(account.address, account.address);
  }

  // RFC 5321 §4.5.1 requires postmaster@ of every domain; route it unless the spec handles it.
  const accounts = new Set(spec.accounts.map((a) => a.address));
  const postmaster = postmasterAddress(spec);
  for (const domain of spec.domains) {
    const key = `postmaster@${domain.name}`;
    if (!entries.has(key) && !accounts.has(key) && key !== postmaster) add(key, postmaster);
  }

  const keys = [...entries.keys()];
  const specific = keys.filter((k) => !k.startsWith("@")).sort(cmp);
  const catchAll = keys.filter((k) => k.startsWith("@")).sort(cmp);
  return file(
    "postfix-virtual.cf",
    lines([...specific, ...catchAll].map((k) => `${k} ${sortedUnique(entries.get(k)!).join(",")}`)),
    "live",
  );
}

/** `postfix-aliases.cf`, `aliases(5)` syntax with a colon (docs/dms-contract.md#file-formats). */
function aliasesFile(spec: MailServerSpec): DmsFile {
  const ls = spec.devnull.length > 0 ? [`${DEVNULL_ALIAS}: /dev/null`] : [];
  return file("postfix-aliases.cf", lines(ls), "live");
}

/** Parses `POSTFIX_MAILBOX_SIZE_LIMIT` (bytes) into quota syntax, for explicit default lines. */
function defaultQuota(spec: MailServerSpec): string {
  const limit = spec.env.POSTFIX_MAILBOX_SIZE_LIMIT;
  return limit !== undefined && /^[1-9][0-9]*$/.test(limit) ? `${limit}B` : "0";
}

/**
 * `dovecot-quotas.cf`: `address:size`, in {@link grepSafeOrder}. An account without a quota
 * normally has no line, but if its `grep "address:"` would hit another account's line (`bob@`
 * inside `superbob@`), it gets an explicit line with the default limit so it cannot inherit one.
 */
function quotasFile(spec: MailServerSpec): DmsFile {
  const quotas = new Map<string, string>();
  for (const a of spec.accounts) if (a.quota !== undefined) quotas.set(a.address, a.quota);
  const grepMatches = (needle: string, address: string) =>
    new RegExp(`${needle.replace(/[\\^$*[\]+?(){}|]/g, "\\$&")}$`).test(address);
  for (const a of spec.accounts) {
    if (quotas.has(a.address)) continue;
    const shadowed = [...quotas.keys()].some((other) => grepMatches(a.address, other));
    if (shadowed) quotas.set(a.address, defaultQuota(spec));
  }
  const rows = [...quotas.entries()].sort((a, b) => grepSafeOrder(a[0], b[0]));
  return file("dovecot-quotas.cf", lines(rows.map(([a, q]) => `${a}:${q}`)), "live");
}

/**
 * A DKIM public key as a zone-file snippet, shaped like `opendkim-genkey`'s `<selector>.txt`
 * (docs/dms-contract.md#dkim-keys): relative owner, tab-separated `IN TXT`, a parenthesised list of quoted
 * strings of at most 255 bytes, a trailing comment.
 */
export function dkimZoneSnippet(selector: string, domain: string, publicKeyBase64: string): string {
  const [head, ...rest] = [
    "v=DKIM1; k=rsa; ",
    ...splitTxt(dkimText(publicKeyBase64).slice("v=DKIM1; k=rsa; ".length)),
  ];
  const body = [quoteTxtString(head!), ...rest.map((s) => `\t  ${quoteTxtString(s)}`)].join("\n");
  return `${selector}._domainkey\tIN\tTXT\t( ${body} )  ; ----- DKIM key ${selector} for ${domain}\n`;
}

/** OpenDKIM layout (docs/dms-contract.md#dkim-keys): startup-only, so `recreate`. */
function opendkimFiles(spec: MailServerSpec, material: PlanMaterial): DmsFile[] {
  const domains = spec.domains.filter((d) => d.dkim.enabled).sort((a, b) => cmp(a.name, b.name));
  // A delegated selector (dkim.cname) is signed by the provider that holds its key, never here.
  const signing = domains.filter(signsDkim);
  if (domains.length === 0) return [];
  const out: DmsFile[] = [];
  if (signing.length > 0)
    out.push(
      file(
        "opendkim/KeyTable",
        lines(
          signing.map(
            (d) =>
              // The container path /etc/opendkim, where DMS copies the tables, not the volume path.
              `${dkimName(d.dkim.selector, d.name)} ${d.name}:${d.dkim.selector}:/etc/opendkim/keys/${d.name}/${d.dkim.selector}.private`,
          ),
        ),
        "recreate",
      ),
      file(
        "opendkim/SigningTable",
        lines(signing.map((d) => `*@${d.name} ${dkimName(d.dkim.selector, d.name)}`)),
        "recreate",
      ),
      file("opendkim/TrustedHosts", lines(["127.0.0.1", "localhost"]), "recreate"),
    );
  for (const d of signing) {
    const key = material.dkimKeys.get(d.name);
    if (key === undefined) continue;
    const dir = `opendkim/keys/${d.name}/${d.dkim.selector}`;
    if (key.privateKeyPem !== undefined) {
      out.push(file(`${dir}.private`, userText(key.privateKeyPem), "recreate", true));
    }
    out.push(
      file(`${dir}.txt`, dkimZoneSnippet(d.dkim.selector, d.name, key.publicKeyBase64), "recreate"),
    );
  }
  // Retiring selectors: the key files stay (so the next plan adopts them and their records stay
  // published) but neither table names them, so OpenDKIM never signs with them.
  for (const { d, selector, key } of retiringKeys(domains, material)) {
    const dir = `opendkim/keys/${d.name}/${selector}`;
    if (key.privateKeyPem !== undefined) {
      out.push(file(`${dir}.private`, userText(key.privateKeyPem), "recreate", true));
    }
    out.push(
      file(`${dir}.txt`, dkimZoneSnippet(selector, d.name, key.publicKeyBase64), "recreate"),
    );
  }
  return out;
}

/** The retiring selectors' keys the material holds, in domain then selector order. */
function retiringKeys(
  domains: readonly MailServerSpec["domains"][number][],
  material: PlanMaterial,
): { d: MailServerSpec["domains"][number]; selector: string; key: DkimKeyMaterial }[] {
  const out: { d: MailServerSpec["domains"][number]; selector: string; key: DkimKeyMaterial }[] =
    [];
  for (const d of domains) {
    for (const selector of retiringSelectors(d.dkim).sort(cmp)) {
      const key = material.retiringDkimKeys?.get(selectorKey(d.name, selector));
      if (key !== undefined) out.push({ d, selector, key });
    }
  }
  return out;
}

/** Rspamd key file base name (docs/dms-contract.md#dkim-keys). */
function rspamdKeyBase(keySize: number, selector: string, domain: string): string {
  return `rspamd/dkim/rsa-${keySize}-${selector}-${domain}`;
}

/**
 * Whether `path` (relative to the config directory) is the private key of `selector` of `domain`
 * in either engine's layout: OpenDKIM's `opendkim/keys/<domain>/<selector>.private` or Rspamd's
 * `rspamd/dkim/rsa-<bits>-<selector>-<domain>.private.txt`. The Rspamd name is matched whole
 * after the bits, so selector `b` never takes the key of selector `a-b`.
 */
export function isDkimKeyFile(path: string, domain: string, selector: string): boolean {
  if (path === `opendkim/keys/${domain}/${selector}.private`) return true;
  const m = /^rspamd\/dkim\/rsa-\d+-(.+)\.private\.txt$/.exec(path);
  return m !== null && m[1] === `${selector}-${domain}`;
}

/**
 * Rspamd layout: keys under `rspamd/dkim/` and one `dkim_signing.conf` naming every domain (DMS's
 * own generator writes one domain only, docs/dms-contract.md#dkim-keys). Rspamd files reload live.
 */
function rspamdDkimFiles(spec: MailServerSpec, material: PlanMaterial): DmsFile[] {
  const domains = spec.domains.filter((d) => d.dkim.enabled).sort((a, b) => cmp(a.name, b.name));
  // A delegated selector (dkim.cname) is signed by the provider that holds its key, never here.
  const signing = domains.filter(signsDkim);
  if (domains.length === 0) return [];
  const blocks = signing.map((d) =>
    [
      `  ${d.name} {`,
      `    path = "${CONFIG_DIR}/${rspamdKeyBase(d.dkim.keySize, d.dkim.selector, d.name)}.private.txt";`,
      `    selector = "${d.dkim.selector}";`,
      `  }`,
    ].join("\n"),
  );
  const conf = [
    "# Generated from the mail server spec; DMS's defaults plus every signing domain.",
    "enabled = true;",
    "sign_authenticated = true;",
    "sign_local = false;",
    'use_domain = "header";',
    "use_esld = true;",
    "allow_username_mismatch = true;",
    "check_pubkey = true;",
    "",
    "domain {",
    blocks.join("\n"),
    "}",
  ];
  const out: DmsFile[] =
    signing.length > 0 ? [file("rspamd/override.d/dkim_signing.conf", lines(conf), "live")] : [];
  for (const d of signing) {
    const key = material.dkimKeys.get(d.name);
    if (key === undefined) continue;
    const base = rspamdKeyBase(d.dkim.keySize, d.dkim.selector, d.name);
    if (key.privateKeyPem !== undefined) {
      out.push(file(`${base}.private.txt`, userText(key.privateKeyPem), "live", true));
    }
    out.push(
      file(
        `${base}.public.txt`,
        dkimZoneSnippet(d.dkim.selector, d.name, key.publicKeyBase64),
        "live",
      ),
      file(`${base}.public.dns.txt`, lines([dkimText(key.publicKeyBase64)]), "live"),
    );
  }
  // Retiring selectors: key files kept for the overlap, absent from dkim_signing.conf.
  for (const { d, selector, key } of retiringKeys(domains, material)) {
    const base = rspamdKeyBase(d.dkim.keySize, selector, d.name);
    if (key.privateKeyPem !== undefined) {
      out.push(file(`${base}.private.txt`, userText(key.privateKeyPem), "live", true));
    }
    out.push(
      file(`${base}.public.txt`, dkimZoneSnippet(selector, d.name, key.publicKeyBase64), "live"),
      file(`${base}.public.dns.txt`, lines([dkimText(key.publicKeyBase64)]), "live"),
    );
  }
  return out;
}

/**
 * Relay files (docs/dms-contract.md#relay): every domain mapped to the relay, and the credentials
 * keyed by the relay exactly as `DEFAULT_RELAY_HOST` names it, so that mail from any sender
 * (bounces, root) authenticates too. Both reload live.
 */
function relayFiles(spec: MailServerSpec, material: PlanMaterial, problems: string[]): DmsFile[] {
  const relay = spec.relay;
  if (relay === undefined) return [];
  const next = relayHost(spec)!;
  const domains = spec.domains.map((d) => d.name).sort(cmp);
  const out = [file("postfix-relaymap.cf", lines(domains.map((d) => `@${d} ${next}`)), "live")];
  if (relay.username !== undefined) {
    const password = material.relayPassword;
    if (/[:\s]/.test(relay.username)) {
      problems.push(
        `relay.username: must not contain ":" or whitespace, got ${JSON.stringify(relay.username)}`,
      );
    } else if (password === undefined) {
      problems.push("relay.password: the relay has a username but no password was resolved");
    } else if (/[\r\n]/.test(password)) {
      problems.push("relay.password: must not contain a line break");
    } else {
      out.push(
        file(
          "postfix-sasl-password.cf",
          lines([`${next} ${relay.username}:${password}`]),
          "live",
          true,
        ),
      );
    }
  }
  return out;
}

/** `[host]:port`, the relay as `DEFAULT_RELAY_HOST` and the relay files name it. */
export function relayHost(spec: MailServerSpec): string | undefined {
  return spec.relay === undefined ? undefined : `[${spec.relay.host}]:${spec.relay.port}`;
}

/** Startup-only overrides (docs/dms-contract.md#file-formats): all `recreate`. */
function overrideFiles(spec: MailServerSpec): DmsFile[] {
  const out: DmsFile[] = [];
  const main = [
    ...(spec.bareDomain ? [BARE_DOMAIN_MYDESTINATION + "\n"] : []),
    proxyPostfixMain(spec),
    // The user's text comes after ours: `postconf -n` keeps the last duplicate, so the user wins.
    ...(spec.overrides.postfixMain !== undefined ? [userText(spec.overrides.postfixMain)] : []),
  ].join("");
  if (main !== "") out.push(file("postfix-main.cf", main, "recreate"));
  // Dovecot 2.4's quota-status answers first, then the PROXY protocol listeners
  // (./proxy-protocol.ts); the user's text follows (Dovecot keeps the last value of a setting),
  // and the rule platform-proxy-protocol-override refuses user text setting the proxy's names.
  const quotaStatus = effectiveFeatures(spec).quotas && dovecotLine(spec) === "2.4";
  const dovecot = [
    ...(quotaStatus ? [DOVECOT24_QUOTA_STATUS] : []),
    proxyDovecotConf(spec),
    ...(spec.overrides.dovecot !== undefined ? [userText(spec.overrides.dovecot)] : []),
  ].join("");
  if (dovecot !== "") out.push(file("dovecot.cf", dovecot, "recreate"));
  // The library's fragments first (PROXY protocol services, the FAQ options: ./faq-files.ts),
  // then the user's script, which may end with `exit`.
  const fragments = [proxyUserPatches(spec), userPatchFragments(spec, CONFIG_DIR)].join("");
  const patches = [
    ...(fragments !== "" ? ["#!/bin/bash\n", fragments] : []),
    ...(spec.overrides.userPatches !== undefined ? [userText(spec.overrides.userPatches)] : []),
  ].join("");
  if (patches !== "") {
    out.push({ ...file("user-patches.sh", patches, "recreate"), mode: 0o755 });
  }
  return out;
}

/**
 * SpamAssassin and Amavis files of the FAQ options (`spamassassin`): the learning cron file,
 * custom rules and `amavis.cf`. DMS reads them at startup only, so all are `recreate`.
 */
function spamAssassinFiles(spec: MailServerSpec): DmsFile[] {
  const sa = spec.spamassassin;
  if (sa === undefined) return [];
  const out: DmsFile[] = [];
  if (sa.learn !== undefined) {
    out.push(file(SA_LEARN_CRON_PATH, renderSaLearnCron(sa.learn), "recreate"));
  }
  if (sa.rules !== undefined) {
    out.push(file("spamassassin-rules.cf", userText(sa.rules), "recreate"));
  }
  const amavis = renderAmavisCf(spec);
  if (amavis !== undefined) out.push(file("amavis.cf", amavis, "recreate"));
  return out;
}

/**
 * Every file of the DMS config volume, sorted by path. Uses `material.passwordHashes` (falling
 * back to an account's own `passwordHash`) for `postfix-accounts.cf` and `material.dkimKeys` for
 * key files; a domain without `privateKeyPem` gets no private key file.
 *
 * @throws DmsPlanError listing every account without a usable hash and every relay credential
 * problem at once (never quoting a secret).
 */
export function planDmsFiles(spec: MailServerSpec, material: PlanMaterial): DmsFile[] {
  const problems: string[] = [];
  const features = effectiveFeatures(spec);
  const files: DmsFile[] = [
    accountsFile(spec, material, problems),
    virtualFile(spec),
    aliasesFile(spec),
  ];
  if (features.quotas) files.push(quotasFile(spec));
  const engine = dkimEngine(spec);
  switch (engine) {
    case "opendkim":
      files.push(...opendkimFiles(spec, material));
      break;
    case "rspamd":
      files.push(...rspamdDkimFiles(spec, material));
      break;
    case "none":
      break;
    default: {
      const _: never = engine;
      throw new Error(`unknown DKIM engine ${String(_)}`);
    }
  }
  files.push(...relayFiles(spec, material, problems));
  files.push(...overrideFiles(spec));
  files.push(...spamAssassinFiles(spec));
  if (problems.length > 0) throw new DmsPlanError(problems);
  return files.sort((a, b) => cmp(a.path, b.path));
}
