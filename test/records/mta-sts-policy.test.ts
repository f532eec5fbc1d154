import { test } from "node:test";
import assert from "node:assert/strict";
import { mtaStsMxMatches, parseMtaStsPolicy } from "../../src/records/mta-sts-policy";
import { isTextPlain } from "../../src/verify/mta-sts-fetch";

test("RFC 8461 §4.1 mx patterns: exact names and one-label wildcards", () => {
  const table: [string, string, boolean][] = [
    ["mail.example.com", "mail.example.com", true],
    ["mail.example.com", "MAIL.example.com.", true],
    ["mail.example.com.", "mail.example.com", true],
    ["mail.example.com", "mail2.example.com", false],
    ["*.example.com", "mail.example.com", true],
    ["*.example.com", "a.mail.example.com", false],
    ["*.example.com", "example.com", false],
    ["*.example.com", "mail.example.net", false],
    ["*.mail.example.com", "mail.example.com", false],
  ];
  for (const [pattern, host, want] of table) {
    assert.equal(mtaStsMxMatches(pattern, host), want, `${pattern} vs ${host}`);
  }
});

test("policy parsing: CRLF or LF, unknown keys ignored, mx repeated, first value wins", () => {
  assert.deepEqual(
    parseMtaStsPolicy(
      "version: STSv1\r\nmode: enforce\r\nmx: Mail.Example.com.\r\nmx: *.backup.example.com\r\nfoo: bar\r\nmax_age: 604800\r\nmode: none\r\n",
    ),
    {
      version: "STSv1",
      mode: "enforce",
      maxAge: "604800",
      mx: ["mail.example.com", "*.backup.example.com"],
    },
  );
  assert.deepEqual(parseMtaStsPolicy("version: STSv1\nmode: testing\n"), {
    version: "STSv1",
    mode: "testing",
    mx: [],
  });
  assert.deepEqual(parseMtaStsPolicy("<html>not a policy</html>"), { mx: [] });
});

test("content type", () => {
  assert.equal(isTextPlain("text/plain"), true);
  assert.equal(isTextPlain("Text/Plain; charset=utf-8"), true);
  assert.equal(isTextPlain("text/html"), false);
  assert.equal(isTextPlain(undefined), false);
});
