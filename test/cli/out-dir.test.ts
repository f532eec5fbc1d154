/**
 * `plan --out DIR` replaces the whole tree in one step. The kill test runs the built out-dir
 * module in a child process and SIGKILLs it before each of its file-system calls in turn (a
 * `--require` preload hook counts them), then checks that DIR holds exactly the old tree or
 * exactly the new one, and that the next run recovers and leaves nothing beside DIR.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openOutDir, OutDirError, type OutFile } from "../../src/cli/out-dir";

const REPO = join(__dirname, "..", "..");
const BUILT = join(REPO, "dist", "cjs", "cli", "out-dir.js");
const DRIVER = join(__dirname, "fixtures", "out-dir-driver.cjs");
const HOOK = join(__dirname, "fixtures", "kill-at-step.cjs");

const OLD_SECRET = "relay-password-of-the-old-tree";

const OLD_FILES: OutFile[] = [
  { path: "compose.yaml", content: "services: {old: {}}\n", mode: 0o644 },
  { path: "mailserver.env", content: "OLD=1\n", mode: 0o644 },
  { path: "config/postfix-accounts.cf", content: "a@example.com|{x}old\n", mode: 0o600 },
  {
    path: "config/postfix-sasl-password.cf",
    content: `@example.com u:${OLD_SECRET}\n`,
    mode: 0o600,
  },
  { path: "config/opendkim/keys/example.com/mail.private", content: "old key\n", mode: 0o600 },
  { path: "zones/example.com.zone", content: "; old\n", mode: 0o644 },
];

const NEW_FILES: OutFile[] = [
  { path: "compose.yaml", content: "services: {new: {}}\n", mode: 0o644 },
  { path: "mailserver.env", content: "NEW=1\n", mode: 0o644 },
  { path: "config/postfix-accounts.cf", content: "b@example.com|{x}new\n", mode: 0o600 },
  { path: "config/opendkim/keys/example.com/mail.private", content: "old key\n", mode: 0o600 },
  { path: "config/postfix-virtual.cf", content: "c@example.com b@example.com\n", mode: 0o644 },
  { path: "mta-sts/example.com/mta-sts.txt", content: "version: STSv1\n", mode: 0o644 },
  { path: "zones/example.com.zone", content: "; new\n", mode: 0o644 },
];

/** Entries of the old tree dmsctl did not write: mail data and the user's own files. */
const FOREIGN = [
  "docker-data/dms/mail-data/example.com/msg",
  "notes.txt",
  "config/postfix-main.cf",
];

/** A snapshot without the user's entries (and the folders holding only them). */
function ours(snap: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(snap).filter(([p]) => !FOREIGN.includes(p) && !p.startsWith("docker-data/")),
  );
}

/** Every entry under `dir` (links not followed): path -> kind, mode and content or target. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = rel === "" ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, p));
      const mode = (st.mode & 0o777).toString(8);
      if (st.isSymbolicLink()) out[p] = `link -> ${readlinkSync(join(dir, p))}`;
      else if (st.isDirectory()) {
        out[`${p}/`] = `dir ${mode}`;
        walk(p);
      } else out[p] = `file ${mode} ${readFileSync(join(dir, p), "utf8")}`;
    }
  };
  walk("");
  return out;
}

function drive(dir: string, filesJson: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ["--require", HOOK, DRIVER, BUILT, dir, filesJson], {
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? "", ...env },
  });
}

/** A directory holding the old tree plus entries dmsctl did not write (mail data, a user file). */
function oldTree(parent: string): string {
  const out = join(parent, "out");
  const r = openOutDir(out);
  try {
    r.replace(OLD_FILES);
  } finally {
    r.release();
  }
  mkdirSync(join(out, "docker-data", "dms", "mail-data", "example.com"), { recursive: true });
  writeFileSync(join(out, "docker-data", "dms", "mail-data", "example.com", "msg"), "mail\n");
  writeFileSync(join(out, "notes.txt"), "the user's own notes\n");
  writeFileSync(join(out, "config", "postfix-main.cf"), "# the user's own override\n");
  return out;
}

