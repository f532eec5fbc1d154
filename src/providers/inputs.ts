/**
 * Cheap transformations of Pulumi Inputs, shared by the DNS adapters and the components.
 *
 * Why this exists: every Output costs about a dozen promises and a Proxy, and the obvious spellings
 * build more of them than needed (`pulumi.output(o)` on an Output `o` builds two, so
 * `pulumi.output(o).apply(f)` builds three where `o.apply(f)` builds one). A 1,000-domain server
 * binds thousands of values: cutting the component's extra Outputs from 13.5 to 3.2 per domain
 * took about 5 points off its registration ratio against hand-written code (docs/components.md).
 */
import * as pulumi from "@pulumi/pulumi";

/**
 * `f` applied to an Input: synchronously for a plain value (a preview shows it, and no Output is
 * built), with one `apply` for an Output.
 */
export function mapInput<T, U>(value: pulumi.Input<T>, f: (v: T) => U): U | pulumi.Output<U> {
  if (pulumi.Output.isInstance(value)) return (value as pulumi.Output<T>).apply(f);
  if (value instanceof Promise) return pulumi.output(value).apply((v) => f(v as T));
  return f(value as T);
}

/**
 * {@link mapInput}, always as an Output (for an Output-typed property): one `apply` for an Output,
 * `pulumi.output` of the result for a plain value. (`pulumi.output` on an Output would wrap it
 * twice more.)
 */
export function mapToOutput<T, U>(value: pulumi.Input<T>, f: (v: T) => U): pulumi.Output<U> {
  const out = mapInput(value, f);
  return (pulumi.Output.isInstance(out) ? out : pulumi.output(out)) as pulumi.Output<U>;
}
