/**
 * The DKIM rotation guard of `KubernetesMailServer` as a plain Job object (pure, like
 * ./objects.ts): a one-shot pod of the DMS image that mounts the live signing files from the
 * startup ConfigMap (`optional`, so a first deploy, with no ConfigMap yet, mounts nothing) at the
 * paths the mail pod sees them, reads which selector signs each DKIM domain now, and fails with
 * the `dkim-rotation-one-step` finding when the spec switches in one step.
 *
 * Why the verdict is taken in the pod, unlike `MailServer`'s (which reads the guard's logs in an
 * `apply`): `@pulumi/kubernetes` exposes no pod logs or termination message as an output, so the
 * only result the program sees is the Job's success or failure. The message is the shared finding
 * (`oneStepSwitch`, rendered here with a placeholder for the previous selector, which only the
 * pod knows) written to the container's termination message, which the provider's Job await
 * adds to its error (its pod aggregator reports a terminated container's `message`:
 * provider/pkg/await/job.go and states/pod.go in pulumi/pulumi-kubernetes; read in the source,
 * not run against a cluster here). `kubectl logs job/<name>-dkim-rotation-guard` shows it too. The reading of the two files is an `awk`
 * rendition of ../../../dms/dkim-signing.ts, and test/providers/kubernetes-rotation-guard.test.ts
 * checks both agree on generated files.
 */
import type { MailServerSpec } from "../../../spec/schema";
import type { Plan } from "../../../plan/types";
import { retiringSelectors } from "../../../spec/derived";
import { formatFinding } from "../../../spec/findings";
import { CONFIG_DIR } from "../../../dms/files";
import { RSPAMD_SIGNING_FILE, SIGNING_TABLE_FILE, oneStepSwitch } from "../../../dms/dkim-signing";
import { configKey, objectNames, type KubernetesObject } from "./objects";
import { kubernetesSettings } from "./settings";

/** Stands for the previous selector in the message templates; substituted in the pod. */
export const PREVIOUS_PLACEHOLDER = "@previous@";

/** A POSIX sh single-quoted literal. */
function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The pod's script: for each DKIM domain, the selector that signs now (OpenDKIM's table first,
 * then rspamd's config, as `signingSelector`); a selector that is neither the signing one nor a
 * retiring one is a one-step switch. Each refusal goes to the termination message (and stdout),
 * and the script exits 1; otherwise it prints `allowed` and exits 0.
 */
export function rotationGuardScript(what: string, spec: Pick<MailServerSpec, "domains">): string {
  const checks = spec.domains.flatMap((d, i) => {
    if (!d.dkim.enabled) return [];
    const f = oneStepSwitch(spec, i, PREVIOUS_PLACEHOLDER)!;
    const allowed = [d.dkim.selector, ...retiringSelectors(d.dkim)].join(" ");
    const remedy = `  fix: ${f.remediation}`;
    return [
      `check ${quote(d.name)} ${quote(allowed)} ${quote(`  ${formatFinding(f)}\n${remedy}`)}`,
    ];
  });
  return [
    "set -eu",
    `st=${CONFIG_DIR}/${SIGNING_TABLE_FILE}`,
    `rc=${CONFIG_DIR}/${RSPAMD_SIGNING_FILE}`,
    "out=/dev/termination-log",
    '[ -w "$out" ] || out=/dev/null',
    "previous() {",
    '  p=""',
    '  if [ -f "$st" ]; then',
    `    p=$(awk -v who="*@$1" -v suf="._domainkey.$1" '$1 == who && length($2) > length(suf) && substr($2, length($2) - length(suf) + 1) == suf { print substr($2, 1, length($2) - length(suf)); exit }' "$st")`,
    "  fi",
    '  if [ -z "$p" ] && [ -f "$rc" ]; then',
    `    p=$(awk -v dom="$1" '{ line = $0; sub(/^[ \\t]+/, "", line) } !inb && index(line, dom) == 1 && substr(line, length(dom) + 1) ~ /^[ \\t]*[{]/ { inb = 1; line = substr(line, length(dom) + 1) } inb && match(line, /selector[ \\t]*=[ \\t]*"[^"]+"/) { s = substr(line, RSTART, RLENGTH); sub(/^[^"]*"/, "", s); sub(/"$/, "", s); print s; exit } inb && index(line, "}") { inb = 0 }' "$rc")`,
    "  fi",
    "  printf '%s' \"$p\"",
    "}",
    "refused=0",
    "check() {",
    '  p=$(previous "$1")',
    '  [ -n "$p" ] || return 0',
    '  for a in $2; do [ "$p" = "$a" ] && return 0; done',
    // Only a selector-shaped value goes into the message (and into sed).
    '  case "$p" in *[!a-z0-9-]*) p="(unreadable)" ;; esac',
    '  if [ "$refused" = 0 ]; then',
    `    printf '%s\\n' ${quote(`${what}: DKIM signing does not switch:`)} | tee -a "$out"`,
    "  fi",
    `  printf '%s\\n' "$3" | sed "s/${PREVIOUS_PLACEHOLDER}/$p/g" | tee -a "$out"`,
    "  refused=1",
    "}",
    ...checks,
    'if [ "$refused" != 0 ]; then',
    `  printf '%s\\n' ${quote("Nothing was applied to the ConfigMaps, the Secret or the StatefulSet, and the old selector's key and record are kept; a new selector's record may already be published, which is harmless.")} | tee -a "$out"`,
    "  exit 1",
    "fi",
    "echo allowed",
  ].join("\n");
}

/** The guard Job (see the file comment), or undefined when no domain has DKIM. */
export function rotationGuardJob(
  what: string,
  plan: Plan,
  spec: MailServerSpec,
  name: string,
): KubernetesObject | undefined {
  if (!spec.domains.some((d) => d.dkim.enabled)) return undefined;
  const settings = kubernetesSettings(spec);
  const names = objectNames(name);
  // Not the mail pod's selector labels: a Service would route to this pod, and the StatefulSet
  // would adopt it.
  const labels = {
    "app.kubernetes.io/name": "docker-mailserver-dkim-rotation-guard",
    "app.kubernetes.io/instance": name,
    "app.kubernetes.io/managed-by": "pulumi-docker-mailserver",
  };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${name}-dkim-rotation-guard`, namespace: settings.namespace, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          containers: [
            {
              name: "guard",
              image: plan.container.image,
              command: ["/bin/sh", "-c", rotationGuardScript(what, spec)],
              terminationMessagePolicy: "File",
              volumeMounts: [{ name: "config", mountPath: CONFIG_DIR, readOnly: true }],
            },
          ],
          volumes: [
            {
              name: "config",
              projected: {
                sources: [
                  {
                    configMap: {
                      name: names.configStartup,
                      optional: true,
                      items: [SIGNING_TABLE_FILE, RSPAMD_SIGNING_FILE].map((path) => ({
                        key: configKey(path),
                        path,
                      })),
                    },
                  },
                ],
              },
            },
          ],
        },
      },
    },
  };
}
