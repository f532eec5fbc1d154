/**
 * Image upgrades: the release table (kept from upstream's changelog), what a tag change crosses,
 * the rules on `image.upgradeFrom`, the plan's `upgrade`, and the CLI reading the previous tag
 * from the `--out` tree (`plan`) or the `--previous` spec (`diff`).
 */
import { describe, it, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DMS_CHANGELOG_SOURCE,
  DMS_RELEASES,
  parseReleaseTag,
  summarizeUpgrade,
} from "../../src/spec/dms-releases";
import { validateSpec } from "../../src/spec/validate";
import { formatFinding } from "../../src/spec/findings";
import { planMailServer } from "../../src/plan/plan";
import { imageTag } from "../../src/cli/previous-image";
import { runDmsctl } from "../helpers/cli";
import { withSpec } from "./helpers";

const dir = mkdtempSync(join(tmpdir(), "dms-upgrade-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("the release table", () => {
  it("lists each release once, oldest first, up to the latest the changelog had", () => {
    const versions = DMS_RELEASES.map((r) => parseReleaseTag(r.version)!);
    for (let i = 1; i < versions.length; i++) {
      const [a, b] = [versions[i - 1]!, versions[i]!];
      assert.ok(a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2]))));
    }
    assert.equal(DMS_RELEASES.at(-1)!.version, DMS_CHANGELOG_SOURCE.latest);
    assert.match(DMS_CHANGELOG_SOURCE.read, /^\d{4}-\d{2}-\d{2}$/);
  });

  it("says what breaks in every major release", () => {
    for (const r of DMS_RELEASES) {
      if (r.version.endsWith(".0.0")) assert.ok(r.breaking, `${r.version} has no breaking note`);
    }
  });
});

describe("summarizeUpgrade", () => {
  it("lists the releases crossed and the env renamed or removed between them", () => {
    const s = summarizeUpgrade("13.3.1", "15.1.0");
    assert.equal(s.direction, "upgrade");
    assert.equal(s.major, true);
    assert.deepEqual(s.releases, ["14.0.0", "15.0.0", "15.0.1", "15.0.2", "15.1.0"]);
    assert.deepEqual(
      s.env.map((e) => `${e.version} ${e.name} ${e.change}`),
      [
        "14.0.0 SA_SPAM_SUBJECT renamed",
        "14.0.0 ONE_DIR removed",
        "15.0.0 SASLAUTHD_MECHANISMS values-removed",
      ],
    );
    assert.deepEqual(
      s.breaking.map((b) => b.version),
      ["14.0.0", "15.0.0"],
    );
  });

  it("reads v-prefixed and short tags, and marks tags it cannot place", () => {
    assert.deepEqual(summarizeUpgrade("v15.0", "15.1.0").releases, ["15.0.1", "15.0.2", "15.1.0"]);
    assert.deepEqual(summarizeUpgrade("15.1.0", "15.1.0").direction, "same");
    assert.deepEqual(summarizeUpgrade("edge", "15.1.0").unknownTags, ["edge"]);
    assert.deepEqual(summarizeUpgrade("15.1.0", "16.0.0").unknownTags, ["16.0.0"]);
    assert.equal(summarizeUpgrade("15.1.0", "16.0.0").major, true);
  });
});

function findings(input: unknown): string[] {
  return validateSpec(input)
    .findings.filter((f) => f.id.startsWith("image-"))
    .map(formatFinding);
}

