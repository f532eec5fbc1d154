/**
 * DKIM rotation in the components. Not yet implemented: keeping one key per selector in state,
 * the signing switch depending on the new selector's records and the wait for the authoritative
 * servers. Until then a spec with `dkim.retiring` is refused outright, because the DNS binding
 * would otherwise put the signing key's `p=` into the retiring selectors' records.
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
    `${what}: ${paths.join(", ")}: DKIM rotation (dkim.retiring) is not supported by the components yet; rotate with dmsctl plan --out (docs/dkim-rotation.md), or leave retiring empty`,
    parent,
  );
}
