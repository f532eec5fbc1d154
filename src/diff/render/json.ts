/**
 * The diff as JSON for machines (`dmsctl diff --format json`): a stable document with a version,
 * the counts, and every entry with its values. Keys are written in a fixed order so the output is
 * byte-identical for the same diff.
 */
import type { Change, Diff } from "../types";

/** Version of the JSON document; bumped on incompatible changes. */
export const DIFF_JSON_VERSION = 1;

function entry(c: Change): Record<string, unknown> {
  return {
    kind: c.kind,
    zone: c.zone,
    name: c.name,
    type: c.type,
    purpose: c.purpose ?? null,
    summary: c.summary,
    details: c.details,
    risks: c.risks,
    before: c.before,
    after: c.after,
    ...(c.ttlBefore === undefined ? {} : { ttlBefore: c.ttlBefore }),
    ...(c.ttlAfter === undefined ? {} : { ttlAfter: c.ttlAfter }),
    ...(c.conflict === undefined ? {} : { conflict: c.conflict }),
    ...(c.urns === undefined ? {} : { urns: c.urns }),
    ...(c.ownedByDms === undefined ? {} : { ownedByDms: c.ownedByDms }),
  };
}

/** Renders the diff as pretty-printed JSON with a trailing newline. */
export function renderJson(diff: Diff): string {
  const doc = {
    version: DIFF_JSON_VERSION,
    source: diff.source,
    zones: diff.zones,
    counts: diff.counts,
    riskCounts: diff.riskCounts,
    notes: diff.notes,
    changes: diff.changes.map(entry),
  };
  return JSON.stringify(doc, null, 2) + "\n";
}
