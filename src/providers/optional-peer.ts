/**
 * Loading an optional peer dependency (`@pulumi/aws`, `@pulumi/cloudflare`, `@pulumi/kubernetes`)
 * on first use, so importing the package never loads a cloud SDK the program does not use. Node
 * caches the module.
 * The loaders live here, not in the DNS adapters, so the host adapters (PTR, security group) use
 * them without importing a DNS adapter.
 */
import type * as awsTypes from "@pulumi/aws";
import type * as cf from "@pulumi/cloudflare";
import type * as k8s from "@pulumi/kubernetes";

/**
 * `require(name)`, or an error saying what needed it and how to install it.
 * @param neededFor what in the user's configuration uses the package, e.g. `a domain publishes its
 *   DNS on Cloudflare`.
 * @param install the `npm install` argument, with its version range.
 */
export function requireOptionalPeer<T>(name: string, neededFor: string, install: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (e) {
    throw new Error(
      `${neededFor} but ${name} is not installed: run \`npm install ${install}\` (${(e as Error).message})`,
    );
  }
}

/** Loads `@pulumi/aws` on first use, with an install hint when it is missing. */
export function loadAws(): typeof awsTypes {
  return requireOptionalPeer<typeof awsTypes>(
    "@pulumi/aws",
    "this configuration uses AWS (Route53, a security group or an Elastic IP PTR)",
    "@pulumi/aws@^7",
  );
}

/** Loads `@pulumi/cloudflare` on first use, with an install hint when it is missing. */
export function loadCloudflare(): typeof cf {
  return requireOptionalPeer<typeof cf>(
    "@pulumi/cloudflare",
    "a domain publishes its DNS on Cloudflare",
    "@pulumi/cloudflare@^6",
  );
}

/** Loads `@pulumi/kubernetes` on first use, with an install hint when it is missing. */
export function loadKubernetes(): typeof k8s {
  return requireOptionalPeer<typeof k8s>(
    "@pulumi/kubernetes",
    "platform.kind is kubernetes",
    "@pulumi/kubernetes@^4",
  );
}
