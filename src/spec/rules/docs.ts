/**
 * The finding reference as Markdown tables, embedded in `docs/spec.md` between markers; a test
 * keeps the doc in sync (`UPDATE_GOLDEN=1` rewrites it).
 */
import type { RuleMeta } from "./meta";
import { LATER_GROUPS, RULES } from "./registry";

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/**
 * The validation rules (id, level, what it catches, fix), in {@link RULES} order, embedded between
 * `<!-- rules:begin -->` and `<!-- rules:end -->`.
 */
export function rulesMarkdown(): string {
  const rows = (Object.entries(RULES) as [string, RuleMeta][]).map(
    ([id, meta]) =>
      `| \`${id}\` | ${meta.level} | ${cell(meta.summary)} | ${cell(meta.remediation)} |`,
  );
  return ["| Id | Level | What it catches | Fix |", "|---|---|---|---|", ...rows].join("\n") + "\n";
}

/**
 * The ids reported after validation (reading secrets, planning, DNS audits), with who reports
 * them, embedded between `<!-- findings:begin -->` and `<!-- findings:end -->`.
 */
export function findingsMarkdown(): string {
  const rows = LATER_GROUPS.flatMap((g) =>
    (Object.entries(g.rules) as [string, RuleMeta][]).map(
      ([id, meta]) =>
        `| \`${id}\` | ${meta.level} | ${cell(g.reportedBy ?? "")} | ${cell(meta.summary)} | ${cell(meta.remediation)} |`,
    ),
  );
  const head = ["| Id | Level | Reported by | What it means | Fix |", "|---|---|---|---|---|"];
  return [...head, ...rows].join("\n") + "\n";
}
