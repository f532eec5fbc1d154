/**
 * Validation of Kubernetes objects against the OpenAPI schema of a current Kubernetes release
 * (`kubernetes-models`, generated from the upstream OpenAPI documents; it carries the 1.34 APIs
 * such as `PodCertificateProjection`) and of cert-manager's CRDs (`@kubernetes-models/cert-manager`).
 * Both packages are ESM-only, hence the dynamic imports.
 */
import type { KubernetesObject } from "../../src/providers/host/kubernetes";

interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Where the model class of each apiVersion lives. */
const MODULES: Readonly<Record<string, string>> = {
  v1: "kubernetes-models/v1",
  "apps/v1": "kubernetes-models/apps/v1",
  "batch/v1": "kubernetes-models/batch/v1",
  "networking.k8s.io/v1": "kubernetes-models/networking.k8s.io/v1",
  "cert-manager.io/v1": "@kubernetes-models/cert-manager/cert-manager.io/v1",
};

/**
 * The schema errors of `object` (empty when valid). An apiVersion or kind without a model is an
 * error too: an object this cannot check must not pass silently.
 */
export async function schemaErrors(object: KubernetesObject): Promise<string[]> {
  const where = `${object.kind} ${object.metadata?.name}`;
  const path = MODULES[object.apiVersion];
  if (path === undefined) return [`${where}: no schema for apiVersion ${object.apiVersion}`];
  const mod = (await import(path)) as Record<string, ModelClass | undefined>;
  const Cls = mod[object.kind];
  if (Cls === undefined) return [`${where}: no schema for kind ${object.kind}`];
  try {
    new Cls(object).validate();
    return [];
  } catch (e) {
    return [`${where}: ${(e as Error).message}`];
  }
}

/** The schema errors of every object. */
export async function allSchemaErrors(objects: readonly KubernetesObject[]): Promise<string[]> {
  const out: string[] = [];
  for (const o of objects) out.push(...(await schemaErrors(o)));
  return out;
}
