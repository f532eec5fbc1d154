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

/** Ids `dmsctl plan` reports from the previous deployment in its `--out` folder. */
export const DKIM_ROTATION_STATE_RULES = ruleGroup({
  reportedBy: "`dmsctl plan --out`, from the previous deployment in the folder",
  rules: {
    "dkim-retiring-key-missing": {
      level: "error",
      summary:
        "A retiring selector has no key in the `--out` folder: only a selector that signed before can retire.",
      remediation:
        "Restore the selector's key into the folder (`config/opendkim/keys/<domain>/<selector>.private` or `config/rspamd/dkim/`), or remove it from `retiring`.",
    },
  },
});
