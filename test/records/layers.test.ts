/**
 * The import rules of the value and reader layers, read from the source: `src/records` and
 * `src/net` import nothing above them (only each other, `src/spec`, Node and npm packages), and
 * `src/diff` and `src/verify` reach into `src/providers` only for the plain modules that read
 * provider data (never an adapter, which loads `@pulumi/*`).
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

const SRC = resolve(__dirname, "..", "..", "src");

/** Every `.ts` file under `dir`, relative to `src/`. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return name.endsWith(".ts") ? [relative(SRC, path)] : [];
  });
}

/** The project files a source file imports (`import`/`export ... from`, type-only included). */
function imports(file: string): string[] {
  const text = readFileSync(join(SRC, file), "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]*)"/gm)) {
    out.push(relative(SRC, resolve(dirname(join(SRC, file)), m[1]!)));
  }
  return out;
}

const PLAIN_PROVIDER_MODULES = new Set([
  "providers/dns/readers",
  "providers/dns/preview-reader",
  "providers/dns/cloudflare/preview",
  "providers/dns/cloudflare/values",
  "providers/dns/cloudflare/proxy",
  "providers/dns/route53/preview",
  "providers/dns/route53/values",
]);

test("src/records and src/net import only records, net and spec", () => {
  const bad = ["records", "net"].flatMap((top) =>
    files(join(SRC, top)).flatMap((f) =>
      imports(f)
        .filter((t) => !/^(records|net|spec)\//.test(t))
        .map((t) => `${f} -> ${t}`),
    ),
  );
  assert.deepEqual(bad, []);
});

test("src/diff and src/verify import from src/providers only its plain reader modules", () => {
  const bad = ["diff", "verify"].flatMap((top) =>
    files(join(SRC, top)).flatMap((f) =>
      imports(f)
        .filter((t) => t.startsWith("providers/") && !PLAIN_PROVIDER_MODULES.has(t))
        .map((t) => `${f} -> ${t}`),
    ),
  );
  assert.deepEqual(bad, []);
});

test("the plain provider modules import no adapter", () => {
  const adapters =
    /^providers\/(dns\/(cloudflare|route53|custom|zonefile)(\/index)?|dns\/index|host\/)/;
  const bad = [...PLAIN_PROVIDER_MODULES].flatMap((m) =>
    imports(`${m}.ts`)
      .filter((t) => adapters.test(t) && !PLAIN_PROVIDER_MODULES.has(t))
      .map((t) => `${m} -> ${t}`),
  );
  assert.deepEqual(bad, []);
});
