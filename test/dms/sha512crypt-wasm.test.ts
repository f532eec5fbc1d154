import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import {
  SHA512CRYPT_WASM_BASE64,
  SHA512CRYPT_WASM_COMPILER,
  SHA512CRYPT_WASM_SHA256,
} from "../../src/dms/sha512crypt/wasm.generated";
import { WASM } from "../../src/dms/sha512crypt/wasm";

const ROOT = join(__dirname, "..", "..");
const GENERATED = join(ROOT, "src/dms/sha512crypt/wasm.generated.ts");

describe("the embedded SHA512-CRYPT WebAssembly module", () => {
  it("is what its recorded sha256 says, imports nothing and exports the core", () => {
    const bytes = Buffer.from(SHA512CRYPT_WASM_BASE64, "base64");
    assert.equal(createHash("sha256").update(bytes).digest("hex"), SHA512CRYPT_WASM_SHA256);
    const module = new WASM.Module(bytes);
    assert.deepEqual(WASM.Module.imports(module), []);
    assert.deepEqual(
      WASM.Module.exports(module).map((e) => `${e.kind} ${e.name}`),
      ["memory memory", "function sha512crypt", "global __heap_base"],
    );
  });

  it("matches a fresh build of sha512crypt.c when the same clang is present", (t) => {
    const clang = spawnSync("clang", ["--version"], { encoding: "utf8" });
    const version = clang.status === 0 ? clang.stdout.split("\n")[0] : undefined;
    if (version !== SHA512CRYPT_WASM_COMPILER) {
      // Another compiler gives other (equally valid) bytes; the glibc equality tests still hold.
      t.skip(`needs ${SHA512CRYPT_WASM_COMPILER}, found ${version ?? "no clang"}`);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), "sha512crypt-"));
    try {
      const out = join(dir, "wasm.generated.ts");
      const run = spawnSync("bash", [join(ROOT, "scripts/build-sha512crypt-wasm.sh"), out], {
        encoding: "utf8",
      });
      assert.equal(run.status, 0, run.stderr);
      assert.equal(readFileSync(out, "utf8"), readFileSync(GENERATED, "utf8"));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs from the tsc output too, in-thread and in the worker pool", (t) => {
    // CommonJS output differs from tsx (e.g. a local named `exports` breaks only there).
    const dist = join(ROOT, "dist/cjs/dms/password.js");
    if (!existsSync(dist)) {
      if (process.env.CI === "true") throw new Error(`${dist} missing; npm test builds it first`);
      t.skip("no build output (run npm run build)");
      return;
    }
    const script = `
      const { sha512Crypt, hashPasswords } = require(${JSON.stringify(dist)});
      const entries = Array.from({ length: 40 }, () => ({ address: "a@b.c", password: "Hello world!", salt: "saltstring" }));
      hashPasswords(entries, { threads: 2 }).then((h) => {
        console.log(sha512Crypt("Hello world!", "saltstring"));
        console.log(new Set(h).size, h[39]);
      });`;
    const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    assert.equal(run.stderr, "");
    const expected =
      "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
    assert.equal(run.stdout, `${expected}\n1 {SHA512-CRYPT}${expected}\n`);
  });
});
