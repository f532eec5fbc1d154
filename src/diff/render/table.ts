/**
 * The diff as a plain-text table for terminals (`dmsctl diff --format table`): one line per entry,
 * further mail-terms lines indented below it, a count line first.
 */
import { isWrite, type Diff } from "../types";
import { writeSummary } from "./markdown";

const MARKS = {
  create: "+",
  update: "~",
  delete: "-",
  conflict: "!",
  unmanaged: "?",
  unchanged: "=",
} as const;

/** Renders the diff as aligned text. `all` also lists unchanged entries. @default all false */
export function renderTable(diff: Diff, options: { readonly all?: boolean } = {}): string {
  const c = diff.counts;
  const lines = [
    `${writeSummary(c)}; ${c.unchanged} unchanged, ${c.unmanaged} unmanaged (left alone)`,
  ];
  const shown = diff.changes.filter((ch) => options.all === true || ch.kind !== "unchanged");
  if (shown.length > 0) lines.push("");
  const nameWidth = Math.min(48, Math.max(4, ...shown.map((ch) => ch.name.length)));
  for (const ch of shown) {
    const risk = ch.risks.length > 0 && isWrite(ch.kind) ? ` [${ch.risks.join(",")}]` : "";
    lines.push(
      `${MARKS[ch.kind]} ${ch.kind.padEnd(9)} ${ch.name.padEnd(nameWidth)} ${ch.type.padEnd(5)} ${ch.summary}${risk}`,
    );
    for (const d of ch.details) lines.push(`${" ".repeat(nameWidth + 19)}${d}`);
  }
  if (diff.notes.length > 0) lines.push("");
  for (const n of diff.notes) lines.push(`note: ${n}`);
  return lines.join("\n") + "\n";
}
