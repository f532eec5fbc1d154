import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planEnv } from "../../src/dms";
import { DEFAULT_ENV, derivedEnvField } from "../../src/spec/dms-env";
import { validateSpec } from "../../src/spec/validate";
import { withSpec } from "./helpers";

describe("env-derived knows every variable the dms plan derives", () => {
  const specs: Record<string, Record<string, unknown>> = {
    default: withSpec({}),
    "manual TLS and a relay": withSpec({
      tls: { type: "manual", certPath: "/c.pem", keyPath: "/k.pem" },
      relay: { host: "smtp.relay.example", username: "u", passwordEnv: "RELAY_PW" },
      features: { rspamd: false, amavis: true, spamassassin: true, clamav: true, fail2ban: true },
      memoryLimit: "4g",
    }),
    "TLS none, SMTP only": withSpec({
      tls: { type: "none" },
      accounts: [],
      features: { smtpOnly: true },
    }),
  };
  for (const [name, input] of Object.entries(specs)) {
    it(name, () => {
      const result = validateSpec(input);
      assert.ok(result.ok, JSON.stringify(result.findings));
      const unknown = planEnv(result.spec)
        .map(([key]) => key)
        .filter((key) => derivedEnvField(key) === undefined && !Object.hasOwn(DEFAULT_ENV, key));
      assert.deepEqual(unknown, []);
    });
  }
});
