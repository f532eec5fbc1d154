/**
 * Publish before sign, in the components: the config change that switches DKIM signing waits for
 * the signing selectors' records. Two parts: `dependsOn` on the record resources (the engine
 * creates them first) and, while a domain rotates (`dkim.retiring` is not empty), a bounded wait
 * until every authoritative server of the zone answers the new record (../../net/publish-wait.ts).
 *
 * The wait is an `apply` over the records' ids: under `pulumi preview` it never runs (a new
 * record's id is unknown, and a known one is skipped as a dry run), so previews do no DNS; under
 * `pulumi up` it runs once the records exist, and the config writer (or the Kubernetes objects)
 * receive their inputs only after it resolves. Zones no Pulumi resource publishes (`zonefile`) are
 * not waited for: the user publishes those (docs/dkim-rotation.md).
 */
import * as pulumi from "@pulumi/pulumi";
import type { RecordBinding } from "../../providers/dns/types";
import { waitUntilPublished } from "../../net/publish-wait";

/** How the signing switch waits for the new selector's record (`dkimPublishWait`). */
export interface DkimPublishWaitArgs {
  /**
   * Wait, during a rotation, until every authoritative server answers the signing selector's
   * record. Turn off when the deploying machine cannot reach the zone's servers. @default true
   */
  readonly enabled?: boolean;
  /** The bound; the update fails past it, naming each server still missing the record. @default 600 */
  readonly timeoutSeconds?: number;
  /** The resolver (`host:port`) that finds the zone's NS and their addresses. @default the system's */
  readonly resolver?: string;
  /** The port the zone's authoritative servers listen on. @default 53 */
  readonly nameserverPort?: number;
}

/** The default bound of the wait, in seconds. */
export const DKIM_PUBLISH_WAIT_SECONDS = 600;

/**
 * An Output that resolves after the wait (or at once when there is nothing to wait for), to
 * fold into the inputs of what switches signing.
 *
 * @param bindings the signing selectors' DKIM records of the rotating domains, in zones a
 *   resource publishes.
 * @param resources those records' resources.
 */
export function signingGate(
  what: string,
  bindings: readonly RecordBinding[],
  resources: readonly pulumi.Resource[],
  options: DkimPublishWaitArgs | undefined,
): pulumi.Output<string> {
  if (bindings.length === 0 || options?.enabled === false) return pulumi.output("no wait");
  const ids = resources.map((r) => (r instanceof pulumi.CustomResource ? r.id : r.urn));
  const values = bindings.map((b) => pulumi.all([...b.values]));
  return pulumi.all([pulumi.all(ids), pulumi.all(values)]).apply(async ([, vals]) => {
    if (pulumi.runtime.isDryRun()) return "preview";
    const records = bindings.map((b, i) => ({
      zone: b.record.zone,
      name: b.record.name,
      value: vals[i]!.join(""),
    }));
    const timeoutSeconds = options?.timeoutSeconds ?? DKIM_PUBLISH_WAIT_SECONDS;
    try {
      const { seconds } = await waitUntilPublished(records, {
        timeoutSeconds,
        ...(options?.resolver !== undefined ? { resolver: options.resolver } : {}),
        ...(options?.nameserverPort !== undefined
          ? { nameserverPort: options.nameserverPort }
          : {}),
      });
      await pulumi.log.info(
        `${what}: ${records.map((r) => r.name).join(", ")} answered by every authoritative server after ${seconds} s; switching DKIM signing`,
      );
      return "published";
    } catch (err) {
      throw new Error(
        `${what}: DKIM signing does not switch: the new selector's record is ${(err as Error).message}. ` +
          "Signing with it now would fail DKIM at every receiver that cannot find it. Check the zone's servers and run pulumi up again " +
          `(or raise dkimPublishWait.timeoutSeconds, ${timeoutSeconds} s now; dkimPublishWait.enabled: false skips the wait)`,
      );
    }
  });
}
