/** The two forms of a `dkim.retiring` entry, and their findings. */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { validateSpec } from "../../src/spec/validate";
import { retiringEntries, retiringSelectors } from "../../src/spec/derived";
import type { MailServerSpecInput } from "../../src/spec/schema";
import { HASH } from "./helpers";

const spec = (retiring: unknown, extra: Record<string, unknown> = {}): MailServerSpecInput =>
  ({
    hostname: "mail.example.com",
    domains: [{ name: "example.com", dkim: { selector: "s2026b", retiring, ...extra } }],
    accounts: [{ address: "a@example.com", passwordHash: HASH }],
  }) as MailServerSpecInput;

describe("dkim.retiring entries", () => {
  it("accepts the plain and the dated form, in spec order, with retireAfterDays defaulting to 7", () => {
    const v = validateSpec(spec(["s2025a", { selector: "s2026a", since: "2026-11-01" }]));
    assert.ok(v.ok, JSON.stringify(v.findings));
    const dkim = v.spec.domains[0]!.dkim;
    assert.deepEqual(retiringSelectors(dkim), ["s2025a", "s2026a"]);
    assert.deepEqual(retiringEntries(dkim), [
      { selector: "s2025a" },
      { selector: "s2026a", since: "2026-11-01" },
    ]);
    assert.equal(dkim.retireAfterDays, 7);
  });

  it("refuses a date that is not a calendar day, a bad selector and an unknown key, all at once", () => {
    const v = validateSpec(
      spec([
        { selector: "s2026a", since: "2026-02-30" },
        { selector: "Bad_Label" },
        { selector: "s2025b", until: "x" },
      ]),
    );
    assert.equal(v.ok, false);
    const paths = v.findings.map((f) => f.path).sort();
    assert.ok(
      paths.some((p) => p.startsWith("domains[0].dkim.retiring[0]")),
      paths.join(" "),
    );
    assert.ok(
      paths.some((p) => p.startsWith("domains[0].dkim.retiring[1]")),
      paths.join(" "),
    );
    assert.ok(
      paths.some((p) => p.startsWith("domains[0].dkim.retiring[2]")),
      paths.join(" "),
    );
  });

  it("still refuses the signing selector or a repeat in the dated form", () => {
    const v = validateSpec(spec([{ selector: "s2026b" }, "s2026a", { selector: "s2026a" }]));
    assert.deepEqual(
      v.findings.filter((f) => f.id === "dkim-retiring-selector").map((f) => f.path),
      ["domains[0].dkim.retiring[0]", "domains[0].dkim.retiring[2]"],
    );
  });

  it("bounds retireAfterDays", () => {
    assert.equal(validateSpec(spec([], { retireAfterDays: 0 })).ok, false);
    assert.equal(validateSpec(spec([], { retireAfterDays: 30 })).ok, true);
  });
});
