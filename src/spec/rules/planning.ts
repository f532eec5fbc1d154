/**
 * Ids reported while planning (`planMailServer`): by the records planner (`plan/records.ts`) and
 * the cloud warnings (`plan/warnings.ts`). They land in `Plan.warnings`.
 */
import { ruleGroup } from "./context";

/** Planning the records and the host. */
export const PLANNING_RULES = ruleGroup({
  reportedBy: "planning (`planMailServer`)",
  rules: {
    "mta-sts-policy-https": {
      level: "warn",
      summary:
        "MTA-STS is declared: besides the `_mta-sts` record, the policy must be served over HTTPS at `https://mta-sts.<domain>/.well-known/mta-sts.txt`, or senders ignore it.",
      remediation:
        "Serve the policy text from the plan (`mtaStsPolicies`) at that URL, with a certificate valid for `mta-sts.<domain>`.",
    },
    "dmarc-report-external": {
      level: "info",
      summary:
        "DMARC reports go to a domain this spec does not manage, which must consent with TXT `v=DMARC1` at `<domain>._report._dmarc.<target>` (RFC 7489 §7.1).",
      remediation:
        "Have the target domain publish that record, or send reports to a domain declared here.",
    },
    "hostname-zone-unmanaged": {
      level: "warn",
      summary:
        "The hostname is in no declared domain, so its A/AAAA and HELO SPF records are planned in a zone file for its parent zone.",
      remediation:
        "Publish that zone's records at its DNS host, or add the domain that holds the hostname to `domains`.",
    },
    "host-address-unknown": {
      level: "warn",
      summary:
        "Neither `ipv4` nor `ipv6` is given, so no A/AAAA record is planned for the host the MX records point to.",
      remediation:
        "Set ipv4 (and ipv6 when the host has one), or publish the address records elsewhere.",
    },
    "dkim-generated-at-deploy": {
      level: "info",
      summary:
        "No DKIM key is supplied: the key is generated at deploy, and the planned TXT shows a placeholder.",
      remediation: "Give dkim.privateKeyFile (dmsctl) or dkim.privateKey to plan the real value.",
    },
    "port25-cloud-blocked": {
      level: "warn",
      summary:
        "The spec names a cloud that blocks outbound port 25 and sets no relay, so the server receives mail but cannot deliver any.",
      remediation:
        "Ask the provider to lift the block, or set `relay` (a smarthost on port 587); check the host with `dmsctl probe-port25`.",
    },
  },
});
