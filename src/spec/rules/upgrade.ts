/**
 * An image tag change (`image.upgradeFrom` -> `image.tag`): the releases crossed and the env
 * variables renamed or removed between them, from the project's table of upstream's changelog
 * (`../dms-releases.ts`), and a major version jump refused unless `image.allowMajorUpgrade`.
 * `dmsctl plan --out` runs the same check with the tag of the tree it replaces.
 */
import type { MailServerSpec } from "../schema";
import { cmp } from "../order";
import {
  describeEnvChange,
  DMS_CHANGELOG_SOURCE,
  summarizeUpgrade,
  type UpgradeSummary,
} from "../dms-releases";
import { ruleGroup, show, type Context, type Path, type Reporter, type RuleTable } from "./context";

const rules = {
  "image-major-upgrade": {
    level: "error",
    summary:
      "The image tag changes major version (e.g. 14.x to 15.x): breaking changes that need reading the changelog first, and no way back for the data without a backup.",
    remediation:
      "Read the releases' breaking changes (docs/upgrades.md), back up the volumes, then set `image.allowMajorUpgrade: true` (or `dmsctl plan --allow-major-upgrade`).",
  },
  "image-downgrade": {
    level: "warn",
    summary:
      "The image tag goes back to an older release; state written by the newer one may not be read.",
    remediation: "Restore a backup taken with the older release, or keep the newer tag.",
  },
  "image-upgrade": {
    level: "info",
    summary:
      "The image tag changes: the message lists the releases crossed, the major ones' breaking changes and the env variables renamed or removed between them.",
    remediation:
      "Read the changelog of each release listed; once the new tag is deployed, drop `image.upgradeFrom` if the spec sets it.",
  },
  "image-upgrade-env": {
    level: "warn",
    summary: "`env` sets a variable that a release crossed by the tag change renamed or removed.",
    remediation: "Use the replacement the message names, or remove the entry.",
  },
  "image-release-unknown": {
    level: "warn",
    summary: `A tag of the change is not a release in the project's table (read from upstream's changelog on ${DMS_CHANGELOG_SOURCE.read}), so what changed cannot be listed.`,
    remediation:
      "Read upstream's changelog for the releases between the two tags; pin release tags such as `15.1.0`.",
  },
} as const satisfies RuleTable;

/** An upgrade-rule id. */
export type UpgradeRuleId = keyof typeof rules;

/** The tag change declared in the spec. */
export const UPGRADE_RULES = ruleGroup({
  rules,
  check: (spec: MailServerSpec, _ctx: Context, r: Reporter<UpgradeRuleId>) => {
    const from = spec.image.upgradeFrom;
    if (from === undefined) return;
    checkUpgrade(spec, from, (id, path, message) => r.report(id, path, message));
  },
});

/** Reports one finding; the caller maps the path and builds it. */
export type UpgradeReport = (id: UpgradeRuleId, path: Path, message: string) => void;

/** One line listing what the change crosses (the `image-upgrade` message). */
export function upgradeMessage(s: UpgradeSummary): string {
  const parts = [
    `${s.direction === "downgrade" ? "downgrades" : "changes"} ${show(s.from)} -> ${show(s.to)}`,
    s.releases.length > 0
      ? `crossing ${s.releases.join(", ")}`
      : "crossing no release of the table",
  ];
  if (s.breaking.length > 0) {
    parts.push(`breaking: ${s.breaking.map((b) => `${b.version}: ${b.breaking}`).join("; ")}`);
  }
  parts.push(
    s.env.length > 0
      ? `env: ${s.env.map(describeEnvChange).join("; ")}`
      : "no env variable renamed or removed",
  );
  return parts.join("; ");
}

/**
 * Checks the change from tag `from` to the spec's tag. Paths: `image.tag` for the change,
 * `env.<NAME>` for a variable the spec sets that a crossed release renamed or removed.
 */
export function checkUpgrade(spec: MailServerSpec, from: string, report: UpgradeReport): void {
  const s = summarizeUpgrade(from, spec.image.tag);
  if (s.direction === "same") return;
  for (const tag of s.unknownTags) {
    report(
      "image-release-unknown",
      ["image", tag === from ? "upgradeFrom" : "tag"],
      `is not a release of the table (releases up to ${DMS_CHANGELOG_SOURCE.latest}, read ${DMS_CHANGELOG_SOURCE.read}), got ${show(tag)}`,
    );
  }
  if (s.major && spec.image.allowMajorUpgrade !== true) {
    report(
      "image-major-upgrade",
      ["image", "tag"],
      `moves from major ${show(from)} to ${show(spec.image.tag)}; set image.allowMajorUpgrade: true once the breaking changes are handled`,
    );
  }
  if (s.direction === "downgrade") {
    report(
      "image-downgrade",
      ["image", "tag"],
      `goes back from ${show(from)} to ${show(spec.image.tag)}`,
    );
  }
  if (s.direction !== "unknown") report("image-upgrade", ["image", "tag"], upgradeMessage(s));
  const set = new Set(Object.keys(spec.env));
  for (const e of [...s.env].sort((a, b) => cmp(a.name, b.name))) {
    if (set.has(e.name)) {
      report("image-upgrade-env", ["env", e.name], `is ${describeEnvChange(e)}`);
    }
  }
}
