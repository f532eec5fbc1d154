import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { cmp, pushTo } from "../../src/spec/order";

test("pushTo groups values by key, each group in arrival order, without losing or adding one", () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.constantFrom("a", "b", "c"), fc.integer())), (pairs) => {
      const groups = new Map<string, number[]>();
      for (const [k, v] of pairs) pushTo(groups, k, v);
      for (const [k, list] of groups) {
        assert.deepEqual(
          list,
          pairs.filter(([pk]) => pk === k).map(([, v]) => v),
        );
      }
      assert.equal([...groups.values()].flat().length, pairs.length);
      assert.deepEqual([...groups.keys()].sort(cmp), [...new Set(pairs.map(([k]) => k))].sort(cmp));
    }),
  );
});
