import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { planEnv } from "../../src/dms";
import { DERIVED_ENV } from "../../src/spec/rules";
import { validateSpec } from "../../src/spec/validate";
import { withSpec } from "./helpers";

/** Set by planEnv as hardening defaults the user may override on purpose (no spec field). */
const OVERRIDABLE = new Set(["PERMIT_DOCKER", "SPOOF_PROTECTION"]);

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
        .filter((key) => DERIVED_ENV[key] === undefined && !OVERRIDABLE.has(key));
      assert.deepEqual(unknown, []);
    });
  }
});
