/**
 * `dmsctl plan --format kubernetes`: the Kubernetes objects of the plan (the same translation the
 * `KubernetesMailServer` component registers) as multi-document YAML, for `kubectl apply`, Argo CD
 * or Flux. Printed, the Secret's values are {@link REDACTED}; `dmsctl plan --out` writes the
 * complete file (mode 0600).
 */
import { yaml } from "../../spec/yaml";
import type { MailServerSpec } from "../../spec/schema";
import { kubernetesObjects, type KubernetesObject } from "../../providers/host/kubernetes";
import type { Plan } from "../types";
import { REDACTED } from "./json";

/** The base name of the objects `dmsctl` prints. */
export const DEFAULT_KUBERNETES_NAME = "mailserver";

/** Options of {@link renderKubernetes}. */
export interface KubernetesRenderOptions {
  /** Base of every object's name. @default "mailserver" */
  readonly name?: string;
  /** Print the Secret's values (for a file written mode 0600) or redact them. @default false */
  readonly includeSecrets?: boolean;
}

function redacted(o: KubernetesObject): KubernetesObject {
  if (o.kind !== "Secret") return o;
  const data = (o["stringData"] ?? {}) as Record<string, string>;
  return {
    ...o,
    stringData: Object.fromEntries(Object.keys(data).map((k) => [k, REDACTED])),
  };
}

/**
 * The objects as YAML documents separated by `---`, in apply order. Multi-line file contents are
 * literal blocks, so the config files read as they are on disk. Deterministic: same plan, same
 * bytes.
 */
export function renderKubernetes(
  plan: Plan,
  spec: MailServerSpec,
  options: KubernetesRenderOptions = {},
): string {
  const objects = kubernetesObjects(plan, spec, {
    name: options.name ?? DEFAULT_KUBERNETES_NAME,
  });
  return objects
    .map((o) => (options.includeSecrets === true ? o : redacted(o)))
    .map((o) => yaml().stringify(o, { lineWidth: 0, blockQuote: "literal" }))
    .join("---\n");
}
