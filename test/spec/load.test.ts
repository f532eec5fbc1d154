import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadSpecFile, parseSpecText } from "../../src/spec/load";
import { formatFinding } from "../../src/spec/findings";

function parsed(text: string, file = "mailserver.yaml") {
  const r = parseSpecText(text, file);
  return { value: r.value, findings: r.findings.map(formatFinding) };
}

describe("parseSpecText", () => {
  it("parses YAML", () => {
    assert.deepEqual(parsed("hostname: mail.example.com\ndomains:\n  - name: example.com\n"), {
      value: { hostname: "mail.example.com", domains: [{ name: "example.com" }] },
      findings: [],
    });
  });

  it("parses JSON, with a BOM", () => {
    assert.deepEqual(parsed('\uFEFF{"hostname": "mail.example.com", "domains": []}', "spec.json"), {
      value: { hostname: "mail.example.com", domains: [] },
      findings: [],
    });
  });

  it("reads YAML 1.2: yes/no/on are text, not booleans", () => {
    assert.deepEqual(parsed("features:\n  rspamd: yes\n  pop3: on\n").value, {
      features: { rspamd: "yes", pop3: "on" },
    });
  });

  const BAD: readonly [string, string, string, string[]][] = [
    [
      "a syntax error, with line and column",
      "hostname: mail.example.com\ndomains: [example.com,\n",
      "mailserver.yaml",
      [
        "error spec-syntax mailserver.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]",
      ],
    ],
    [
      "an unterminated quote",
      "hostname: 'mail.example.com\n",
      "mailserver.yaml",
      ["error spec-syntax mailserver.yaml:2:1: Missing closing 'quote"],
    ],
    [
      "a duplicate key",
      "hostname: a.example.com\ndomains: []\nhostname: b.example.com\n",
      "mailserver.yaml",
      ["error spec-duplicate-key mailserver.yaml:3:1: Map keys must be unique"],
    ],
    [
      "a duplicate key in JSON",
      '{"hostname": "a.example.com",\n "hostname": "b.example.com"}',
      "spec.json",
      ["error spec-duplicate-key spec.json:2:2: Map keys must be unique"],
    ],
    [
      "several documents",
      "hostname: a.example.com\n---\nhostname: b.example.com\n",
      "mailserver.yaml",
      [
        "error spec-multiple-documents mailserver.yaml:2:1: holds 2 YAML documents; a spec file holds one",
      ],
    ],
    [
      "an empty file",
      "",
      "mailserver.yaml",
      ["error spec-empty mailserver.yaml holds no spec (the file is empty)"],
    ],
    [
      "only comments",
      "# nothing yet\n",
      "mailserver.yaml",
      ["error spec-empty mailserver.yaml holds no spec (the file is empty)"],
    ],
    [
      "a null document",
      "~\n",
      "mailserver.yaml",
      ["error spec-empty mailserver.yaml holds no spec (the document is empty)"],
    ],
  ];
  for (const [name, text, file, expected] of BAD) {
    it(name, () => {
      const r = parsed(text, file);
      assert.equal(r.value, undefined);
      assert.deepEqual(r.findings, expected);
    });
  }

  it("warns about an unknown tag and keeps the value as text", () => {
    assert.deepEqual(parsed("hostname: !host mail.example.com\n"), {
      value: { hostname: "mail.example.com" },
      findings: ["warn spec-yaml-warning mailserver.yaml:1:11: Unresolved tag: !host"],
    });
  });

  it("refuses alias bombs instead of expanding them", () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++)
      lines.push(
        `${"abcdefghij"[i]}: &${"abcdefghij"[i]} [${Array(10)
          .fill(`*${"abcdefghij"[i - 1]}`)
          .join(",")}]`,
      );
    const r = parseSpecText(lines.join("\n") + "\n", "bomb.yaml");
    assert.equal(r.value, undefined);
    assert.deepEqual(
      r.findings.map((f) => f.id),
      ["spec-syntax"],
    );
    assert.match(r.findings[0]!.message, /^bomb\.yaml: cannot parse: .*alias/i);
  });

  it("locates finding paths in the file", () => {
    const text = [
      "hostname: mail.example.com",
      "domains:",
      "  - name: example.com",
      "    dmarc:",
      '      rua: ["dmarc@example.com"]',
      "",
    ].join("\n");
    const r = parseSpecText(text, "mailserver.yaml");
    assert.deepEqual(r.locate("domains[0].dmarc.rua[0]"), { line: 5, column: 13 });
    assert.deepEqual(r.locate("hostname"), { line: 1, column: 11 });
    // A missing key points at its closest existing parent.
    assert.deepEqual(r.locate("domains[0].dkim.selector"), { line: 3, column: 5 });
    assert.deepEqual(r.locate(""), { line: 1, column: 1 });
  });
});

describe("loadSpecFile", () => {
  it("reads a file and returns its directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "dms-spec-"));
    try {
      const file = join(dir, "mailserver.yaml");
      writeFileSync(file, "hostname: mail.example.com\n");
      const r = loadSpecFile(file);
      assert.deepEqual([r.value, r.findings, r.dir], [{ hostname: "mail.example.com" }, [], dir]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reports a missing file and a directory as findings", () => {
    const dir = mkdtempSync(join(tmpdir(), "dms-spec-"));
    try {
      const missing = join(dir, "nope.yaml");
      assert.deepEqual(loadSpecFile(missing).findings.map(formatFinding), [
        `error spec-read cannot read ${JSON.stringify(missing)}: no such file`,
      ]);
      assert.deepEqual(loadSpecFile(dir).findings.map(formatFinding), [
        `error spec-read cannot read ${JSON.stringify(dir)}: it is a directory`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
