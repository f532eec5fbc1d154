import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { MEMORY_PATTERN, memoryBytes, parseMemory } from "../../src/spec/units";

describe("Docker memory sizes", () => {
  it("parses bytes and b/k/m/g suffixes in binary units, either case", () => {
    assert.deepEqual(
      ["512m", "2g", "1.5g", "1024", "64k", "3G", "100b", "100B", "1.5K"].map(memoryBytes),
      [536870912, 2147483648, 1610612736, 1024, 65536, 3221225472, 100, 100, 1536],
    );
  });

  it("refuses what Docker refuses, and the schema pattern agrees with the parser", () => {
    const bad = ["2gb", "2 g", "", "0", "0m", "0.5k", "-1g", "1.g", "1t", "g", "1e3", " 1g"];
    assert.deepEqual(
      bad.map((text) => memoryBytes(text)),
      bad.map(() => undefined),
    );
    for (const text of [...bad, "512m", "1.5g", "1024"]) {
      assert.equal(MEMORY_PATTERN.test(text), memoryBytes(text) !== undefined, text);
    }
  });

  it("parseMemory throws naming the field and the value", () => {
    assert.equal(parseMemory("3g"), 3 * 1024 ** 3);
    assert.throws(() => parseMemory("2gb"), {
      message: 'memoryLimit: must be a Docker memory size such as 512m or 3g, got "2gb"',
    });
  });
});
