/** Small text helpers shared by the table and Markdown renderers. */

/** The longest value a table cell shows before eliding the middle. */
export const CELL_MAX = 80;

/**
 * Shortens a long value for a human table, keeping both ends so a DKIM key stays recognisable:
 * `v=DKIM1; k=rsa; p=MIIBIjAN…IDAQAB (410 chars)`. JSON and zone output are never shortened.
 */
export function elide(value: string, max: number = CELL_MAX): string {
  if (value.length <= max) return value;
  const suffix = ` (${value.length} chars)`;
  const keep = max - suffix.length - 1;
  const head = Math.ceil(keep * 0.7);
  return `${value.slice(0, head)}…${value.slice(value.length - (keep - head))}${suffix}`;
}

/** Lays rows out in space-padded columns; the last column is not padded. */
export function columns(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}
