/**
 * Every example installs and type-checks from a fresh clone by its README's steps: the library is
 * packed once with `npm pack` (what npm would publish), each example is copied beside the tarball
 * as it sits in the repository (`examples/<name>`, tarball at the root), and `npm install` (from
 * the npm registry) and `npx tsc --noEmit` run there, one example after the other.
 *
 * Slow by nature (several minutes: the Pulumi SDKs are large), so it runs once per suite; the
 * steps are bounded by timeouts. `npm test` builds `dist/` first; run alone, this builds it when
 * it is missing or older than a source file.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO = join(__dirname, "..", "..");
const EXAMPLES = readdirSync(join(REPO, "examples"))
  .filter((e) => existsSync(join(REPO, "examples", e, "package.json")))
  .sort();

/** The newest modification time of any file under `dir`. */
function newest(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

let root: string;
let tarball: string;

function run(
  cmd: string,
  args: string[],
  cwd: string,
  timeoutMs: number,
): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: timeoutMs,
    // npm's progress and update notices only add noise to a failure message.
    env: { ...process.env, npm_config_update_notifier: "false", npm_config_progress: "false" },
  });
  const where = `${cmd} ${args.join(" ")} in ${cwd}`;
  assert.equal(r.error, undefined, `${where}: ${r.error?.message}`);
  assert.equal(r.status, 0, `${where} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r;
}

before(() => {
  root = mkdtempSync(join(tmpdir(), "dms-examples-"));
  // A dist/ older than the newest source file would pack stale code: build it again then.
  const built = join(REPO, "dist", "cjs", "index.js");
  if (!existsSync(built) || statSync(built).mtimeMs < newest(join(REPO, "src"))) {
    run("npm", ["run", "--silent", "build"], REPO, 300_000);
  }
  // One pack for every example; dist/ is already built, so the prepare script need not run again.
  const r = run(
    "npm",
    ["pack", "--ignore-scripts", "--silent", "--pack-destination", root],
    REPO,
    120_000,
  );
  tarball = r.stdout.trim().split("\n").pop()!;
  assert.match(tarball, /^pulumi-docker-mailserver-\d+\.\d+\.\d+.*\.tgz$/);
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

test("there are examples to install", () => {
  assert.deepEqual(EXAMPLES, [
    "aws",
    "cloudflare",
    "existing-program",
    "kubernetes",
    "local-zonefile",
  ]);
});

for (const name of EXAMPLES) {
  test(`examples/${name} installs from the packed library and type-checks, as its README says`, () => {
    const src = join(REPO, "examples", name);
    const pkg = JSON.parse(readFileSync(join(src, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    // The dependency names the tarball `npm pack` writes at the root (a version bump moves both).
    assert.equal(pkg.dependencies["pulumi-docker-mailserver"], `file:../../${tarball}`);
    assert.ok(existsSync(join(src, "tsconfig.json")), "the example has its own tsconfig.json");
    const readme = readFileSync(join(src, "README.md"), "utf8");
    for (const step of [
      "npm ci",
      "npm pack",
      `cd examples/${name}`,
      "npm install",
      "npx tsc --noEmit",
    ]) {
      assert.ok(readme.includes(`\n${step}`), `README.md of ${name} lists \`${step}\``);
    }
    const dir = join(root, "examples", name);
    mkdirSync(dir, { recursive: true });
    cpSync(src, dir, {
      recursive: true,
      filter: (p) => !p.includes(`${name}/node_modules`) && !p.endsWith("package-lock.json"),
    });
    const started = Date.now();
    run("npm", ["install", "--no-audit", "--no-fund"], dir, 600_000);
    const installed = Date.now();
    // One run: type-check, and list the files checked, to prove it was this example's program
    // (with its own tsconfig.json), not some other project's.
    const listed = run("npx", ["tsc", "--noEmit", "--listFiles"], dir, 300_000).stdout;
    assert.ok(
      listed.split("\n").some((f) => f.endsWith(`/examples/${name}/index.ts`)),
      listed.slice(0, 500),
    );
    if (name === "local-zonefile") {
      // The README's dmsctl steps run from the example folder with the installed bin.
      const plan = run(
        "npx",
        ["dmsctl", "plan", "mailserver.yaml", "--format", "zone"],
        dir,
        120_000,
      );
      assert.match(plan.stdout, /^\$ORIGIN example\.com\.$/m);
    }
    console.log(
      `examples/${name}: npm install ${((installed - started) / 1000).toFixed(0)} s, tsc ${((Date.now() - installed) / 1000).toFixed(0)} s`,
    );
  });
}