describe("the upgrade rules", () => {
  it("reports a minor upgrade as info, with the env changes the spec's env is hit by", () => {
    assert.deepEqual(findings(withSpec({ image: { tag: "15.1.0", upgradeFrom: "15.0.2" } })), [
      'info image-upgrade image.tag: changes "15.0.2" -> "15.1.0"; crossing 15.1.0; no env variable renamed or removed',
    ]);
  });

  it("refuses a major jump without allowMajorUpgrade, by path and values", () => {
    const spec = withSpec({
      image: { tag: "15.1.0", upgradeFrom: "13.3.1" },
      env: { ONE_DIR: "1" },
    });
    const got = findings(spec);
    assert.ok(
      got.includes(
        'error image-major-upgrade image.tag: moves from major "13.3.1" to "15.1.0"; set image.allowMajorUpgrade: true once the breaking changes are handled',
      ),
      got.join("\n"),
    );
    assert.ok(got.includes("warn image-upgrade-env env.ONE_DIR: is ONE_DIR removed in 14.0.0"));
    assert.equal(validateSpec(spec).ok, false);
    const allowed = withSpec({
      image: { tag: "15.1.0", upgradeFrom: "13.3.1", allowMajorUpgrade: true },
    });
    assert.equal(validateSpec(allowed).ok, true);
    assert.ok(!findings(allowed).some((f) => f.startsWith("error")));
  });

  it("warns about a downgrade and a tag outside the table", () => {
    assert.ok(
      findings(withSpec({ image: { tag: "15.0.2", upgradeFrom: "15.1.0" } })).includes(
        'warn image-downgrade image.tag: goes back from "15.1.0" to "15.0.2"',
      ),
    );
    assert.deepEqual(findings(withSpec({ image: { tag: "15.1.0", upgradeFrom: "nightly" } })), [
      `warn image-release-unknown image.upgradeFrom: is not a release of the table (releases up to ${DMS_CHANGELOG_SOURCE.latest}, read ${DMS_CHANGELOG_SOURCE.read}), got "nightly"`,
    ]);
  });

  it("puts the change in the plan", () => {
    const result = validateSpec(withSpec({ image: { tag: "15.1.0", upgradeFrom: "15.0.0" } }));
    assert.ok(result.ok);
    const plan = planMailServer(result.spec, { passwordHashes: new Map(), dkimKeys: new Map() });
    assert.deepEqual(plan.upgrade?.releases, ["15.0.1", "15.0.2", "15.1.0"]);
    const same = validateSpec(withSpec({ image: { tag: "15.1.0", upgradeFrom: "15.1.0" } }));
    assert.ok(same.ok);
    const none = planMailServer(same.spec, { passwordHashes: new Map(), dkimKeys: new Map() });
    assert.equal(none.upgrade, undefined);
  });
});

describe("the CLI", () => {
  it("reads a tag from an image reference, not a registry port", () => {
    assert.equal(imageTag("ghcr.io/docker-mailserver/docker-mailserver:15.1.0"), "15.1.0");
    assert.equal(imageTag("registry:5000/dms"), undefined);
    assert.equal(imageTag("registry:5000/dms:14.0.0@sha256:abc"), "14.0.0");
  });

  it("plan --out upgrades from the tree's tag, and refuses a major jump without the flag", async () => {
    const spec = join(dir, "spec.json");
    const out = join(dir, "out");
    const write = (tag: string) =>
      writeFileSync(spec, JSON.stringify(withSpec({ image: { tag }, tls: { type: "none" } })));
    write("14.0.0");
    const first = await runDmsctl(["plan", spec, "--out", out]);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /Image upgrade/);

    write("15.1.0");
    const refused = await runDmsctl(["plan", spec, "--out", out]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      /error image-major-upgrade image\.tag: moves from major "14\.0\.0" to "15\.1\.0"/,
    );

    const allowed = await runDmsctl(["plan", spec, "--out", out, "--allow-major-upgrade"]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(
      allowed.stdout,
      /Image upgrade\n {2}14\.0\.0 -> 15\.1\.0 \(upgrade, major version change\)/,
    );
    assert.match(allowed.stdout, /releases crossed: 15\.0\.0, 15\.0\.1, 15\.0\.2, 15\.1\.0/);
    assert.match(allowed.stdout, /env: SASLAUTHD_MECHANISMS values removed/);

    // The tree now runs 15.1.0: planning it again is no upgrade.
    const again = await runDmsctl(["plan", spec, "--out", out, "--format", "json"]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal((JSON.parse(again.stdout) as { upgrade: unknown }).upgrade, null);
  });

  it("diff --previous refuses a major jump before asking DNS", async () => {
    const previous = join(dir, "previous.json");
    const next = join(dir, "next.json");
    writeFileSync(previous, JSON.stringify(withSpec({ image: { tag: "14.0.0" } })));
    writeFileSync(next, JSON.stringify(withSpec({ image: { tag: "15.1.0" } })));
    const r = await runDmsctl(["diff", next, "--previous", previous, "--resolver", "127.0.0.1:9"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /error image-major-upgrade image\.tag: moves from major "14\.0\.0"/);
  });
});
