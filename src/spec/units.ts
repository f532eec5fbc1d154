/**
 * Docker's memory size syntax, parsed once for the schema (format), the rules (ClamAV and
 * docker-mailserver minimums) and the container plan (bytes).
 *
 * @see https://docs.docker.com/engine/containers/resource_constraints/#limit-a-containers-access-to-memory
 */

/**
 * Docker memory syntax: bytes, or a number with a b/k/m/g suffix (binary units). Its source is the
 * `pattern` of `memoryLimit` in the published JSON Schema.
 */
export const MEMORY_PATTERN = /^[1-9][0-9]*(?:\.[0-9]+)?[bkmgBKMG]?$/;

const MEMORY_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
};

/** Docker's memory syntax (`512m`, `2g`, `1.5g`, plain bytes) in bytes; undefined when invalid. */
export function memoryBytes(text: string): number | undefined {
  if (!MEMORY_PATTERN.test(text)) return undefined;
  const unit = /[0-9]$/.test(text) ? "" : text.slice(-1).toLowerCase();
  return Math.floor(Number(text.slice(0, text.length - unit.length)) * MEMORY_UNITS[unit]!);
}

/**
 * Docker's memory syntax in bytes, for `memoryLimit`.
 * @throws Error naming the field and the value when it is not a Docker memory size.
 */
export function parseMemory(value: string): number {
  const bytes = memoryBytes(value);
  if (bytes === undefined)
    throw new Error(
      `memoryLimit: must be a Docker memory size such as 512m or 3g, got ${JSON.stringify(value)}`,
    );
  return bytes;
}
