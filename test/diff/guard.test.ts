import { test } from "node:test";
import assert from "node:assert/strict";
import { checkGuard, writeCount } from "../../src/diff/guard";
import type { DiffCounts } from "../../src/diff/types";

function counts(partial: Partial<DiffCounts>): { counts: DiffCounts } {
  return {
    counts: {
      create: 0,
      update: 0,
      delete: 0,
      unchanged: 0,
      unmanaged: 0,
      conflict: 0,
      ...partial,
    },
  };
}

test("writes are creates, updates and deletes; conflicts and unchanged records are not", () => {
  assert.equal(
    writeCount(counts({ create: 2, update: 3, delete: 1, conflict: 4, unchanged: 9 })),
    6,
  );
});

test("the guard trips per exceeded limit, naming the count and the flag; at the limit it holds", () => {
  const diff = counts({ create: 15, update: 5, delete: 2 });
  assert.deepEqual(checkGuard(diff, {}), []);
  assert.deepEqual(checkGuard(diff, { maxChanges: 22, maxDeletes: 2 }), []);
  assert.deepEqual(checkGuard(diff, { maxChanges: 21 }), [
    "22 record changes exceed --max-changes 21",
  ]);
  assert.deepEqual(checkGuard(diff, { maxChanges: 20, maxDeletes: 0 }), [
    "22 record changes exceed --max-changes 20",
    "2 deletions exceed --max-deletes 0",
  ]);
  assert.deepEqual(checkGuard(counts({ conflict: 50 }), { maxChanges: 0, maxDeletes: 0 }), []);
});
