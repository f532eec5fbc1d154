/**
 * `dmsctl plan --format markdown`: the plan as GitHub-flavoured Markdown, for a README, a wiki
 * page or a pull request. Values are shown whole in code spans (DKIM keys included); secret file
 * contents never appear.
 */
import type { Finding } from "../../spec/findings";
import type { Plan } from "../types";
import { backupRows } from "./backup";
import { upgradeLines } from "./upgrade";

/** Renders the plan as Markdown, with a final newline. */
export function renderMarkdown(plan: Plan): string {
  const out: string[] = [`# Mail server plan: \`${plan.hostname}\``, ""];
  for (const zone of plan.zones) {
    out.push(
      `## Zone \`${zone.zone}\` (${zone.provider}${zone.zoneId ? ` \`${zone.zoneId}\`` : ""})`,
      "",
    );
    out.push(
      ...table(
        ["Name", "Type", "TTL", "Value", "Purpose"],
        zone.records.flatMap((r) =>
          r.values.map((v) => [code(r.name), r.type, String(r.ttl), code(v), r.purpose]),
        ),
      ),
    );
    out.push("");
  }
  if (plan.ptr.length > 0) {
    out.push("## Reverse DNS", "", "Set at the provider of each address.", "");
    out.push(
      ...table(
        ["IP", "PTR name", "Must name"],
        plan.ptr.map((p) => [code(p.ip), code(p.name), code(`${p.hostname}.`)]),
      ),
    );
    out.push("");
  }
  out.push("## docker-mailserver files", "");
  out.push(
    ...table(
      ["Path", "Reload", "Secret"],
      plan.files.map((f) => [
        code(f.path),
        f.reload === "live" ? "live" : "recreates the container",
        f.secret ? "yes" : "no",
      ]),
    ),
  );
  out.push("", "## Ports", "");
  out.push(
    ...table(
      ["Service", "Port", "Expose", "Bind", "Allow from"],
      plan.ports.map((p) => [
        p.service,
        `${p.port}/${p.protocol}`,
        p.expose,
        p.bind.map(code).join(", ") || "-",
        p.allowFrom.map(code).join(", ") || "-",
      ]),
    ),
  );
  const c = plan.container;
  out.push("", "## Container", "", `- image: ${code(c.image)}`, `- hostname: ${code(c.hostname)}`);
  out.push(
    `- recreate hash: ${code(c.recreateHash)}`,
    "",
    "Environment (`mailserver.env`):",
    "",
    "```",
  );
  out.push(...c.env.map(([k, v]) => `${k}=${v}`), "```");
  if (plan.upgrade !== undefined) {
    out.push("", "## Image upgrade", "", ...upgradeLines(plan.upgrade).map((l) => `- ${l}`));
  }
  if (plan.backup !== undefined) {
    out.push("", "## Backup", "", ...backupRows(plan.backup).map(([k, v]) => `- ${k}: ${code(v)}`));
  }
  const policies = plan.mtaStsPolicies ?? [];
  if (policies.length > 0) {
    out.push("", "## MTA-STS policies", "");
    for (const p of policies) {
      out.push(`Serve at <${p.url}>:`, "", "```", ...p.text.trimEnd().split("\r\n"), "```", "");
    }
    out.pop();
  }
  out.push("", "## Warnings", "", ...findings(plan.warnings));
  return `${out.join("\n")}\n`;
}

function findings(list: readonly Finding[]): string[] {
  if (list.length === 0) return ["None."];
  return list.map(
    (f) =>
      `- **${f.level}** \`${f.id}\`${f.path ? ` at \`${f.path}\`` : ""}: ${escapeText(f.message)}` +
      (f.remediation ? ` Fix: ${escapeText(f.remediation)}` : ""),
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => " --- |").join("")}`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
}

/** A code span that survives any content: pipes escaped for tables, backticks fenced longer. */
function code(value: string): string {
  const escaped = value.replace(/\|/g, "\\|");
  const ticks = "`".repeat(
    Math.max(0, ...[...escaped.matchAll(/`+/g)].map((m) => m[0].length)) + 1,
  );
  const pad = escaped.startsWith("`") || escaped.endsWith("`") ? " " : "";
  return `${ticks}${pad}${escaped}${pad}${ticks}`;
}

function escapeText(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
