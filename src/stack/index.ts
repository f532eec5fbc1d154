/**
 * Entry point of the root `Pulumi.yaml`: a mail server described entirely by stack config (see
 * `./program.ts`). The exports are the stack outputs; none holds a secret.
 */
import { mailServerFromConfig } from "./program";

const mail = mailServerFromConfig();

/** Every DNS record with its final value. */
export const records = mail.records;
/** Zone file text per zone (for zones published as zone files, and for review). */
export const zoneFiles = mail.zoneFiles;
/** How mail clients connect, per account. */
export const clientSettings = mail.clientSettings;
/** Which service is reachable where. */
export const ports = mail.ports;
/** The PTR each address should have. */
export const ptr = mail.ptr;
/** An nftables ruleset for a plain VPS. */
export const nftablesRuleset = mail.nftablesRuleset;
/** Validation, plan and provider warnings. */
export const warnings = mail.warnings;
