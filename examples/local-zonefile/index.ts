/**
 * A mail server on the local Docker engine with zone-file DNS: no cloud account needed. The spec
 * is `mailserver.yaml` beside this file (the same file `dmsctl plan` reads); the zone files are
 * stack outputs to load into whatever DNS hosts the domains.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  MailServer,
  parseSpecText,
  formatFinding,
  type MailServerArgs,
} from "pulumi-docker-mailserver";

const file = path.join(__dirname, "mailserver.yaml");
const parsed = parseSpecText(fs.readFileSync(file, "utf8"), "mailserver.yaml");
const errors = parsed.findings.filter((f) => f.level === "error");
if (errors.length > 0) throw new Error(errors.map(formatFinding).join("\n"));

const mail = new MailServer("mail", parsed.value as MailServerArgs);

export const zoneFiles = mail.zoneFiles;
export const clientSettings = mail.clientSettings;
export const ports = mail.ports;
export const ptr = mail.ptr;
export const nftablesRuleset = mail.nftablesRuleset;
export const warnings = mail.warnings;
