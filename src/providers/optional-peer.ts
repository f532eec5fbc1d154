/**
 * Loading an optional peer dependency (`@pulumi/aws`, `@pulumi/cloudflare`) on first use, so
 * importing the package never loads a cloud SDK the program does not use. Node caches the module.
 */

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
