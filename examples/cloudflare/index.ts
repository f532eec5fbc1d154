/**
 * A mail server whose domains publish their DNS on Cloudflare. Every record is created with
 * `proxied: false` (Cloudflare's proxy carries HTTP only, never SMTP or IMAP).
 *
 *   pulumi config set mailIpv4 203.0.113.25
 *   pulumi config set zoneId <cloudflare zone id of example.com>
 *   pulumi config set --secret alicePassword '<password>'
 *   pulumi config set --secret cloudflare:apiToken '<token with DNS edit>'
 */
import * as pulumi from "@pulumi/pulumi";
import { MailServer } from "pulumi-docker-mailserver";

const config = new pulumi.Config();

const mail = new MailServer("mail", {
  hostname: "mail.example.com",
  ipv4: config.require("mailIpv4"),
  domains: [
    {
      name: "example.com",
      dns: { provider: "cloudflare", zoneId: config.require("zoneId") },
      dmarc: { policy: "quarantine", rua: ["mailto:dmarc@example.com"] },
      autoconfig: true,
    },
  ],
  accounts: [
    {
      address: "alice@example.com",
      password: config.requireSecret("alicePassword"),
      aliases: ["postmaster@example.com", "dmarc@example.com"],
    },
  ],
  // The reverse zone of the host's /24, if you host it on Cloudflare; else omit (expected only).
  ...(config.get("reverseZoneId") !== undefined
    ? { ptr: { kind: "cloudflare" as const, zoneId: config.require("reverseZoneId") } }
    : {}),
});

export const records = mail.records;
export const clientSettings = mail.clientSettings;
export const ptr = mail.ptr;
export const warnings = mail.warnings;
