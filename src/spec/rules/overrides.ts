/** Passthrough files (`overrides`), which docker-mailserver copies verbatim. */
import type { MailServerSpec } from "../schema";
import { ruleGroup, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "passthrough-control-char": {
    level: "error",
    summary:
      "Passthrough text (`overrides.*`, `spamassassin.rules`) holds a CR (CRLF line ending) or NUL; DMS copies these files verbatim and they break.",
    remediation:
      "Save the text with LF line endings and no NUL characters (docs/dms-contract.md#line-endings).",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** Passthrough files. */
export const OVERRIDE_RULES = ruleGroup({ rules, check: checkOverrides });

function checkOverrides(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  const texts: [readonly PropertyKey[], string | undefined][] = [
    ...(["dovecot", "postfixMain", "userPatches"] as const).map(
      (key) =>
        [["overrides", key], spec.overrides[key]] as [readonly PropertyKey[], string | undefined],
    ),
    [["spamassassin", "rules"], spec.spamassassin?.rules],
  ];
  for (const [path, text] of texts) {
    if (text === undefined) continue;
    for (const [ch, what] of [
      ["\r", "a carriage return (CRLF line endings)"],
      ["\0", "a NUL character"],
    ] as const) {
      const at = text.indexOf(ch);
      if (at >= 0) {
        const line = countLines(text, at);
        r.report(
          "passthrough-control-char",
          path,
          `contains ${what} on line ${line}; docker-mailserver copies this file verbatim, so it must be LF-only text`,
        );
      }
    }
  }
}

function countLines(text: string, upTo: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i >= 0 && i < upTo; i = text.indexOf("\n", i + 1)) line++;
  return line;
}
