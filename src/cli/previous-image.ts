/**
 * The image tag a previous `dmsctl plan --out` tree runs: read from its `compose.yaml`, so that
 * re-planning the same directory with a new `image.tag` shows the upgrade (releases crossed, env
 * variables renamed or removed) and refuses a major jump without `--allow-major-upgrade`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { yaml } from "../spec/yaml";

/** The tag of `repository:tag` (a registry port such as `host:5000/x` is not a tag). */
export function imageTag(image: string): string | undefined {
  const name = image.replace(/@.*$/, ""); // a digest pin follows the tag
  const colon = name.lastIndexOf(":");
  if (colon < 0 || colon < name.lastIndexOf("/")) return undefined;
  const tag = name.slice(colon + 1);
  return tag === "" ? undefined : tag;
}

/**
 * The tag of `services.mailserver.image` in `DIR/compose.yaml`, or `undefined` when there is no
 * such file or it names no tag (a first plan, or a file edited beyond recognition).
 */
export function previousImageTag(outDir: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(join(outDir, "compose.yaml"), "utf8");
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = yaml().parse(text);
  } catch {
    return undefined;
  }
  const image = (doc as { services?: { mailserver?: { image?: unknown } } } | null)?.services
    ?.mailserver?.image;
  // compose.yaml escapes `$` as `$$` (Compose interpolation).
  return typeof image === "string" ? imageTag(image.replace(/\$\$/g, "$")) : undefined;
}
