/**
 * `dmsctl plan --out` delivers config/ as links, through which DMS's change detector sees only
 * its top-level live files. A change anywhere else (rspamd's keys and signing config: a DKIM
 * rotation) must change the compose label, or `docker compose up -d` would keep the container
 * signing with the old selector.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { parse as parseYaml } from "yaml";
import { planMailServer } from "../../src/plan/plan";
import { renderCompose } from "../../src/plan/render";
import { linkedDelivery } from "../../src/dms/link-layout";
import { RICH, keyPem, material, parse } from "./fixtures";
import { dkimPublicKeyBase64 } from "../../src/records";
import type { MailServerSpecInput } from "../../src/spec/schema";

function labelOf(input: MailServerSpecInput, swapKey = false): { label: string; recreate: string } {
  const spec = parse(input);
  const base = material(spec);
  const keys = new Map(base.dkimKeys);
  const m = { ...base, dkimKeys: keys };
  if (swapKey) {
    // Another key for example.org, as a rotation's new selector brings.
    const pem = keyPem("example.net");
    keys.set("example.org", {
      privateKeyPem: pem,
      publicKeyBase64: dkimPublicKeyBase64(pem),
    });
  }
  const plan = planMailServer(spec, m);
  const doc = parseYaml(renderCompose(plan)) as {
    services: { mailserver: { labels: Record<string, string> } };
  };
  return {
    label: doc.services.mailserver.labels["dms.recreate-hash"]!,
    recreate: plan.container.recreateHash,
  };
}

test("only top-level live files reach a running server through links", () => {
  const spec = parse(RICH);
  const plan = planMailServer(spec, material(spec));
  const nested = plan.files.filter((f) => f.path.includes("/") && f.reload === "live");
  assert.ok(nested.length > 0, "the rich spec has live files in rspamd/");
  for (const f of nested) assert.equal(linkedDelivery(f), "restart", f.path);
  assert.equal(linkedDelivery(plan.files.find((f) => f.path === "postfix-accounts.cf")!), "live");
});

test("a new DKIM key changes the compose label; an added account does not", () => {
  const base = labelOf(RICH);
  const rotated = labelOf(RICH, true);
  // The plan's own recreate hash leaves rspamd's live files out (the component's writer reaches
  // them in a real folder): the label must not.
  assert.equal(rotated.recreate, base.recreate);
  assert.notEqual(rotated.label, base.label);
  const more = labelOf({
    ...RICH,
    accounts: [
      ...(RICH.accounts ?? []),
      { address: "zed@example.org", password: "zed-Passw0rd-1" },
    ],
  });
  assert.equal(more.label, base.label);
});
