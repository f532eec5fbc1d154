/**
 * The one string order of the project. It sits at the bottom of the spec layer, below the finding
 * registry, so every module (rule groups included) can sort without an import cycle.
 */

/** Plain code-unit string comparison: locale-independent, so output is the same everywhere. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
