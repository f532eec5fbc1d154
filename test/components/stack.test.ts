/**
 * The stack-config program: the whole spec from `mailserver:spec`, passwords from the secret
 * `mailserver:passwords` object, under mocks.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import {
  installMocks,
  plainStrings,
  registrations,
  resetRegistrations,
  unwrap,
  valueOf,
} from "./harness";

installMocks();
const PASSWORD = "stack-config-password-9";
pulumi.runtime.setAllConfig(
  {
    "mailserver:spec": JSON.stringify({
      hostname: "mail.example.com",
      ipv4: "192.0.2.7",
      domains: [{ name: "example.com" }],
      accounts: [{ address: "alice@example.com" }],
      logLevel: "debug",
    }),
    "mailserver:passwords": JSON.stringify({ "alice@example.com": PASSWORD }),
    "mailserver:containerName": "mailserver",
  },
  ["mailserver:passwords"],
);
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { mailServerFromConfig } =
  require("../../src/stack/program") as typeof import("../../src/stack/program");

describe("stack-config program", () => {
  it("builds the MailServer from config, hashing the secret password", async () => {
    resetRegistrations();
    const mail = mailServerFromConfig("stack");
    await valueOf(mail.container.id);
    await valueOf(mail.configWriter.id);
    for (let i = 0; i < 50; i++) await new Promise((r) => setImmediate(r));
    const container = registrations.find((r) => r.name === "stack-container")!;
    assert.equal(container.inputs.name, "mailserver");
    assert.ok((container.inputs.envs as string[]).includes("LOG_LEVEL=debug"));
    const writer = registrations.find((r) => r.name === "stack-config-writer")!;
    const files = unwrap(writer.inputs.uploads) as { file: string; content: string }[];
    const accounts = files.find((f) => f.file.endsWith("/postfix-accounts.cf"))!.content;
    assert.match(accounts, /^alice@example\.com\|\{SHA512-CRYPT\}\$6\$/m);
    for (const r of registrations) {
      for (const [, s] of plainStrings(r.inputs))
        assert.ok(!s.includes(PASSWORD) && !s.includes("$6$"));
    }
  });
});
