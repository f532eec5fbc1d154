/**
 * Kubernetes: the plan as plain Kubernetes objects (pure, no `@pulumi` import), shared by the
 * `KubernetesMailServer` component and `dmsctl plan --format kubernetes`.
 *
 * @packageDocumentation
 */
export * from "./settings";
export * from "./objects";
