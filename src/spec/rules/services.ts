/** TLS, the relay's credentials, and services exposed while their feature is off. */
import type { MailServerSpec } from "../schema";
import { effectiveFeatures } from "../derived";
import { cmp } from "../order";
import { ruleGroup, show, type Context, type Reporter, type RuleTable } from "./context";

const rules = {
  "relay-credentials": {
    level: "error",
    summary:
      "A relay has a username without a password source, a password without a username, or two password sources.",
    remediation: "Give `username` with exactly one of `password` or `passwordEnv`, or neither.",
  },
  "tls-none": {
    level: "warn",
    summary: "TLS `none`: passwords travel in plain text. For testing only.",
    remediation: "Use `letsencrypt` or `manual`.",
  },
  "tls-self-signed": {
    level: "info",
    summary: "A self-signed certificate: mail clients warn, MTA-STS cannot be enforced.",
    remediation: "Use `letsencrypt` or `manual` in production.",
  },
  "tls-path-absolute": {
    level: "error",
    summary: "A TLS host path is relative; Docker bind mounts need absolute host paths.",
    remediation: "Write an absolute path such as `/etc/ssl/mail/fullchain.pem`.",
  },
  "service-feature-off": {
    level: "warn",
    summary: "A service is exposed but its feature is off, so the port stays closed.",
    remediation: "Turn the feature on, or drop the service's exposure.",
  },
  "smtp-not-public": {
    level: "warn",
    summary: "Port 25 is not public, so other servers cannot deliver mail to this one.",
    remediation: "Set `services.smtp.expose: public`, unless mail reaches you another way.",
  },
} as const satisfies RuleTable;

type Id = keyof typeof rules;

/** TLS, relay and services. */
export const SERVICE_RULES = ruleGroup({ rules, check: checkTlsAndServices });

function isAbsolutePath(p: string): boolean {
  return p.startsWith("/") || /^[A-Za-z]:[\\/]/.test(p);
}

function checkTlsAndServices(spec: MailServerSpec, _ctx: Context, r: Reporter<Id>): void {
  const tls = spec.tls;
  switch (tls.type) {
    case "none":
      r.report("tls-none", ["tls", "type"], 'is "none": passwords travel in plain text');
      break;
    case "self-signed":
      r.report(
        "tls-self-signed",
        ["tls", "type"],
        'is "self-signed": mail clients warn and MTA-STS cannot be enforced',
      );
      break;
    case "manual":
      for (const key of ["certPath", "keyPath"] as const) {
        if (!isAbsolutePath(tls[key])) {
          r.report(
            "tls-path-absolute",
            ["tls", key],
            `must be an absolute host path, got ${show(tls[key])}`,
          );
        }
      }
      break;
    case "letsencrypt":
      if (!isAbsolutePath(tls.hostDir)) {
        r.report(
          "tls-path-absolute",
          ["tls", "hostDir"],
          `must be an absolute host path, got ${show(tls.hostDir)}`,
        );
      }
      break;
    default: {
      const _: never = tls;
      void _;
    }
  }

  const relay = spec.relay;
  if (relay !== undefined) {
    const sources = (["password", "passwordEnv"] as const).filter((k) => relay[k] !== undefined);
    if (sources.length === 2) {
      r.report("relay-credentials", ["relay"], "has both password and passwordEnv; keep one");
    } else if (relay.username !== undefined && sources.length === 0) {
      r.report(
        "relay-credentials",
        ["relay"],
        `has username ${show(relay.username)} but no password or passwordEnv`,
      );
    } else if (relay.username === undefined && sources.length === 1) {
      r.report("relay-credentials", ["relay"], `has ${sources[0]} but no username`);
    }
  }

  const f = effectiveFeatures(spec);
  const feature: Record<keyof MailServerSpec["services"], [boolean, string]> = {
    smtp: [true, ""],
    submissions: [true, ""],
    submission: [true, ""],
    imap: [f.imap, f.smtpOnly ? "features.smtpOnly is on" : "features.imap is off"],
    imaps: [f.imap, f.smtpOnly ? "features.smtpOnly is on" : "features.imap is off"],
    pop3: [f.pop3, "features.pop3 is off"],
    pop3s: [f.pop3, "features.pop3 is off"],
    managesieve: [
      f.managesieve,
      f.smtpOnly ? "features.smtpOnly is on" : "features.managesieve is off",
    ],
  };
  for (const name of Object.keys(feature).sort(cmp) as (keyof typeof feature)[]) {
    const exposure = spec.services[name];
    if (exposure === undefined || exposure.expose === "off") continue;
    const [on, why] = feature[name];
    if (!on) {
      r.report(
        "service-feature-off",
        ["services", name, "expose"],
        `is ${show(exposure.expose)} but ${why}, so the port stays closed`,
      );
    }
  }
  const smtp = spec.services.smtp;
  if (smtp !== undefined && smtp.expose !== "public") {
    r.report(
      "smtp-not-public",
      ["services", "smtp", "expose"],
      `is ${show(smtp.expose)}: other servers deliver mail on port 25, so this server receives none from the internet`,
    );
  }
}
