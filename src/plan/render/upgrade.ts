/**
 * The image tag change of a plan as lines of text, for the table and Markdown outputs and for
 * `dmsctl diff`: the releases crossed, the major ones' breaking changes, the env variables
 * renamed or removed between them, and where the table comes from.
 */
import {
  describeEnvChange,
  DMS_CHANGELOG_SOURCE,
  type UpgradeSummary,
} from "../../spec/dms-releases";

/** Plain lines describing `u` (no heading). */
export function upgradeLines(u: UpgradeSummary): string[] {
  const out = [
    `${u.from} -> ${u.to} (${u.direction}${u.major ? ", major version change" : ""})`,
    `releases crossed: ${u.releases.length > 0 ? u.releases.join(", ") : "none in the table"}`,
  ];
  for (const b of u.breaking) out.push(`breaking in ${b.version}: ${b.breaking}`);
  if (u.env.length === 0) out.push("env renamed or removed: none");
  for (const e of u.env) out.push(`env: ${describeEnvChange(e)}`);
  for (const t of u.unknownTags) out.push(`not in the table: ${t} (read upstream's changelog)`);
  out.push(
    `source: ${DMS_CHANGELOG_SOURCE.url} (read ${DMS_CHANGELOG_SOURCE.read}, releases up to ${DMS_CHANGELOG_SOURCE.latest})`,
  );
  return out;
}
