/**
 * Entry point of the root `Pulumi.yaml`: a mail server described entirely by stack config (see
 * `./program.ts`), on Docker or Kubernetes as its spec's `platform.kind` says. The exports are the
 * stack outputs; none holds a secret. `nftablesRuleset` is absent on Kubernetes.
 */
import * as pulumi from "@pulumi/pulumi";
import { MailServer } from "../components/mail-server";
import { serverFromConfig } from "./program";

const mail = serverFromConfig();
const docker = mail instanceof MailServer ? mail : undefined;

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
/** An nftables ruleset for a plain VPS. Docker only (a NetworkPolicy guards the pod). */
export const nftablesRuleset = docker?.nftablesRuleset ?? pulumi.output(undefined);
/** Validation, plan and provider warnings. */
export const warnings = mail.warnings;
