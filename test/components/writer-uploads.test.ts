/**
 * The config writer's uploads carry the mode the plan gives each file, the same modes
 * `dmsctl plan --out` writes: an executable `user-patches.sh` stays executable in the config
 * volume (the writer copies with `cp -p`), secrets stay 0600.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writerUploads } from "../../src/components/mail-server/config-writer";
import type { DmsFile } from "../../src/index";

const file = (path: string, over: Partial<DmsFile> = {}): DmsFile => ({
  path,
  content: `${path}\n`,
  reload: "live",
  secret: false,
  ...over,
});

test("uploads keep the plan's modes: 0755 script, 0600 secrets, 0644 otherwise", () => {
  const uploads = writerUploads([
    file("user-patches.sh", { reload: "recreate", mode: 0o755 }),
    file("postfix-accounts.cf", { secret: true }),
    file("postfix-virtual.cf"),
  ]);
  assert.deepEqual(
    uploads.map((u) => [u.file, u.permissions]),
    [
      ["/run/dms-staging/postfix-accounts.cf", "0600"],
      ["/run/dms-staging/postfix-virtual.cf", "0644"],
      ["/run/dms-staging/user-patches.sh", "0755"],
      ["/run/dms-staging/.pulumi-dms-managed", "0644"],
    ],
  );
  assert.equal(
    uploads.at(-1)!.content,
    "postfix-accounts.cf\npostfix-virtual.cf\nuser-patches.sh\n",
  );
});
