/**
 * Golden files for component tests: `test/golden/components/<name>.json`. Run with
 * `UPDATE_GOLDEN=1` to rewrite them after an intended change, then review the diff.
 */
import { assertGolden } from "../helpers/golden";
import { isSecretWrapper, type Registration } from "./harness";

/** Compares `value` as pretty JSON with `test/golden/components/<name>.json`. */
export function assertJsonGolden(name: string, value: unknown): void {
  assertGolden(`components/${name}.json`, JSON.stringify(value, null, 2) + "\n");
}

/**
 * A registration as golden data: secret values shown as `"[secret]"`, except the config writer's
 * uploads, shown as their paths and modes (their contents are secret).
 */
export function summarize(r: Registration): unknown {
  const inputs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r.inputs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (k === "uploads" && isSecretWrapper(v)) {
      const list = v.value as { file: string; permissions: string }[];
      inputs[k] = { secret: true, files: list.map((u) => `${u.permissions} ${u.file}`) };
    } else {
      inputs[k] = redact(v);
    }
  }
  return { type: r.type, name: r.name, inputs };
}

function redact(v: unknown): unknown {
  if (isSecretWrapper(v)) return "[secret]";
  if (Array.isArray(v)) return v.map(redact);
  if (typeof v === "object" && v !== null) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redact(x)]));
  }
  return v;
}
