/**
 * The `yaml` package, loaded on first use. Importing the library must stay cheap: a Pulumi program
 * that passes TypeScript args never parses a spec file, writes `compose.yaml` or prints Kubernetes
 * YAML, so none of it may pay for loading the parser (measured in `bench/import.bench.ts`).
 */
import type * as Yaml from "yaml";

let loaded: typeof Yaml | undefined;

/** The `yaml` module; `require`d the first time it is asked for. */
export function yaml(): typeof Yaml {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loaded ??= require("yaml") as typeof Yaml;
  return loaded;
}
