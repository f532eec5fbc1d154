/**
 * The one string order of the project. It sits at the bottom of the spec layer, below the finding
 * registry, so every module (rule groups included) can sort without an import cycle.
 */

/** Plain code-unit string comparison: locale-independent, so output is the same everywhere. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Appends `value` to the list `map` keeps under `key`, creating it on first use. Groups in
 * linear time: `map.set(k, [...(map.get(k) ?? []), v])` copies the list on every call, which is
 * quadratic when one key takes most values (one zone holding every lookup of a large diff).
 */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
