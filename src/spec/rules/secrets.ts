/**
 * Ids reported while reading the secrets a spec names rather than holds: by `../secret-sources.ts`
 * (for `dmsctl` and the components alike) and by `dmsctl` when it hashes passwords and reads DKIM
 * keys for a plan.
 */
import { ruleGroup } from "./context";

/** Reading and preparing secrets. */
export const SECRET_RULES = ruleGroup({
  reportedBy: "reading secrets (`dmsctl`; the components for env variables and key files)",
  rules: {
    "secret-env-missing": {
      level: "error",
      summary:
        "An environment variable the spec names for a secret (`passwordEnv`, `relay.passwordEnv`) is unset or empty.",
      remediation:
        "Export the variable where `dmsctl` or `pulumi up` runs, or give the secret another way.",
    },
    "dkim-key-unreadable": {
      level: "error",
      summary: "A DKIM key file (`dkim.privateKeyFile`) cannot be read.",
      remediation:
        "Check the path and its permissions; a relative path is read from the spec file's directory (`dmsctl`) or the Pulumi program's working directory.",
    },
    "dkim-key-invalid": {
      level: "error",
      summary: "A DKIM private key is not a usable RSA key, so no public key can be published.",
      remediation: "Supply an RSA private key in PEM form, e.g. from `openssl genrsa 2048`.",
    },
    "password-unhashable": {
      level: "error",
      summary: "A password cannot be hashed with SHA512-CRYPT (e.g. it is too long).",
      remediation: "Shorten the password named, or give a ready hash in `passwordHash`.",
    },
    "secret-plaintext-in-file": {
      level: "warn",
      summary:
        "A spec file holds a plain-text secret (`password`, `relay.password`, `dkim.privateKey`).",
      remediation:
        "Use `passwordEnv`, `relay.passwordEnv` or `dkim.privateKeyFile` instead, and keep the spec file out of version control until then.",
    },
  },
});
