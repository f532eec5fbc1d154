import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  FINDINGS,
  LATER_GROUPS,
  RULES,
  findingsMarkdown,
  rulesMarkdown,
} from "../../src/spec/rules";

const DOC = join(__dirname, "..", "..", "docs", "spec.md");

/** Checks (UPDATE_GOLDEN=1: rewrites) the generated text between `<!-- name:begin/end -->`. */
function checkEmbedded(name: string, generated: string): void {
  const begin = `<!-- ${name}:begin -->\n`;
  const endMarker = `<!-- ${name}:end -->`;
  const doc = readFileSync(DOC, "utf8");
  const start = doc.indexOf(begin);
  const end = doc.indexOf(endMarker);
  assert.ok(start >= 0 && end > start, `docs/spec.md lacks the ${name} markers`);
  const fresh = doc.slice(0, start + begin.length) + generated + doc.slice(end);
  if (process.env.UPDATE_GOLDEN === "1" && fresh !== doc) {
    writeFileSync(`${DOC}.tmp`, fresh);
    renameSync(`${DOC}.tmp`, DOC);
    return;
  }
  assert.equal(doc, fresh);
}

describe("docs/spec.md", () => {
  it("embeds the rule table generated from RULES (UPDATE_GOLDEN=1 rewrites it)", () => {
    checkEmbedded("rules", rulesMarkdown());
  });

  it("embeds the table of the ids reported after validation (UPDATE_GOLDEN=1 rewrites it)", () => {
    checkEmbedded("findings", findingsMarkdown());
  });

  it("lists every registered id once, in one of the two tables", () => {
    const doc = readFileSync(DOC, "utf8");
    const listed = [...doc.matchAll(/^\| `([a-z0-9-]+)` \|/gm)].map((m) => m[1]!);
    assert.deepEqual([...listed].sort(), Object.keys(FINDINGS).sort());
    assert.equal(new Set(listed).size, listed.length);
  });

  it("renders the later ids with who reports them", () => {
    const table = findingsMarkdown().trimEnd().split("\n");
    const later = LATER_GROUPS.flatMap((g) => Object.keys(g.rules));
    assert.equal(table.length, later.length + 2);
    assert.equal(table[0], "| Id | Level | Reported by | What it means | Fix |");
    assert.equal(
      table.find((l) => l.startsWith("| `dns-ttl-range` ")),
      "| `dns-ttl-range` | error | the DNS adapter's audit (components) | A TTL outside the range the zone's DNS provider accepts. | Set the domain's `ttl` within the range the message names. |",
    );
  });

  it("renders one row per rule, pipes escaped", () => {
    const table = rulesMarkdown().trimEnd().split("\n");
    assert.equal(table.length, Object.keys(RULES).length + 2);
    assert.equal(table[0], "| Id | Level | What it catches | Fix |");
    assert.equal(
      table.find((l) => l.startsWith("| `alias-loop` ")),
      "| `alias-loop` | error | Aliases (or catch-alls) forward to each other in a cycle; Postfix hits its recursion limit and the mail never arrives. | Break the cycle so that every chain ends at an account or an external address. |",
    );
    assert.match(
      table.find((l) => l.startsWith("| `password-hash-format` "))!,
      /holds `\\\|`, `:` or a line break/,
    );
  });
});
