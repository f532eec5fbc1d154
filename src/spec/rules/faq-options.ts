/**
 * The FAQ options: SpamAssassin learning, custom rules and the Amavis quarantine mailbox
 * (`spamassassin`), and Postfix behind a proxy (`behindProxy`). Each is refused where DMS would
 * silently ignore it or where it points at something the spec does not have.
 */
import type { MailServerSpec } from "../schema";
import { canonicalIp } from "../ip";
import { cmp } from "../order";
import { domainOf, ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "spamassassin-options-off": {
    level: "error",
    summary:
      "A `spamassassin` option (learning, custom rules, all domains local) is set but SpamAssassin is off (`features.spamassassin` with `features.amavis`), so docker-mailserver never reads its file.",
    remediation:
      "Turn on `features.amavis` and `features.spamassassin` (and `features.rspamd: false`), or remove the option.",
  },
  "spam-learning-mailbox-unknown": {
    level: "error",
    summary:
      "`spamassassin.learn.from` names an address that is no account, or a domain that is not declared or has no account: there is no mailbox to learn from.",
    remediation: "Name an account address, or `@domain` of a declared domain with accounts.",
  },
  "spam-learning-path": {
    level: "error",
    summary:
      "A local part in `spamassassin.learn.from` holds a character the cron line cannot carry literally (cron reads `%` as a line break; the shell expands `$`, `*`, quotes and braces).",
    remediation:
      "Learn from the whole domain (`@domain`) instead, or use an account whose local part has only letters, digits, `.`, `_`, `+` and `-`.",
  },
  "spam-learning-env": {
    level: "error",
    summary:
      "`env` turns off `SPAMASSASSIN_SPAM_TO_INBOX` or `MOVE_SPAM_TO_JUNK` while `spamassassin.learn` is set: spam is then bounced or kept out of Junk, so nothing reaches the folder learning reads.",
    remediation: "Remove the `env` entry; learning sets both to 1.",
  },
  "quarantine-without-amavis": {
    level: "error",
    summary:
      "`spamassassin.quarantineTo` is set but Amavis is off, so nothing is quarantined and `amavis.cf` is never read.",
    remediation: "Turn on `features.amavis` (with SpamAssassin or ClamAV), or remove the option.",
  },
  "quarantine-not-account": {
    level: "error",
    summary:
      "`spamassassin.quarantineTo` is not an account of this server: quarantined mail would go to an alias, elsewhere, or bounce.",
    remediation:
      "Declare the quarantine mailbox as an account (the FAQ creates `quarantine@<domain>`).",
  },
  "proxy-address-missing": {
    level: "error",
    summary:
      "`behindProxy` is set without `publicAddresses`, and the spec has neither `ipv4` nor `ipv6` to use instead.",
    remediation: "Set `ipv4` (and `ipv6`), or list the proxy's public addresses.",
  },
  "proxy-address-not-host": {
    level: "error",
    summary:
      "A `behindProxy.publicAddresses` entry is not the host's public address (`ipv4`/`ipv6`, which the A/AAAA and SPF records publish).",
    remediation:
      "List the addresses the MX host resolves to; if the proxy's address is the public one, set it as `ipv4`/`ipv6` too.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** SpamAssassin learning, rules, quarantine; behind a proxy. */
export const FAQ_OPTION_RULES = ruleGroup({ rules, check: checkFaqOptions });

/** Local parts a cron line can name literally (see `spam-learning-path`). */
export const CRON_SAFE_LOCAL_PART = /^[a-z0-9._+-]+$/;

function checkFaqOptions(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  checkSpamAssassin(spec, ctx, r);
  checkProxy(spec, r);
}

function checkSpamAssassin(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  const sa = spec.spamassassin;
  if (sa === undefined) return;
  const f = spec.features;
  const saOn = f.spamassassin && f.amavis;
  const options: [keyof typeof sa, boolean][] = [
    ["learn", sa.learn !== undefined],
    ["rules", sa.rules !== undefined],
    ["allDomainsLocal", sa.allDomainsLocal],
  ];
  for (const [key, set] of options) {
    if (set && !saOn) {
      r.report(
        "spamassassin-options-off",
        ["spamassassin", key],
        `needs features.spamassassin and features.amavis on, got spamassassin ${show(f.spamassassin)} and amavis ${show(f.amavis)}`,
      );
    }
  }
  if (sa.learn !== undefined) {
    const domainsWithAccounts = new Set(spec.accounts.map((a) => domainOf(a.address)));
    sa.learn.from.forEach((selector, i) => {
      const path = ["spamassassin", "learn", "from", i];
      const local = selector.slice(0, selector.lastIndexOf("@"));
      const domain = domainOf(selector);
      if (local === "") {
        if (!domainsWithAccounts.has(domain) && !(ctx.partial?.domains?.has(domain) ?? false)) {
          r.report(
            "spam-learning-mailbox-unknown",
            path,
            ctx.domainIndex.has(domain)
              ? `names ${show(domain)}, which has no account to learn from`
              : `names ${show(domain)}, which is not a declared domain`,
          );
        }
        return;
      }
      if (!ctx.accountIndex.has(selector) && !(ctx.partial?.addresses.has(selector) ?? false)) {
        r.report(
          "spam-learning-mailbox-unknown",
          path,
          `is no account of this server, got ${show(selector)}`,
        );
      } else if (!CRON_SAFE_LOCAL_PART.test(local)) {
        r.report(
          "spam-learning-path",
          path,
          `has a local part the cron line cannot carry literally, got ${show(selector)}`,
        );
      }
    });
    for (const key of ["MOVE_SPAM_TO_JUNK", "SPAMASSASSIN_SPAM_TO_INBOX"].sort(cmp)) {
      const value = spec.env[key];
      if (value !== undefined && value !== "1") {
        r.report(
          "spam-learning-env",
          ["env", key],
          `must stay 1 for spamassassin.learn, got ${show(value)}`,
        );
      }
    }
  }
  if (sa.quarantineTo !== undefined) {
    if (!f.amavis) {
      r.report(
        "quarantine-without-amavis",
        ["spamassassin", "quarantineTo"],
        "needs features.amavis: without Amavis nothing is quarantined",
      );
    }
    const q = sa.quarantineTo;
    if (!ctx.accountIndex.has(q) && !(ctx.partial?.addresses.has(q) ?? false)) {
      r.report(
        "quarantine-not-account",
        ["spamassassin", "quarantineTo"],
        `must be an account of this server, got ${show(q)}`,
      );
    }
  }
}

function checkProxy(spec: MailServerSpec, r: Reporter<Id>): void {
  const proxy = spec.behindProxy;
  if (proxy === undefined) return;
  const host = [spec.ipv4, spec.ipv6].filter((a) => a !== undefined);
  if (proxy.publicAddresses === undefined) {
    if (host.length === 0) {
      r.report(
        "proxy-address-missing",
        ["behindProxy"],
        "has no publicAddresses and the spec sets neither ipv4 nor ipv6",
      );
    }
    return;
  }
  const known = new Set(host.map((a) => canonicalIp(a) ?? a));
  proxy.publicAddresses.forEach((address, i) => {
    if (known.has(canonicalIp(address) ?? address)) return;
    const family = address.includes(":") ? "ipv6" : "ipv4";
    const declared = family === "ipv6" ? spec.ipv6 : spec.ipv4;
    r.report(
      "proxy-address-not-host",
      ["behindProxy", "publicAddresses", i],
      declared === undefined
        ? `is not the host's public address: the spec sets no ${family}, so no record points at it, got ${show(address)}`
        : `is not the host's public address ${show(declared)} (${family}), got ${show(address)}`,
    );
  });
}
