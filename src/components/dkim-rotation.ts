/**
 * DKIM rotation and `MailDomain`: `MailServer` and `KubernetesMailServer` keep one key per
 * selector and switch signing after the new record is published (./mail-server/publish-wait.ts),
 * but `MailDomain` publishes records for a server it does not configure: it never switches
 * signing, so it cannot order the switch after the record. It refuses `dkim.retiring` rather
 * than publish retiring records whose keys it never held.
 */
import * as pulumi from "@pulumi/pulumi";
import type { MailServerSpec } from "../spec/schema";

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
