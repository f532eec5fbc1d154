/**
 * Renderers for verify reports and port 25 probe results: a terminal table, JSON, and Markdown
 * (for a PR comment or an issue). Pure; each returns text ending with a newline.
 */
import { columns } from "../plan/render/text";
import type { Check, VerifyReport } from "./checks";
import type { Port25Result } from "./port25";

const STATUS_WORD: Readonly<Record<Check["status"], string>> = {
  pass: "pass",
  fail: "FAIL",
  skip: "skip",
};

/** One line: `19 checks: 14 passed, 2 failed (1 error, 1 warning), 3 skipped`. */
export function summaryLine(report: VerifyReport): string {
  const s = report.summary;
  const failed =
    s.fail === 0
      ? "0 failed"
      : `${s.fail} failed (${[
          s.failedErrors > 0 ? plural(s.failedErrors, "error") : "",
          s.failedWarnings > 0 ? plural(s.failedWarnings, "warning") : "",
        ]
          .filter((x) => x !== "")
          .join(", ")})`;
  const total = s.pass + s.fail + s.skip;
  return `${total} checks: ${s.pass} passed, ${failed}, ${s.skip} skipped`;
}

function plural(n: number, word: string): string {
  return `${n} ${n === 1 ? word : `${word}s`}`;
}

/** The report as an aligned table, failures' remediation listed after it. */
export function renderVerifyTable(report: VerifyReport): string {
  const out = [`Verify ${report.hostname}`, ""];
  out.push(
    ...columns(
      ["STATUS", "LEVEL", "CHECK", "SUBJECT", "MESSAGE"],
      report.checks.map((c) => [STATUS_WORD[c.status], c.level, c.id, c.subject, c.message]),
    ),
  );
  const failed = report.checks.filter((c) => c.status === "fail");
  if (failed.length > 0) {
    out.push("", "How to fix");
    for (const c of failed) out.push(`- ${c.id} (${c.subject}): ${c.remediation ?? ""}`);
  }
  out.push("", `${summaryLine(report)}: ${report.ok ? "OK" : "FAILED"}`);
  return `${out.join("\n")}\n`;
}

/** JSON document version of {@link renderVerifyJson}; bump on incompatible changes. */
export const VERIFY_JSON_VERSION = 1;

/** The report as JSON (`{ version, hostname, ok, summary, checks }`). */
export function renderVerifyJson(report: VerifyReport): string {
  return `${JSON.stringify(
    {
      version: VERIFY_JSON_VERSION,
      hostname: report.hostname,
      ok: report.ok,
      summary: report.summary,
      checks: report.checks,
    },
    null,
    2,
  )}\n`;
}

const STATUS_ICON: Readonly<Record<Check["status"], string>> = {
  pass: "✅",
  fail: "❌",
  skip: "⏭️",
};

/** Escapes a table cell: pipes and line breaks would break the Markdown table. */
function cell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

/** The report as Markdown: a heading, the summary, a table, and what to fix. */
export function renderVerifyMarkdown(report: VerifyReport): string {
  const out = [
    `## Mail server verification: \`${report.hostname}\``,
    "",
    `**${report.ok ? "OK" : "FAILED"}**: ${summaryLine(report)}`,
    "",
    "| | Check | Level | Subject | Result |",
    "|---|---|---|---|---|",
    ...report.checks.map(
      (c) =>
        `| ${STATUS_ICON[c.status]} | \`${c.id}\` | ${c.level} | ${cell(c.subject)} | ${cell(c.message)} |`,
    ),
  ];
  const failed = report.checks.filter((c) => c.status === "fail");
  if (failed.length > 0) {
    out.push("", "### How to fix", "");
    for (const c of failed)
      out.push(`- **\`${c.id}\`** (${cell(c.subject)}): ${c.remediation ?? ""}`);
  }
  return `${out.join("\n")}\n`;
}

/** A verify report in one of the CLI's formats (`dmsctl verify` and `dmsctl doctor` share them). */
export function renderVerify(report: VerifyReport, format: "table" | "json" | "markdown"): string {
  if (format === "json") return renderVerifyJson(report);
  if (format === "markdown") return renderVerifyMarkdown(report);
  return renderVerifyTable(report);
}

/** A probe result as a table with the verdict and, when blocked, the remediation. */
export function renderPort25Table(result: Port25Result): string {
  const out = columns(
    ["TARGET", "OUTCOME", "TIME", "DETAIL"],
    result.targets.map((t) => [
      t.target,
      t.outcome,
      `${(t.elapsedMs / 1000).toFixed(1)} s`,
      t.detail,
    ]),
  );
  out.push("", result.summary);
  if (result.remediation !== "") out.push("", result.remediation);
  return `${out.join("\n")}\n`;
}

/** A probe result as JSON. */
export function renderPort25Json(result: Port25Result): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
