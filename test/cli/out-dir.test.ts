/**
 * `plan --out DIR` switches runs in one step, inside the folder the container mounts. The kill
 * test runs the built out-dir module in a child process and SIGKILLs it before each of its
 * file-system calls in turn (a `--require` preload hook counts them), then reads DIR as a reader
 * does (through the links) and checks it holds exactly the old run or exactly the new one, and
 * that the next run recovers and leaves nothing behind. A bind mount of DIR/config, as compose
 * makes, shows the new files without being made again.
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
  statSync,
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

/**
 * DIR as a reader sees it: links followed, a link that leads nowhere is no file, the runs kept
 * in `config/..*` are not listed (they are reached through the links). Path -> mode and content.
 */
function view(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      if (name.startsWith("..")) continue;
      const p = rel === "" ? name : `${rel}/${name}`;
      let st;
      try {
        st = statSync(join(dir, p));
      } catch {
        continue;
      }
      const mode = (st.mode & 0o777).toString(8);
      if (st.isDirectory()) walk(p);
      else out[p] = `${mode} ${readFileSync(join(dir, p), "utf8")}`;
    }
  };
  walk("");
  return out;
}

/** Every entry under `dir`, links not followed (link -> target), for checks of the layout. */
function raw(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = rel === "" ? name : `${rel}/${name}`;
      const st = lstatSync(join(dir, p));
      if (st.isSymbolicLink()) out[p] = `link -> ${readlinkSync(join(dir, p))}`;
      else if (st.isDirectory()) {
        out[`${p}/`] = "dir";
        walk(p);
      } else out[p] = `file ${readFileSync(join(dir, p), "utf8")}`;
    }
  };
  walk("");
  return out;
}

