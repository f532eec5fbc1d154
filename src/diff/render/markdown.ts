/**
 * The diff as a pull-request comment (GitHub-flavoured Markdown): a hidden marker, then the
 * summary (counts, risky changes, conflicts), then one collapsible section per zone.
 *
 * GitHub rejects a comment body over 65,536 characters. The summary is always complete (its lists
 * are capped with an exact "and N more"); detail sections are trimmed to fit, and the comment
 * says how many rows and zones were left out.
 */
import { cmp } from "../../spec/findings";
import {
  CHANGE_KINDS,
  RISKS,
  isWrite,
  type Change,
  type ChangeKind,
  type Diff,
  type Risk,
} from "../types";
import { pushTo } from "../../spec/order";

/** GitHub's limit on an issue or pull-request comment body, in characters. */
export const GITHUB_COMMENT_LIMIT = 65_536;

/** The hidden marker a workflow searches for to update its comment instead of adding one. */
export const MARKER = "<!-- dmsctl-diff -->";

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /**
   * Distinguishes several diffs commented on one pull request (one per stack, say): the marker
   * becomes `<!-- dmsctl-diff:<id> -->`. Letters, digits, `.`, `_` and `-` only. @default none
   */
  readonly id?: string;
  /** Hard cap on the output length in characters. @default 65536 ({@link GITHUB_COMMENT_LIMIT}) */
  readonly maxLength?: number;
  /** At most this many items in the risky-changes and conflicts lists. @default 50 */
  readonly maxListItems?: number;
  /** Per-zone count rows in the summary table above this many zones are folded. @default 20 */
  readonly maxZoneRows?: number;
}

const RISK_LABELS: Readonly<Record<Risk, string>> = {
  mx: "MX",
  spf: "SPF",
  "dmarc-policy": "DMARC policy",
  "dkim-key": "DKIM key",
  delete: "deletion",
};

const KIND_MARKS: Readonly<Record<ChangeKind, string>> = {
  create: "+ create",
  update: "~ update",
  delete: "- delete",
  conflict: "! conflict",
  unmanaged: "unmanaged",
  unchanged: "unchanged",
};

/** The marker for an optional id. */
export function markerFor(id?: string): string {
  if (id === undefined || id === "") return MARKER;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
    throw new Error(
      `comment id must be 1 to 64 letters, digits, ".", "_" or "-", got ${JSON.stringify(id)}`,
    );
  }
  return `<!-- dmsctl-diff:${id} -->`;
}

/** Escapes text for a Markdown table cell or list item (no HTML, no emphasis, no pipes). */
export function escapeMd(text: string): string {
  return text
    .replace(/\r?\n/g, " ")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/([\\`*_|[\]])/g, "\\$1");
}

/** `65536` as `65,536`, without locale data. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+$)/g, ",");
}

/** Escapes text for HTML (inside `<summary>`). */
function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

/** `3 to create, 1 to update` for the write kinds that are non-zero. */
export function writeSummary(counts: Readonly<Record<ChangeKind, number>>): string {
  const parts: string[] = [];
  if (counts.create > 0) parts.push(`${counts.create} to create`);
  if (counts.update > 0) parts.push(`${counts.update} to update`);
  if (counts.delete > 0) parts.push(`${counts.delete} to delete`);
  if (counts.conflict > 0)
    parts.push(`${counts.conflict} conflict${counts.conflict === 1 ? "" : "s"}`);
  return parts.length === 0 ? "no changes" : parts.join(", ");
}

function countsOf(changes: readonly Change[]): Record<ChangeKind, number> {
  const c = Object.fromEntries(CHANGE_KINDS.map((k) => [k, 0])) as Record<ChangeKind, number>;
  for (const ch of changes) c[ch.kind]++;
  return c;
}

function sourceLine(diff: Diff): string {
  switch (diff.source.kind) {
    case "live":
      return `Compared with live DNS answers from ${code(diff.source.resolver)}.`;
    case "preview":
      return `Read from the DNS record steps of ${code("pulumi preview --json")} (${code(diff.source.file)}).`;
    default: {
      const _: never = diff.source;
      return String(_);
    }
  }
}

function changeText(c: Change): string {
  return [c.summary, ...c.details].map(escapeMd).join("<br>");
}

function capLine(line: string, max = 400): string {
  return line.length <= max ? line : `${line.slice(0, max - 3)}...`;
}

/** The summary block: always rendered in full. */
function renderSummary(
  diff: Diff,
  opts: Required<Omit<MarkdownOptions, "id">>,
  marker: string,
): string {
  const out: string[] = [marker, "### Mail DNS changes", ""];
  const writes = diff.counts.create + diff.counts.update + diff.counts.delete;
  const headline =
    writes === 0 && diff.counts.conflict === 0
      ? "**No mail DNS changes.**"
      : `**${writeSummary(diff.counts)};**`;
  out.push(
    `${headline} ${diff.counts.unchanged} unchanged, ${diff.counts.unmanaged} unmanaged (left alone), in ${diff.zones.length} zone${diff.zones.length === 1 ? "" : "s"}.`,
    "",
  );
  out.push(
    "| Zone | Create | Update | Delete | Conflict | Unmanaged | Unchanged |",
    "|---|--:|--:|--:|--:|--:|--:|",
  );
  const byZone = new Map<string, Change[]>();
  for (const c of diff.changes) pushTo(byZone, c.zone, c);
  const zoneRows = diff.zones.length <= opts.maxZoneRows ? diff.zones : [];
  for (const z of zoneRows) {
    const c = countsOf(byZone.get(z) ?? []);
    out.push(`| ${code(z)} | ${CHANGE_KINDS.map((k) => c[k]).join(" | ")} |`);
  }
  const totalLabel =
    zoneRows.length === diff.zones.length
      ? "**Total**"
      : `**Total** (${diff.zones.length} zones; per zone below)`;
  out.push(`| ${totalLabel} | ${CHANGE_KINDS.map((k) => diff.counts[k]).join(" | ")} |`, "");

  const risky = diff.changes.filter((c) => c.risks.length > 0 && isWrite(c.kind));
  out.push("#### Risky changes", "");
  if (risky.length === 0) {
    out.push("None: no MX, SPF, DMARC policy or DKIM key change, no deletion.", "");
  } else {
    const tally = RISKS.filter((r) => diff.riskCounts[r] > 0)
      .map((r) => `${RISK_LABELS[r]}: ${diff.riskCounts[r]}`)
      .join(" · ");
    out.push(tally, "");
    for (const c of risky.slice(0, opts.maxListItems)) {
      const labels = c.risks.map((r) => RISK_LABELS[r]).join(", ");
      out.push(capLine(`- **${labels}** ${code(c.name)} ${c.type}: ${escapeMd(c.summary)}`));
    }
    if (risky.length > opts.maxListItems) {
      out.push(
        `- ... and ${risky.length - opts.maxListItems} more risky changes (all are in the sections below and in \`--format json\`)`,
      );
    }
    out.push("");
  }
  const conflicts = diff.changes.filter((c) => c.kind === "conflict");
  if (conflicts.length > 0) {
    out.push("#### Conflicts", "");
    for (const c of conflicts.slice(0, opts.maxListItems)) {
      out.push(capLine(`- ${code(c.name)} ${c.type}: ${escapeMd(c.summary)}`));
    }
    if (conflicts.length > opts.maxListItems) {
      out.push(`- ... and ${conflicts.length - opts.maxListItems} more conflicts`);
    }
    out.push("");
  }
  return out.join("\n");
}

