import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RULES, rulesMarkdown } from "../../src/spec/rules";

const DOC = join(__dirname, "..", "..", "docs", "spec.md");
const BEGIN = "<!-- rules:begin -->\n";
const END = "<!-- rules:end -->";

describe("docs/spec.md", () => {
  it("embeds the rule table generated from RULES (UPDATE_GOLDEN=1 rewrites it)", () => {
    const doc = readFileSync(DOC, "utf8");
    const start = doc.indexOf(BEGIN);
    const end = doc.indexOf(END);
    assert.ok(start >= 0 && end > start, "docs/spec.md lacks the rules markers");
    const fresh = doc.slice(0, start + BEGIN.length) + rulesMarkdown() + doc.slice(end);
    if (process.env.UPDATE_GOLDEN === "1" && fresh !== doc) {
      writeFileSync(`${DOC}.tmp`, fresh);
      renameSync(`${DOC}.tmp`, DOC);
      return;
    }
    assert.equal(doc, fresh);
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
