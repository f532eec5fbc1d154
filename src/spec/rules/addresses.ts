/**
 * Accounts, aliases and devnull addresses: declared domains, no duplicates or conflicts, targets
 * that deliver, no alias loops, and at least one account when Dovecot runs.
 */
import type { MailServerSpec } from "../schema";
import {
  deliverable,
  domainOf,
  isDeclaredDomain,
  ruleGroup,
  show,
  type Context,
  type Path,
  type Reporter,
  type RuleTable,
} from "./context";

const rules = {
  "address-on-hostname": {
    level: "error",
    summary:
      "An address is on the hostname itself, which Postfix treats as a local (mydestination) domain.",
    remediation:
      "Use an address in a declared mail domain, or declare the hostname as a domain with `bareDomain: true` (docs/dms-contract.md#bare-domain).",
  },
  "bare-domain-unused": {
    level: "warn",
    summary: "`bareDomain: true` but no declared domain equals the hostname.",
    remediation: "Remove `bareDomain`, or declare the hostname as a mail domain.",
  },
  "address-domain-undeclared": {
    level: "error",
    summary:
      "An account, alias or devnull address is in a domain the spec does not declare, so no MX or DKIM exists for it.",
    remediation: "Add the domain to `domains`, or fix the address.",
  },
  "account-duplicate": {
    level: "error",
    summary: "The same account address is declared twice.",
    remediation: "Keep one account per address.",
  },
  "account-alias-conflict": {
    level: "error",
    summary:
      "An address is both an account and an alias (or devnull sink); Postfix would route it one way and Dovecot the other.",
    remediation:
      "Make the address either an account or an alias; to deliver an alias to a mailbox, point it at the account.",
  },
  "alias-duplicate": {
    level: "error",
    summary:
      "An alias (or devnull address) is declared more than once, in `aliases`, an account's `aliases` or `devnull`.",
    remediation: "Declare it once and list all its targets there.",
  },
  "alias-self-target": {
    level: "error",
    summary:
      "An alias lists itself as a target; Postfix then delivers to the alias address, which has no mailbox.",
    remediation: "Remove the alias's own address from its targets.",
  },
  "alias-loop": {
    level: "error",
    summary:
      "Aliases (or catch-alls) forward to each other in a cycle; Postfix hits its recursion limit and the mail never arrives.",
    remediation: "Break the cycle so that every chain ends at an account or an external address.",
  },
  "alias-target-unknown": {
    level: "warn",
    summary:
      "An alias target is in a declared domain but is no account, alias or devnull address, so its mail bounces.",
    remediation: "Add the account, fix the target's spelling, or add a catch-all for its domain.",
  },
  "catch-all-self-aliases": {
    level: "info",
    summary:
      "A catch-all on a domain with accounts: self-aliases are written so the accounts keep their mail.",
    remediation:
      "Nothing to do; this is how docker-mailserver wants it (docs/dms-contract.md#file-formats).",
  },
  "no-accounts": {
    level: "error",
    summary:
      "No account while Dovecot runs: docker-mailserver waits about 120 s for one, then stops (docs/dms-contract.md#first-account).",
    remediation: "Add an account, or set `features.smtpOnly: true` for a send-only server.",
  },
  "smtp-only-accounts": {
    level: "warn",
    summary: "`features.smtpOnly` runs no Dovecot, so accounts get no mailbox and cannot log in.",
    remediation: "Remove the accounts, or turn `smtpOnly` off.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Accounts, aliases and devnull addresses. */
export const ADDRESS_RULES = ruleGroup({
  rules,
  check: (spec, ctx, r) => {
    checkBareDomain(spec, ctx, r);
    checkAddresses(spec, ctx, r);
    checkAliasLoops(ctx, r);
  },
});

/**
 * `bareDomain: true` without a domain named like the hostname. With an invalid hostname (replaced
 * by a placeholder) the comparison would only mislead.
 */
function checkBareDomain(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  if (ctx.partial?.hostnameUnknown === true) return;
  if (spec.bareDomain && !ctx.domainIndex.has(spec.hostname)) {
    r.report(
      "bare-domain-unused",
      ["bareDomain"],
      `is true but no domain is named like the hostname ${show(spec.hostname)}`,
    );
  }
}

/** Checks one address's domain: declared, and not the hostname (mydestination clash). */
function checkAddressDomain(
  spec: MailServerSpec,
  ctx: Context,
  r: Reporter<Id>,
  path: Path,
  address: string,
): void {
  const domain = domainOf(address);
  if (domain === spec.hostname && !spec.bareDomain) {
    // A declared domain equal to the hostname is reported once, at the domain.
    if (!ctx.domainIndex.has(domain)) {
      r.report(
        "address-on-hostname",
        path,
        `${show(address)} is on the hostname ${show(spec.hostname)}, which Postfix treats as a local domain (mydestination), so mail to it is rejected; use a declared mail domain or bareDomain: true`,
      );
    }
    return;
  }
  if (ctx.partial !== undefined && ctx.partial.domains === undefined) return;
  if (!isDeclaredDomain(ctx, domain)) {
    r.report(
      "address-domain-undeclared",
      path,
      `${show(address)} is in ${show(domain)}, which is not in domains`,
    );
  }
}

function checkAddresses(spec: MailServerSpec, ctx: Context, r: Reporter<Id>): void {
  /** Every alias-like declaration seen so far: address -> where. */
  const aliasSeen = new Map<string, Path>();
  const accountRef = (address: string): string =>
    r.where(["accounts", ctx.accountIndex.get(address)!]);

  spec.accounts.forEach((a, i) => {
    const first = ctx.accountIndex.get(a.address)!;
    if (first !== i) {
      r.report(
        "account-duplicate",
        ["accounts", i, "address"],
        `${show(a.address)} is already declared at ${r.where(["accounts", first])}`,
      );
    }
    checkAddressDomain(spec, ctx, r, ["accounts", i, "address"], a.address);
  });

  const declareAlias = (path: Path, address: string, kind: string): void => {
    if (ctx.accountIndex.has(address)) {
      r.report(
        "account-alias-conflict",
        path,
        `${show(address)} is already an account (${accountRef(address)}); an address is either an account or ${kind}`,
      );
      return;
    }
    const seen = aliasSeen.get(address);
    if (seen !== undefined) {
      r.report(
        "alias-duplicate",
        path,
        `${show(address)} is already declared at ${r.where(seen)}; declare it once with all its targets`,
      );
      return;
    }
    aliasSeen.set(address, path);
    checkAddressDomain(spec, ctx, r, path, address);
  };

  spec.accounts.forEach((a, i) => {
    a.aliases.forEach((alias, k) => declareAlias(["accounts", i, "aliases", k], alias, "an alias"));
  });
  spec.aliases.forEach((a, i) => {
    declareAlias(["aliases", i, "address"], a.address, "an alias");
    a.targets.forEach((t, k) => {
      if (t === a.address) {
        r.report(
          "alias-self-target",
          ["aliases", i, "targets", k],
          `${show(t)} is the alias itself; Postfix would deliver it to a mailbox that does not exist`,
        );
      } else if (
        ctx.partial === undefined &&
        isDeclaredDomain(ctx, domainOf(t)) &&
        !deliverable(ctx, t)
      ) {
        r.report(
          "alias-target-unknown",
          ["aliases", i, "targets", k],
          `${show(t)} is in the declared domain ${show(domainOf(t))} but is no account, alias or devnull address, so mail to it bounces`,
        );
      }
    });
  });
  spec.devnull.forEach((d, i) => declareAlias(["devnull", i], d, "a devnull sink"));

  // Catch-alls take precedence over accounts in Postfix; the dms files add self-aliases.
  if (spec.aliases.some((a) => a.address.startsWith("@"))) {
    const accountsPerDomain = new Map<string, number>();
    for (const a of spec.accounts) {
      const d = domainOf(a.address);
      accountsPerDomain.set(d, (accountsPerDomain.get(d) ?? 0) + 1);
    }
    spec.aliases.forEach((a, i) => {
      if (!a.address.startsWith("@") || ctx.aliasPath.get(a.address)?.[1] !== i) return;
      const n = accountsPerDomain.get(a.address.slice(1)) ?? 0;
      if (n === 0) return;
      r.report(
        "catch-all-self-aliases",
        ["aliases", i, "address"],
        `catch-all ${show(a.address)} would also take the mail of ${n} account${n === 1 ? "" : "s"} of its domain; self-aliases are written so they keep it`,
      );
    });
  }

  if (spec.accounts.length === 0 && !spec.features.smtpOnly && ctx.partial === undefined) {
    r.report(
      "no-accounts",
      ["accounts"],
      "is empty: docker-mailserver waits about 120 s for an account, then stops; add one, or set features.smtpOnly: true for a send-only server",
    );
  }
  if (spec.accounts.length > 0 && spec.features.smtpOnly) {
    r.report(
      "smtp-only-accounts",
      ["accounts"],
      `lists ${spec.accounts.length} account${spec.accounts.length === 1 ? "" : "s"}, but features.smtpOnly runs no Dovecot, so they get no mailbox`,
    );
  }
}

/**
 * Alias loops, linear in aliases plus targets: an iterative depth-first search over alias keys.
 * A target resolves to the alias of that address, else (not an account or devnull) to the
 * catch-all of its domain, which is how Postfix's virtual(5) lookup proceeds.
 */
function checkAliasLoops(ctx: Context, r: Reporter<Id>): void {
  const next = (target: string): string | undefined => {
    if (ctx.aliasTargets.has(target)) return target;
    if (ctx.accountIndex.has(target) || ctx.devnull.has(target)) return undefined;
    const d = domainOf(target);
    return ctx.catchAll.has(d) && ctx.aliasTargets.has(`@${d}`) ? `@${d}` : undefined;
  };
  const order = new Map<string, number>();
  for (const key of ctx.aliasTargets.keys()) order.set(key, order.size);
  const state = new Map<string, 1 | 2>(); // 1 on the stack, 2 done
  const reported = new Set<string>();
  for (const start of ctx.aliasTargets.keys()) {
    if (state.has(start)) continue;
    const stack: { node: string; edges: readonly string[]; i: number }[] = [];
    const push = (node: string): void => {
      state.set(node, 1);
      const edges = ctx.aliasTargets.get(node)!.filter((t) => t !== node);
      stack.push({ node, edges, i: 0 });
    };
    push(start);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i >= top.edges.length) {
        state.set(top.node, 2);
        stack.pop();
        continue;
      }
      const target = top.edges[top.i++]!;
      const node = next(target);
      if (node === undefined || node === top.node) continue;
      const s = state.get(node);
      if (s === undefined) {
        push(node);
      } else if (s === 1) {
        const from = stack.findIndex((f) => f.node === node);
        const cycle = stack.slice(from).map((f) => f.node);
        // Start the cycle at its first declared alias, so each loop is reported once, stably.
        let best = 0;
        for (let k = 1; k < cycle.length; k++) {
          if (order.get(cycle[k]!)! < order.get(cycle[best]!)!) best = k;
        }
        const rotated = [...cycle.slice(best), ...cycle.slice(0, best)];
        const key = rotated.join(" ");
        if (reported.has(key)) continue;
        reported.add(key);
        r.report(
          "alias-loop",
          ctx.aliasPath.get(rotated[0]!)!,
          `${show(rotated[0])} forwards in a loop: ${[...rotated, rotated[0]].join(" -> ")}; the mail never arrives`,
        );
      }
    }
  }
}