function sectionOpen(zone: string, changes: readonly Change[]): string {
  const c = countsOf(changes);
  const title = `${writeSummary(c)}; ${c.unchanged} unchanged, ${c.unmanaged} unmanaged`;
  return [
    `<details><summary><code>${escapeHtml(zone)}</code>: ${escapeHtml(title)}</summary>`,
    "",
    "| | Name | Type | Change |",
    "|---|---|---|---|",
    "",
  ].join("\n");
}

const SECTION_CLOSE = "\n</details>\n\n";

function row(c: Change): string {
  return `| ${KIND_MARKS[c.kind]} | ${code(c.name)} | ${c.type} | ${changeText(c)} |\n`;
}

function trimmedRow(n: number): string {
  return `| ... | | | ${n} more row${n === 1 ? "" : "s"} left out to fit the comment limit |\n`;
}

function footer(diff: Diff, omittedRows: number, omittedZones: number, limit: number): string {
  const lines: string[] = [];
  if (omittedRows > 0) {
    lines.push(
      `> **Details trimmed:** ${omittedRows} row${omittedRows === 1 ? "" : "s"} in ${omittedZones} zone${omittedZones === 1 ? "" : "s"} left out to stay within the ${thousands(limit)}-character comment limit. The summary above is complete; run \`dmsctl diff --format json\` for every row.`,
      "",
    );
  }
  for (const n of diff.notes) lines.push(`<sub>${escapeMd(n)}</sub><br>`);
  lines.push(`<sub>${sourceLine(diff)} Generated by \`dmsctl diff\`.</sub>`, "");
  return lines.join("\n");
}

/**
 * Renders the diff as a pull-request comment, never longer than `maxLength` characters
 * (JavaScript string length, which is at least the character count GitHub applies).
 */
export function renderMarkdown(diff: Diff, options: MarkdownOptions = {}): string {
  const opts = {
    maxLength: options.maxLength ?? GITHUB_COMMENT_LIMIT,
    maxListItems: options.maxListItems ?? 50,
    maxZoneRows: options.maxZoneRows ?? 20,
  };
  const marker = markerFor(options.id);
  const head = renderSummary(diff, opts, marker) + "\n";
  const byZone = new Map<string, Change[]>();
  for (const c of diff.changes) pushTo(byZone, c.zone, c);
  const totalRows = diff.changes.length;
  // The longest footer the trimming can produce: reserve it up front so the result always fits.
  const reserve =
    footer(diff, totalRows, diff.zones.length, opts.maxLength).length +
    trimmedRow(totalRows).length;
  let budget = opts.maxLength - head.length - reserve;
  let body = "";
  let omittedRows = 0;
  let omittedZones = 0;
  for (const zone of [...byZone.keys()].sort(cmp)) {
    const changes = byZone.get(zone)!;
    const open = sectionOpen(zone, changes);
    let section = open;
    let shown = 0;
    for (const c of changes) {
      const r = row(c);
      if (section.length + r.length + SECTION_CLOSE.length > budget) break;
      section += r;
      shown++;
    }
    if (shown === 0) {
      omittedRows += changes.length;
      omittedZones++;
      budget = Math.min(budget, 0);
      continue;
    }
    if (shown < changes.length) {
      section += trimmedRow(changes.length - shown);
      omittedRows += changes.length - shown;
      omittedZones++;
      budget = 0;
    }
    section += SECTION_CLOSE;
    body += section;
    budget -= section.length;
  }
  const text = head + body + footer(diff, omittedRows, omittedZones, opts.maxLength);
  if (text.length > opts.maxLength) {
    // Only reachable when the summary alone exceeds the limit (a tiny maxLength): cut hard.
    const note = "\n\n> **Truncated** to the comment limit.\n";
    return text.slice(0, Math.max(0, opts.maxLength - note.length)) + note;
  }
  return text;
}