/** The layout after a finished run: `..data`, one run folder and nothing else of ours in config. */
function assertOneRun(out: string, where: string): void {
  const runs = readdirSync(join(out, "config")).filter((n) => n.startsWith(".."));
  assert.equal(runs.length, 2, `${where}: ${runs.join(", ")}`);
  assert.equal(
    readlinkSync(join(out, "config", "..data")),
    runs.find((n) => n !== "..data"),
  );
  const dangling = Object.entries(raw(out)).filter(
    ([p, v]) => v.startsWith("link") && !existsSync(join(out, p)),
  );
  assert.deepEqual(dangling, [], `${where}: links that lead nowhere`);
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

test("killed before any of its file-system calls, --out reads as the old run or the new one", () => {
  assert.ok(existsSync(BUILT), "dist is missing: run `npm run build` (npm test does) first");
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  try {
    const filesJson = join(base, "new.json");
    writeFileSync(filesJson, JSON.stringify(NEW_FILES));
    const template = join(base, "template");
    mkdirSync(template);
    const oldDir = oldTree(template);
    const OLD = view(oldDir);

    // The new run, uninterrupted, on a copy.
    const ref = join(base, "ref");
    cpSync(template, ref, { recursive: true, verbatimSymlinks: true });
    const countFile = join(base, "count");
    const full = drive(join(ref, "out"), filesJson, { KILL_ROOT: ref, KILL_COUNT_FILE: countFile });
    assert.equal(full.status, 0, full.stderr);
    const NEW = view(join(ref, "out"));
    assert.notDeepEqual(NEW, OLD);
    assert.equal(NEW["notes.txt"], "644 the user's own notes\n");
    assert.equal(NEW["docker-data/dms/mail-data/example.com/msg"], "644 mail\n");
    assert.equal(NEW["config/postfix-main.cf"], "644 # the user's own override\n");
    assert.equal(NEW["config/postfix-sasl-password.cf"], undefined);
    assert.equal(NEW["config/postfix-accounts.cf"], "600 b@example.com|{x}new\n");
    assert.deepEqual(readdirSync(ref), ["out"]);
    assertOneRun(join(ref, "out"), "uninterrupted");
    const steps = Number(readFileSync(countFile, "utf8"));
    assert.ok(steps > 20 && steps < 200, `steps: ${steps}`);

    let sawOld = 0;
    let sawNew = 0;
    for (let at = 1; at <= steps; at++) {
      const parent = join(base, `run-${at}`);
      cpSync(template, parent, { recursive: true, verbatimSymlinks: true });
      const out = join(parent, "out");
      const killed = drive(out, filesJson, { KILL_ROOT: parent, KILL_AT: String(at) });
      assert.equal(killed.signal, "SIGKILL", `step ${at}: ${killed.stderr}`);
      // Read through the links, dmsctl's files are exactly the old run or the new one; the
      // user's entries never move.
      const now = view(out);
      if (JSON.stringify(ours(now)) === JSON.stringify(ours(OLD))) sawOld++;
      else if (JSON.stringify(ours(now)) === JSON.stringify(ours(NEW))) sawNew++;
      else assert.fail(`step ${at}: a mix of old and new: ${JSON.stringify(now, null, 1)}`);
      for (const p of FOREIGN) assert.equal(now[p], OLD[p], `step ${at}: ${p} lost`);
      // The next run recovers (including a stale lock of the killed pid) and writes the new run.
      const again = drive(out, filesJson);
      assert.equal(again.status, 0, `step ${at}: ${again.stderr}`);
      assert.deepEqual(view(out), NEW, `step ${at}: the run after the kill`);
      assertOneRun(out, `step ${at}`);
      assert.deepEqual(readdirSync(parent), ["out"], `step ${at}: something left beside DIR`);
      const all = JSON.stringify(raw(parent));
      assert.ok(
        !all.includes(OLD_SECRET),
        `step ${at}: the removed relay password is still on disk`,
      );
      rmSync(parent, { recursive: true, force: true });
    }
    assert.ok(sawOld > 0 && sawNew > 0, `old ${sawOld}, new ${sawNew}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a bind mount of DIR/config, as compose makes, shows the next run without being remade", (t) => {
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  const mountPoint = join(base, "container-view");
  let mounted = false;
  try {
    const out = join(base, "out");
    let r = openOutDir(out);
    r.replace(OLD_FILES);
    r.release();
    const inode = statSync(join(out, "config")).ino;
    mkdirSync(mountPoint);
    const mount = spawnSync("mount", ["--bind", join(out, "config"), mountPoint], {
      encoding: "utf8",
    });
    if (mount.status !== 0) {
      // Only root can bind-mount; CI runs as root, so there this is a failure.
      if (process.env.CI === "true") assert.fail(`mount --bind failed: ${mount.stderr}`);
      t.skip(`mount --bind needs root: ${mount.stderr.trim()}`);
      return;
    }
    mounted = true;
    const seen = (name: string) => readFileSync(join(mountPoint, name), "utf8");
    assert.equal(seen("postfix-accounts.cf"), "a@example.com|{x}old\n");
    r = openOutDir(out);
    r.replace(NEW_FILES);
    r.release();
    // The mount holds the folder it was made with; the folder stayed and its links moved on.
    assert.equal(statSync(join(out, "config")).ino, inode);
    assert.equal(seen("postfix-accounts.cf"), "b@example.com|{x}new\n");
    assert.equal(seen("postfix-virtual.cf"), "c@example.com b@example.com\n");
    assert.equal(existsSync(join(mountPoint, "postfix-sasl-password.cf")), false);
    assert.equal(seen("opendkim/keys/example.com/mail.private"), "old key\n");
  } finally {
    if (mounted) spawnSync("umount", [mountPoint]);
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
      const files = Object.keys(view(out))
        .filter((p) => p !== ".dmsctl-files")
        .sort();
      const manifest = readFileSync(join(out, ".dmsctl-files"), "utf8").split("\n").filter(Boolean);
      // The manifest names exactly the files present: no run's files under another's manifest.
      assert.deepEqual(files, [...manifest].sort());
      assert.ok(
        [OLD_FILES, NEW_FILES].some(
          (set) => JSON.stringify(set.map((f) => f.path).sort()) === JSON.stringify(files),
        ),
      );
      assertOneRun(out, `round ${round}`);
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

test("a symbolic link is never followed, nothing outside DIR is deleted, nothing of the user's is replaced", () => {
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

    // The user's links where dmsctl's were: one to a folder shaped like ours, one to a file; and
    // the user's own file at a name the next run needs.
    rmSync(join(out, "config", "opendkim"));
    symlinkSync(outside, join(out, "config", "opendkim"));
    rmSync(join(out, "mailserver.env"));
    symlinkSync(join(outside, "victim"), join(out, "mailserver.env"));
    writeFileSync(join(out, "config", "postfix-virtual.cf"), "the user's own\n");
    const before = raw(out);
    r = openOutDir(out);
    try {
      // Every entry in the way at once, and nothing changed.
      assert.throws(
        () => r.replace(NEW_FILES),
        new OutDirError(
          `cannot write ${out}: dmsctl did not write config/opendkim, config/postfix-virtual.cf, mailserver.env, and its own files go there; move them away (nothing was changed)`,
        ),
      );
      assert.deepEqual(raw(out), before);
      // A run that does not need those names leaves the user's entries as they are.
      r.replace(NEW_FILES.filter((f) => !/opendkim|postfix-virtual|mailserver\.env/.test(f.path)));
    } finally {
      r.release();
    }
    assert.equal(
      readFileSync(join(outside, "keys", "example.com", "mail.private"), "utf8"),
      "not dmsctl's\n",
    );
    assert.equal(readFileSync(join(outside, "victim"), "utf8"), "not dmsctl's\n");
    assert.equal(readlinkSync(join(out, "config", "opendkim")), outside);
    assert.equal(readlinkSync(join(out, "mailserver.env")), join(outside, "victim"));
    assert.equal(
      readFileSync(join(out, "config", "postfix-virtual.cf"), "utf8"),
      "the user's own\n",
    );

    // DIR itself, or the mounted folder, a link: refused.
    const link = join(base, "link");
    symlinkSync(out, link);
    assert.throws(
      () => openOutDir(link),
      new OutDirError(
        `--out ${link} is a symbolic link; give the directory it points to (dmsctl never writes through a link)`,
      ),
    );
    const other = join(base, "other");
    mkdirSync(other);
    symlinkSync(outside, join(other, "config"));
    assert.throws(
      () => openOutDir(other),
      new OutDirError(
        `--out ${other}: ${other}/config is a symbolic link; give the directory it points to (dmsctl never writes through a link)`,
      ),
    );
    assert.deepEqual(readdirSync(outside).sort(), ["keys", "victim"]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("stale temporaries and runs of a killed dmsctl are swept; an earlier version's trees beside DIR are left", () => {
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  try {
    const out = join(base, "out");
    let r = openOutDir(out);
    r.replace(OLD_FILES);
    r.release();
    // What a killed run of the per-file writer left: a temporary holding a password.
    const legacy = join(out, "config", "postfix-sasl-password.cf.dmsctl-tmp-4242-0a1b2c3d");
    writeFileSync(legacy, `@example.com u:${OLD_SECRET}\n`, { mode: 0o600 });
    // A run killed while building, one killed after building, the switch link and a link of a
    // name the current run does not have.
    mkdirSync(join(out, "config", "..dmsctl-build-4243-0a1b2c3d", "config"), { recursive: true });
    writeFileSync(join(out, "config", "..dmsctl-build-4243-0a1b2c3d", "config", "x"), OLD_SECRET);
    mkdirSync(join(out, "config", "..dmsctl-4244-0a1b2c3d"));
    symlinkSync("..dmsctl-4244-0a1b2c3d", join(out, "config", "..data.dmsctl-link-4244-0a1b2c3d"));
    symlinkSync("..data/config/postfix-virtual.cf", join(out, "config", "postfix-virtual.cf"));
    // What an earlier, tree-swapping dmsctl left beside DIR, holding the user's mail.
    const earlier = join(base, ".out.dmsctl-build-4245-0a1b2c3d");
    mkdirSync(join(earlier, "docker-data"), { recursive: true });
    writeFileSync(join(earlier, "docker-data", "msg"), "mail\n");
    // A stale lock of a dead pid.
    writeFileSync(join(base, ".out.dmsctl-lock"), "999999999\n");

    r = openOutDir(out, { waitMs: 0 });
    try {
      assert.deepEqual(r.recovered, [
        "removed 1 temporary files an interrupted run left in DIR",
        "removed a run that is not the current one (config/..dmsctl-4244-0a1b2c3d)",
        "removed an unfinished run an interrupted dmsctl left (config/..dmsctl-build-4243-0a1b2c3d)",
        "removed 1 links an interrupted run left",
        `left ${earlier} untouched: an earlier dmsctl version's interrupted run, which may hold files of yours; move what you need into DIR and delete it`,
      ]);
    } finally {
      r.release();
    }
    assert.deepEqual(readdirSync(base).sort(), [".out.dmsctl-build-4245-0a1b2c3d", "out"]);
    assert.equal(existsSync(legacy), false);
    assert.equal(readFileSync(join(earlier, "docker-data", "msg"), "utf8"), "mail\n");
    assertOneRun(out, "after recovery");
    // The current run is untouched: exactly the old files, read through the links.
    assert.deepEqual(
      Object.keys(view(out)).sort(),
      [".dmsctl-files", ...OLD_FILES.map((f) => f.path)].sort(),
    );
    assert.equal(existsSync(join(out, "config", "postfix-virtual.cf")), false);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a tree of the earlier link-less layout moves into the new one and keeps the user's files", () => {
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  try {
    const out = join(base, "out");
    // Plain files and a plain manifest, as dmsctl wrote them before runs were kept in config/.
    for (const f of OLD_FILES) {
      mkdirSync(join(out, f.path, ".."), { recursive: true });
      writeFileSync(join(out, f.path), f.content, { mode: f.mode });
    }
    writeFileSync(join(out, ".dmsctl-files"), OLD_FILES.map((f) => `${f.path}\n`).join(""));
    writeFileSync(join(out, "config", "postfix-main.cf"), "# the user's own override\n");
    const r = openOutDir(out);
    try {
      const report = r.replace(NEW_FILES);
      assert.deepEqual(report.removed, ["config/postfix-sasl-password.cf"]);
      assert.equal(report.replaced, true);
    } finally {
      r.release();
    }
    const now = view(out);
    assert.equal(now["config/postfix-main.cf"], "644 # the user's own override\n");
    assert.equal(now["config/postfix-accounts.cf"], "600 b@example.com|{x}new\n");
    assert.equal(now["config/postfix-sasl-password.cf"], undefined);
    assert.equal(readlinkSync(join(out, "zones")), "config/..data/zones");
    assert.equal(readlinkSync(join(out, "config", "opendkim")), "..data/config/opendkim");
    assertOneRun(out, "after the move");
    assert.ok(!JSON.stringify(raw(out)).includes(OLD_SECRET));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("a previous run that cannot be deleted is reported, not thrown, and removed by a later run", (t) => {
  const base = mkdtempSync(join(tmpdir(), "dmsctl-outdir-"));
  let pinned: string | undefined;
  try {
    const out = join(base, "out");
    let r = openOutDir(out);
    r.replace(OLD_FILES);
    r.release();
    const oldRun = readlinkSync(join(out, "config", "..data"));
    // As a file the mail server gave to one of its own users is for a dmsctl not running as root.
    pinned = join(out, "config", oldRun, "compose.yaml");
    const chattr = spawnSync("chattr", ["+i", pinned], { encoding: "utf8" });
    if (chattr.status !== 0) {
      pinned = undefined;
      if (process.env.CI === "true") assert.fail(`chattr +i failed: ${chattr.stderr}`);
      t.skip(`chattr +i is not available here: ${chattr.stderr.trim()}`);
      return;
    }
    r = openOutDir(out);
    try {
      const report = r.replace(NEW_FILES);
      assert.equal(report.notes.length, 1);
      assert.match(
        report.notes[0]!,
        new RegExp(`^could not remove config/${oldRun.replace(/\./g, "\\.")} \\([A-Z]+\\): `),
      );
    } finally {
      r.release();
    }
    assert.equal(view(out)["config/postfix-accounts.cf"], "600 b@example.com|{x}new\n");
    spawnSync("chattr", ["-i", pinned]);
    pinned = undefined;
    r = openOutDir(out);
    try {
      assert.deepEqual(r.recovered, [
        `removed a run that is not the current one (config/${oldRun})`,
      ]);
    } finally {
      r.release();
    }
    assertOneRun(out, "after the later run");
  } finally {
    if (pinned !== undefined) spawnSync("chattr", ["-i", pinned]);
    rmSync(base, { recursive: true, force: true });
  }
});
