/**
 * The DKIM rotation guard of `MailServer` (docs/dkim-rotation.md): refuses a one-step selector
 * switch (`dkim-rotation-one-step`, the rule `dmsctl plan --out` applies) by reading which
 * selector signs now from the config volume itself, before the config writer runs.
 *
 * A one-shot container of the DMS image mounts the config volume read-only and prints the signing
 * files (only the lines that name selectors, ../../dms/dkim-signing.ts). An `apply` over its logs
 * decides with the same function as the CLI and throws on a one-step switch; that Output is folded
 * into the writer's uploads, so the writer never receives its inputs and nothing is written.
 *
 * Why a refusal leaves the old selector alone: its key (`tls.PrivateKey`) and its TXT record are
 * resources the program no longer registers, and the engine deletes such resources only after
 * the program has finished without error (`performDeletes` runs when the source iterator ends,
 * and an error from the program bails out before it: `deploymentExecutor.Execute` in
 * pulumi/pulumi, pkg/resource/deploy/deployment_executor.go). The error thrown here fails the
 * program, so those deletes are never reached. The new selector's key and record may already be
 * created by then (they do not wait for the guard): a published record nothing signs with is
 * harmless, and the next `up` keeps them.
 *
 * It also checks each retiring selector's key: the listing carries the SHA-256 of every key file's
 * public key, and the key the component holds for a retiring selector must be one of them
 * (`dkim-retiring-key-missing`, `dkim-retiring-key-mismatch`). A component generates the key of a
 * retiring selector it never held (an adopted key dropped from the spec, a selector that never
 * signed here), and publishing that key would fail the mail the selector really signed.
 *
 * When it runs: its inputs hold the signing and retiring selectors of every DKIM domain (a
 * label), and any change replaces it (`replaceOnChanges`), so it reads the volume again exactly
 * when the selectors change; with unchanged selectors its logs in state are the ones the same
 * selectors were judged against. It is gated like the writer (`runOnceGate`): a listing that
 * failed fails the guard's create and the next `up` runs it again. During `pulumi preview` it
 * decides nothing: a replaced guard's logs are unknown, and a kept guard's are those of its last
 * run.
 */
import * as pulumi from "@pulumi/pulumi";
import * as docker from "@pulumi/docker";
import type { MailServerSpec } from "../../spec/schema";
import { retiringSelectors } from "../../spec/derived";
import { cmp, formatFinding } from "../../spec/findings";
import type { DkimKeyMaterial } from "../../spec/material";
import {
  oneStepSwitches,
  publicKeyFingerprint,
  retiringKeyProblems,
  signingFilesFromListing,
  signingFilesScript,
  type SigningFiles,
} from "../../dms/dkim-signing";
import { CONFIG_DIR, READY_HANDSHAKE, runOnceGate } from "../../providers/host/docker";

/** How long the guard's create waits for its handshake: it lists two small files. */
export const GUARD_WAIT_SECONDS = 60;

/** The label holding the selectors the guard judges (its trigger). */
export const GUARD_SELECTORS_LABEL = "dms.dkim-rotation-guard.selectors";

/**
 * The selectors the guard judges, as a deterministic string: each DKIM domain with its signing
 * selector and sorted retiring selectors, in domain order. No secret.
 */
export function guardSelectors(spec: Pick<MailServerSpec, "domains">): string {
  const rows = spec.domains
    .filter((d) => d.dkim.enabled)
    .map((d) => [d.name, d.dkim.selector, [...retiringSelectors(d.dkim)].sort(cmp)] as const)
    .sort((a, b) => cmp(a[0], b[0]));
  return JSON.stringify(rows);
}

/**
 * The verdict on the guard's logs: `undefined` when nothing is refused, else the error message
 * (the findings, the remedy, and what the refusal leaves).
 */
export function guardVerdict(
  what: string,
  spec: Pick<MailServerSpec, "domains">,
  logs: string,
  held?: ReadonlyMap<string, string>,
): string | undefined {
  let files: SigningFiles;
  try {
    files = signingFilesFromListing(logs);
  } catch (err) {
    // Only a guard whose output did not reach the state (its script fails before the run-once
    // handshake otherwise): judging nothing could let a one-step switch through.
    return `${what}: DKIM signing does not switch: the DKIM rotation guard's output is unusable (${(err as Error).message}); run \`pulumi up\` again, with \`--replace\` on the guard container if this repeats. Nothing was written to the config volume.`;
  }
  const findings = [
    ...oneStepSwitches(spec, files),
    ...(held !== undefined ? retiringKeyProblems(spec, files, held) : []),
  ];
  if (findings.length === 0) return undefined;
  return [
    `${what}: DKIM signing does not switch: ${findings.length} problem${findings.length === 1 ? "" : "s"}:`,
    ...findings.map((f) => `  ${formatFinding(f)}`),
    `  fix: ${findings[0]!.remediation}`,
    "Nothing was written to the config volume, and the old selector's key and record are kept; a new selector's record may already be published, which is harmless.",
  ].join("\n");
}

/** The guard and the Output to fold into the writer's inputs. */
export interface RotationGuard {
  readonly container: docker.Container;
  /** Resolves when the switch is allowed (or during preview); throws when it is refused. */
  readonly verdict: pulumi.Output<string>;
}

/** The guard (see the file comment), or undefined when no domain signs with DKIM. */
export function rotationGuard(
  parent: pulumi.ComponentResource,
  what: string,
  name: string,
  spec: MailServerSpec,
  image: docker.RemoteImage,
  configVolume: docker.Volume,
  retiring?: pulumi.Output<Readonly<Record<string, DkimKeyMaterial>>>,
): RotationGuard | undefined {
  if (!spec.domains.some((d) => d.dkim.enabled)) return undefined;
  const container = new docker.Container(
    `${name}-dkim-rotation-guard`,
    {
      image: image.imageId,
      entrypoints: ["/bin/sh", "-c"],
      command: [`${signingFilesScript(CONFIG_DIR)}\n${READY_HANDSHAKE}`],
      volumes: [{ volumeName: configVolume.name, containerPath: CONFIG_DIR, readOnly: true }],
      attach: true,
      logs: true,
      // A TTY makes the log stream raw: without one Docker frames each write with a binary
      // header, which the provider keeps in `containerLogs` (the parser tolerates it too).
      tty: true,
      mustRun: false,
      restart: "no",
      ...runOnceGate(GUARD_WAIT_SECONDS),
      labels: [
        { label: "dms.role", value: "dkim-rotation-guard" },
        { label: GUARD_SELECTORS_LABEL, value: guardSelectors(spec) },
      ],
    },
    { parent, replaceOnChanges: ["*"] },
  );
  // The retiring keys' public halves, as fingerprints (secret only because the material is). A
  // plain record, not a Map: an Output's value is unwrapped property by property.
  const held = (retiring ?? pulumi.output({} as Record<string, DkimKeyMaterial>)).apply((keys) =>
    Object.fromEntries(
      Object.entries(keys).map(([id, k]) => [id, publicKeyFingerprint(k.publicKeyBase64)]),
    ),
  );
  const verdict = pulumi.all([container.containerLogs, held]).apply(([logs, fingerprints]) => {
    if (pulumi.runtime.isDryRun()) return "preview";
    const refused = guardVerdict(what, spec, logs ?? "", new Map(Object.entries(fingerprints)));
    if (refused !== undefined) throw new pulumi.ResourceError(refused, parent);
    return "allowed";
  });
  return { container, verdict };
}
