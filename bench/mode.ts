/**
 * `npm run bench -- --quick`: the same benchmarks and the same JSON shape, with fewer repetitions
 * and smaller sizes, to check a change in a few minutes while working. `run.ts` passes the mode to
 * each benchmark process in `DMS_BENCH_QUICK`; the document says `"quick": true`. Quick figures
 * are for spotting a regression between two quick runs, not for comparing with full ones.
 */

/** Whether this benchmark process runs in quick mode. */
export const QUICK = process.env.DMS_BENCH_QUICK === "1";

/** `full` normally, `quick` under `--quick`. */
export function pick<T>(full: T, quick: T): T {
  return QUICK ? quick : full;
}
