/**
 * DKIM rotation in the components. `MailServer` and `KubernetesMailServer` keep one key per
 * selector and switch signing after the new record is published (./mail-server/publish-wait.ts),
 * and say when a retiring selector's overlap is over. `MailDomain` publishes records for a server
 * it does not configure: it never switches signing, so it cannot order the switch after the
 * record. It refuses `dkim.retiring` rather than publish retiring records whose keys it never held.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MailServerSpec } from "../spec/schema";
import { retiringDays, retiringEntries } from "../spec/derived";

/**
 * Logs a warning for each retiring selector whose overlap is over (`since` more than
 * `dkim.retireAfterDays` days ago, as `dmsctl verify`'s `dkim-retiring-overdue` counts), and
 * returns the messages. Only logged, never an output or input: today's date must not reach the
 * state, or a second `pulumi up` a day later would show a change.
 */
export function warnOverdueRetiring(
  what: string,
  spec: Pick<MailServerSpec, "domains">,
  resource: pulumi.Resource,
  now: Date = new Date(),
): string[] {
  const messages: string[] = [];
  spec.domains.forEach((d, i) => {
    if (!d.dkim.enabled) return;
    retiringEntries(d.dkim).forEach((e, k) => {
      if (e.since === undefined) return;
      const days = retiringDays(e.since, now);
      if (days <= d.dkim.retireAfterDays) return;
      messages.push(
        `${what}: domains[${i}].dkim.retiring[${k}]: ${e.selector} has been retiring since ${e.since}, ${days} days (dkim.retireAfterDays: ${d.dkim.retireAfterDays}): the overlap is over; remove it from retiring and run pulumi up, which deletes its record and key (docs/dkim-rotation.md)`,
      );
    });
  });
  for (const m of messages) void pulumi.log.warn(m, resource);
  return messages;
}

/** Throws when a domain declares retiring selectors (see the file comment). */
export function refuseRetiringSelectors(
  what: string,
  spec: Pick<MailServerSpec, "domains">,
  parent: pulumi.Resource,
  rename: (path: string) => string = (p) => p,
): void {
  const paths = spec.domains.flatMap((d, i) =>
    d.dkim.retiring.length > 0 ? [rename(`domains[${i}].dkim.retiring`)] : [],
  );
  if (paths.length === 0) return;
  throw new pulumi.ResourceError(
    `${what}: ${paths.join(", ")}: MailDomain does not rotate DKIM keys (it does not configure the server that signs); rotate with MailServer, KubernetesMailServer or dmsctl plan --out (docs/dkim-rotation.md), or leave retiring empty`,
    parent,
  );
}
