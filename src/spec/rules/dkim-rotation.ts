/**
 * DKIM rotation (spec `dkim.selector` and `dkim.retiring`): the spec's own shape here; what needs
 * the previous deployment (which selector signed before, which keys exist) is reported by
 * `dmsctl` from its `--out` folder.
 */
import type { MailServerSpec } from "../schema";
import { retiringSelectors } from "../derived";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "dkim-retiring-selector": {
    level: "error",
    summary:
      "`dkim.retiring` names the signing selector or one selector twice: a selector either signs or is retiring.",
    remediation: "List in `retiring` only former selectors, each once.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** The spec's rotation fields. */
export const DKIM_ROTATION_RULES = ruleGroup({ rules, check: checkRotation });

function checkRotation(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  spec.domains.forEach((d, i) => {
    const seen = new Set<string>();
    retiringSelectors(d.dkim).forEach((s, k) => {
      // A delegated selector that also retires: dns-cname-shared names the clash of CNAME and key.
      if (s === d.dkim.selector && d.dkim.cname !== undefined && d.dkim.enabled) return;
      if (s === d.dkim.selector) {
        r.report(
          "dkim-retiring-selector",
          ["domains", i, "dkim", "retiring", k],
          `is ${show(s)}, the signing selector; a selector either signs or is retiring`,
        );
      } else if (seen.has(s)) {
        r.report(
          "dkim-retiring-selector",
          ["domains", i, "dkim", "retiring", k],
          `repeats ${show(s)}`,
        );
      }
      seen.add(s);
    });
  });
}

/**
 * The one-step switch, reported from the previous deployment: by `dmsctl plan --out` from its
 * folder and by `MailServer` from its config volume (its rotation guard); both decide with
 * `oneStepSwitch` (src/dms/dkim-signing.ts).
 */
export const DKIM_ROTATION_SWITCH_RULES = ruleGroup({
  reportedBy:
    "`dmsctl plan --out`, from the previous deployment in the folder; `MailServer`, from its config volume (the rotation guard)",
  rules: {
    "dkim-rotation-one-step": {
      level: "error",
      summary:
        "The signing selector changes and the previous one is not in `retiring`: its record would vanish while mail it signed is still in flight.",
      remediation:
        "Rotate in two steps: first `selector: <new>` with `retiring: [<old>]` (the new record is published before signing switches), then, after the overlap, remove `<old>` from `retiring`.",
    },
  },
});

/** What `MailServer`'s rotation guard reports about retiring keys, from its config volume. */
export const DKIM_RETIRING_KEY_RULES = ruleGroup({
  reportedBy: "`MailServer`, from its config volume (the rotation guard)",
  rules: {
    "dkim-retiring-key-mismatch": {
      level: "error",
      summary:
        "The key the component holds for a retiring selector is not the key on the config volume, the one that signed: publishing it would fail the mail the selector signed.",
      remediation:
        "Keep the key that signed: a domain that adopted its key (`dkim.privateKey`) rotates with `dmsctl plan --out`; otherwise restore the stack state that holds the selector's key.",
    },
  },
});

/** Ids `dmsctl plan` reports from the previous deployment in its `--out` folder. */
export const DKIM_ROTATION_STATE_RULES = ruleGroup({
  reportedBy:
    "`dmsctl plan --out`, from the previous deployment in the folder; `MailServer`, from its config volume (the rotation guard)",
  rules: {
    "dkim-retiring-key-missing": {
      level: "error",
      summary:
        "A retiring selector has no key in the `--out` folder (`dmsctl plan --out`) or on the config volume (`MailServer`): only a selector that signed before can retire.",
      remediation:
        "Restore the selector's key into the folder (`config/opendkim/keys/<domain>/<selector>.private` or `config/rspamd/dkim/`), or remove it from `retiring`.",
    },
  },
});