test("killed before any of its file-system calls, --out leaves the old tree or the new one", () => {
  assert.ok(existsSync(BUILT), "dist is missing: run `npm run build` (npm test does) first");
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  try {
    const filesJson = join(base, "new.json");
    writeFileSync(filesJson, JSON.stringify(NEW_FILES));
    const template = join(base, "template");
    mkdirSync(template);
    const oldDir = oldTree(template);
    const OLD = snapshot(oldDir);

    // The new tree, from an uninterrupted run on a copy.
    const ref = join(base, "ref");
    cpSync(template, ref, { recursive: true });
    const countFile = join(base, "count");
    const full = drive(join(ref, "out"), filesJson, { KILL_ROOT: ref, KILL_COUNT_FILE: countFile });
    assert.equal(full.status, 0, full.stderr);
    const NEW = snapshot(join(ref, "out"));
    assert.notDeepEqual(NEW, OLD);
    assert.equal(NEW["notes.txt"], "file 644 the user's own notes\n");
    assert.equal(NEW["docker-data/dms/mail-data/example.com/msg"], "file 644 mail\n");
    assert.equal(NEW["config/postfix-main.cf"], "file 644 # the user's own override\n");
    assert.equal(NEW["config/postfix-sasl-password.cf"], undefined);
    assert.deepEqual(readdirSync(ref), ["out"]);
    const steps = Number(readFileSync(countFile, "utf8"));
    assert.ok(steps > 20 && steps < 200, `steps: ${steps}`);

    let sawOld = 0;
    let sawNew = 0;
    let sawSwapWindow = 0;
    for (let at = 1; at <= steps; at++) {
      const parent = join(base, `run-${at}`);
      cpSync(template, parent, { recursive: true });
      const out = join(parent, "out");
      const killed = drive(out, filesJson, { KILL_ROOT: parent, KILL_AT: String(at) });
      assert.equal(killed.signal, "SIGKILL", `step ${at}: ${killed.stderr}`);
      if (!existsSync(out)) {
        // The one instant between the two renames of the swap: the finished tree waits beside.
        sawSwapWindow++;
        assert.ok(
          readdirSync(parent).some((n) => n.startsWith(".out.dmsctl-ready-")),
          `step ${at}: DIR is missing and no finished tree waits beside it`,
        );
      } else {
        // dmsctl's files are exactly the old set or the new one. The user's entries are moved
        // into the new tree by rename just before it is committed, so a kill there finds them
        // in the tree beside DIR (each one whole), and the next run moves them back.
        const now = ours(snapshot(out));
        if (JSON.stringify(now) === JSON.stringify(ours(OLD))) sawOld++;
        else if (JSON.stringify(now) === JSON.stringify(ours(NEW))) sawNew++;
        else assert.fail(`step ${at}: a mix of old and new: ${JSON.stringify(now, null, 1)}`);
        const theirs = { ...snapshot(out) };
        for (const n of readdirSync(parent).filter((n) => /^\.out\.dmsctl-(build|ready)-/.test(n)))
          Object.assign(theirs, snapshot(join(parent, n)));
        for (const p of FOREIGN) assert.equal(theirs[p], OLD[p], `step ${at}: ${p} lost`);
      }
      // The next run recovers (including a stale lock of the killed pid) and writes the new tree.
      const again = drive(out, filesJson);
      assert.equal(again.status, 0, `step ${at}: ${again.stderr}`);
      assert.deepEqual(snapshot(out), NEW, `step ${at}: the run after the kill`);
      assert.deepEqual(readdirSync(parent), ["out"], `step ${at}: something left beside DIR`);
      const all = JSON.stringify(snapshot(parent));
      assert.ok(
        !all.includes(OLD_SECRET),
        `step ${at}: the removed relay password is still on disk`,
      );
      rmSync(parent, { recursive: true, force: true });
    }
    assert.ok(sawOld > 0 && sawNew > 0, `old ${sawOld}, new ${sawNew}`);
    assert.equal(sawSwapWindow, 1);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("two runs at once serialise on the lock; a held lock fails naming its holder", async () => {
  assert.ok(existsSync(BUILT), "dist is missing: run `npm run build` (npm test does) first");
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  try {
    const oldJson = join(base, "old.json");
    const newJson = join(base, "new.json");
    writeFileSync(oldJson, JSON.stringify(OLD_FILES));
    writeFileSync(newJson, JSON.stringify(NEW_FILES));
    const out = join(base, "out");
    const run = (json: string) =>
      new Promise<number | null>((done) => {
        const child = spawn(process.execPath, [DRIVER, BUILT, out, json], { stdio: "ignore" });
        child.on("exit", (code) => done(code));
      });
    for (let round = 0; round < 5; round++) {
      const codes = await Promise.all([run(oldJson), run(newJson), run(oldJson), run(newJson)]);
      assert.deepEqual(codes, [0, 0, 0, 0]);
      const files = Object.keys(snapshot(out))
        .filter((p) => !p.endsWith("/") && p !== ".dmsctl-files")
        .sort();
      const manifest = readFileSync(join(out, ".dmsctl-files"), "utf8").split("\n").filter(Boolean);
      // The manifest names exactly the files present: no run's files under another's manifest.
      assert.deepEqual(files, [...manifest].sort());
      assert.ok(
        [OLD_FILES, NEW_FILES].some(
          (set) => JSON.stringify(set.map((f) => f.path).sort()) === JSON.stringify(files),
        ),
      );
      assert.deepEqual(readdirSync(base).sort(), ["new.json", "old.json", "out"]);
    }

    const held = openOutDir(out);
    try {
      assert.throws(
        () => openOutDir(out, { waitMs: 200 }),
        (err: unknown) =>
          err instanceof OutDirError &&
          err.message ===
            `${out} is being written by another dmsctl (pid ${process.pid}); waited 0 s`,
      );
    } finally {
      held.release();
    }
    openOutDir(out, { waitMs: 0 }).release();
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a symbolic link in the tree is never followed, and nothing outside DIR is deleted", () => {
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  try {
    const outside = join(base, "outside");
    mkdirSync(join(outside, "keys", "example.com"), { recursive: true });
    writeFileSync(join(outside, "keys", "example.com", "mail.private"), "not dmsctl's\n");
    writeFileSync(join(outside, "victim"), "not dmsctl's\n");
    const out = join(base, "out");
    let r = openOutDir(out);
    r.replace(OLD_FILES);
    r.release();

    // A link where a folder of ours was, pointing at a folder shaped like ours.
    rmSync(join(out, "config", "opendkim"), { recursive: true });
    symlinkSync(outside, join(out, "config", "opendkim"));
    // A link where a file of ours was.
    rmSync(join(out, "mailserver.env"));
    symlinkSync(join(outside, "victim"), join(out, "mailserver.env"));
    r = openOutDir(out);
    try {
      assert.throws(
        () => r.replace(OLD_FILES),
        new OutDirError(
          `cannot write config/opendkim in ${out}: EEXIST (a symbolic link where dmsctl writes a directory; dmsctl never writes through a link)`,
        ),
      );
      // The new tree does not use that folder: the link is the user's, kept as a link.
      const report = r.replace(NEW_FILES.filter((f) => !f.path.includes("opendkim")));
      assert.deepEqual(report.kept, ["config/opendkim"]);
    } finally {
      r.release();
    }
    assert.equal(
      readFileSync(join(outside, "keys", "example.com", "mail.private"), "utf8"),
      "not dmsctl's\n",
    );
    assert.equal(readFileSync(join(outside, "victim"), "utf8"), "not dmsctl's\n");
    assert.equal(lstatSync(join(out, "mailserver.env")).isSymbolicLink(), false);
    assert.equal(readFileSync(join(out, "mailserver.env"), "utf8"), "NEW=1\n");
    assert.equal(lstatSync(join(out, "config", "opendkim")).isSymbolicLink(), true);

    // DIR itself a link: refused.
    const link = join(base, "link");
    symlinkSync(out, link);
    assert.throws(
      () => openOutDir(link),
      new OutDirError(
        `--out ${link} is a symbolic link; give the directory it points to (dmsctl never writes through a link)`,
      ),
    );
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("stale temporaries of a killed run are swept, a half-built tree gives DIR's entries back", () => {
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  try {
    const out = join(base, "out");
    let r = openOutDir(out);
    r.replace(OLD_FILES);
    r.release();
    // What a killed run of the previous per-file writer left: a temporary holding a password.
    const legacy = join(out, "config", "postfix-sasl-password.cf.dmsctl-tmp-4242-0a1b2c3d");
    writeFileSync(legacy, `@example.com u:${OLD_SECRET}\n`, { mode: 0o600 });
    // What a run killed while building left: its manifest, a file of its own, and the user's
    // mail data it had already moved in.
    const build = join(base, ".out.dmsctl-build-4243-0a1b2c3d");
    mkdirSync(join(build, "config"), { recursive: true });
    writeFileSync(join(build, ".dmsctl-files"), "config/postfix-sasl-password.cf\n");
    writeFileSync(join(build, "config", "postfix-sasl-password.cf"), OLD_SECRET);
    mkdirSync(join(build, "docker-data"));
    writeFileSync(join(build, "docker-data", "msg"), "mail\n");
    // A stale lock of a dead pid.
    writeFileSync(join(base, ".out.dmsctl-lock"), "999999999\n");

    r = openOutDir(out, { waitMs: 0 });
    try {
      assert.deepEqual(r.recovered, [
        "removed an unfinished tree of an interrupted run (.out.dmsctl-build-4243-0a1b2c3d), moving back docker-data",
        "removed 1 temporary files an interrupted run left in DIR",
      ]);
    } finally {
      r.release();
    }
    assert.deepEqual(readdirSync(base), ["out"]);
    assert.equal(existsSync(legacy), false);
    assert.equal(readFileSync(join(out, "docker-data", "msg"), "utf8"), "mail\n");
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
