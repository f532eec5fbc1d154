/**
 * Ids reported outside the rule pass while reading input: by `../load.ts` (the file: YAML or JSON
 * syntax, duplicate keys, several documents), by `../validate.ts` from the zod schema's issues,
 * and when validation itself fails.
 */
import { ruleGroup } from "./context";

/** Reading the spec file (`parseSpecText`, `loadSpecFile`). */
export const LOADING_RULES = ruleGroup({
  rules: {
    "spec-read": {
      level: "error",
      summary: "The spec file cannot be read.",
      remediation: "Check the path and the file's permissions.",
    },
    "spec-syntax": {
      level: "error",
      summary: "The spec file is not valid YAML or JSON.",
      remediation: "Fix the syntax at the line and column named.",
    },
    "spec-duplicate-key": {
      level: "error",
      summary: "A key appears twice in one mapping; YAML would silently keep only one.",
      remediation: "Remove or merge the duplicate key.",
    },
    "spec-multiple-documents": {
      level: "error",
      summary: "The spec file holds several YAML documents (`---`).",
      remediation: "Keep one document per spec file.",
    },
    "spec-empty": {
      level: "error",
      summary: "The spec file is empty.",
      remediation: "Write a spec: at least `hostname` and `domains`.",
    },
    "spec-yaml-warning": {
      level: "warn",
      summary:
        "The YAML parser warns, e.g. about an unknown tag (`!foo`), which is read as plain text.",
      remediation: "Remove the tag or other construct named.",
    },
  },
});

/** The zod schema's issues, mapped to ids by `../validate.ts`. */
export const SCHEMA_RULES = ruleGroup({
  rules: {
    "schema-required": {
      level: "error",
      summary: "A required field is missing.",
      remediation: "Add the field; `docs/spec.md` and the JSON Schema list the required keys.",
    },
    "schema-type": {
      level: "error",
      summary:
        "A field has the wrong type (a number where text is expected, a list for a mapping).",
      remediation:
        "Write the value in the expected type; quote YAML values that look like numbers or booleans.",
    },
    "schema-format": {
      level: "error",
      summary: "A text field does not match its format (domain name, address, IP, CIDR, size).",
      remediation: "Write the value in the format the message names.",
    },
    "schema-value": {
      level: "error",
      summary: "A field holds a value outside its fixed set of choices.",
      remediation: "Use one of the values the message lists.",
    },
    "schema-range": {
      level: "error",
      summary: "A number, text or list is too small or too large (TTL, pct, port, empty list).",
      remediation: "Bring the value within the bounds the message names.",
    },
    "schema-unknown-key": {
      level: "error",
      summary: "A key the spec does not know, usually a typo.",
      remediation:
        "Remove the key or fix its spelling (the message suggests the closest known key).",
    },
    "schema-invalid": {
      level: "error",
      summary: "A value the schema rejects for another reason.",
      remediation: "Correct the value as the message says.",
    },
    "hostname-fqdn": {
      level: "error",
      summary:
        "The hostname is not a lowercase fully qualified domain name; docker-mailserver refuses to start without one.",
      remediation:
        "Use the FQDN your MX points to, such as `mail.example.com` (docs/dms-contract.md#hostname).",
    },
    "quota-syntax": {
      level: "error",
      summary: "A quota is not `0` or a whole number with a unit B, k, M, G or T.",
      remediation:
        "Write e.g. `512M`, `5G` or `0` (unlimited); `GB`, `1.5G` and spaces are refused by DMS.",
    },
  },
});

/** Validation failing unexpectedly (`validateSpec` never throws). */
export const INTERNAL_RULES = ruleGroup({
  rules: {
    "internal-error": {
      level: "error",
      summary: "Validation itself failed; this is a bug in pulumi-docker-mailserver.",
      remediation: "Report it with the spec that caused it (secrets removed).",
    },
  },
});
