/**
 * Every reference the project prints or ships resolves: no file outside the repository (the
 * internal notes a contributor may have, a machine's own paths), every `docs/dms-contract.md#...`
 * cited in code, findings and generated files names a section that exists, and every relative
 * Markdown link in the docs, the README and the examples points at a file of the repository.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const REPO = join(__dirname, "..", "..");
const SCANNED = ["src", "docs", "examples", "test/golden", "README.md", "LICENSE"];

function files(path: string): string[] {
  const abs = join(REPO, path);
  if (!existsSync(abs)) return [];
  if (statSync(abs).isFile()) return [abs];
  return readdirSync(abs, { withFileTypes: true })
    .filter((e) => e.name !== "node_modules")
    .flatMap((e) => files(relative(REPO, join(abs, e.name))))
    .sort();
}

const TEXT = SCANNED.flatMap(files).filter((f) => !/\.(wasm|png|tgz)$/.test(f));

/** The anchors of a Markdown file's headings, as GitHub makes them. */
function anchors(file: string): Set<string> {
  return new Set(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) =>
        l
          .replace(/^#+ /, "")
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
  );
}

test("nothing cites a file outside the repository", () => {
  assert.ok(TEXT.length > 100, `${TEXT.length} files scanned`);
  const bad: string[] = [];
  for (const f of TEXT) {
    readFileSync(f, "utf8")
      .split("\n")
      .forEach((line, i) => {
        // `../shared/dms` is allowed: the optional folder of upstream source the e2e harness builds
        // the real image from when it exists beside the checkout (docs/testing.md); nothing else
        // beside the repository is.
        if (/dms-reference|\/work\/|\.\.\/shared\/(?!dms\b)/.test(line)) {
          bad.push(`${relative(REPO, f)}:${i + 1}: ${line.trim()}`);
        }
      });
  }
  assert.deepEqual(bad, []);
});

test("every docs/dms-contract.md section cited exists", () => {
  const sections = anchors(join(REPO, "docs", "dms-contract.md"));
  assert.ok(sections.has("live-reload"));
  const bad: string[] = [];
  let cited = 0;
  for (const f of TEXT) {
    for (const m of readFileSync(f, "utf8").matchAll(/dms-contract\.md#([a-z0-9-]+)/g)) {
      cited++;
      if (!sections.has(m[1]!)) bad.push(`${relative(REPO, f)}: #${m[1]}`);
    }
  }
  assert.ok(cited > 50, `${cited} citations`);
  assert.deepEqual(bad, []);
});

test("relative Markdown links in the docs, README and examples point at files of the repository", () => {
  const bad: string[] = [];
  for (const f of TEXT.filter((x) => x.endsWith(".md"))) {
    for (const m of readFileSync(f, "utf8").matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1]!;
      if (/^(https?:|mailto:|#)/.test(target)) continue;
      const [path, anchor] = target.split("#");
      const abs = join(dirname(f), path!);
      if (!existsSync(abs)) bad.push(`${relative(REPO, f)}: ${target}`);
      else if (anchor !== undefined && abs.endsWith(".md") && !anchors(abs).has(anchor)) {
        bad.push(`${relative(REPO, f)}: ${target} (no such section)`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test("the LICENSE is the MIT licence package.json declares", () => {
  const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { license: string };
  assert.equal(pkg.license, "MIT");
  const license = readFileSync(join(REPO, "LICENSE"), "utf8");
  assert.match(
    license,
    /^MIT License\n\nCopyright \(c\) \d{4} the pulumi-docker-mailserver authors\n/,
  );
  assert.match(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
});
