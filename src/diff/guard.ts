/**
 * The too-much-change guard of `dmsctl diff` (octoDNS's `MAX_SAFE_UPDATE_PCENT` idea, as absolute
 * counts): a diff that writes more records than the reviewer allowed, or deletes any more than
 * allowed, needs a human. Pure: it reads the diff's counts and returns the reasons it tripped.
 */
import type { Diff } from "./types";

/** Limits of {@link checkGuard}; an absent limit is not checked. */
export interface GuardLimits {
  /** Trips when creates + updates + deletes exceed this. */
  readonly maxChanges?: number;
  /** Trips when deletes exceed this. */
  readonly maxDeletes?: number;
}

/** Records the diff would write: creates, updates and deletes (not conflicts or unchanged). */
export function writeCount(diff: Pick<Diff, "counts">): number {
  return diff.counts.create + diff.counts.update + diff.counts.delete;
}

/**
 * Why the guard trips for `diff`, one reason per exceeded limit naming the count and the flag;
 * empty when it does not.
 */
export function checkGuard(diff: Pick<Diff, "counts">, limits: GuardLimits): string[] {
  const tripped: string[] = [];
  const writes = writeCount(diff);
  if (limits.maxChanges !== undefined && writes > limits.maxChanges) {
    tripped.push(`${writes} record changes exceed --max-changes ${limits.maxChanges}`);
  }
  if (limits.maxDeletes !== undefined && diff.counts.delete > limits.maxDeletes) {
    tripped.push(`${diff.counts.delete} deletions exceed --max-deletes ${limits.maxDeletes}`);
  }
  return tripped;
}
