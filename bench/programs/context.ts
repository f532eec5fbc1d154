/**
 * What the next program run of `bench/components.bench.ts` declares. A Pulumi program reads its
 * input from config; these bench programs read it from here, set by the bench before each run.
 */
import type { Registration } from "../../test/components/harness";
import type { MailServerArgs } from "../../src/components/args";

/** The component side: a `MailServer` with this name and spec. */
export interface ComponentRun {
  readonly side: "component";
  readonly name: string;
  readonly spec: MailServerArgs;
}

/** The hand-written side: these children (recorded from a component run), names prefixed. */
export interface HandWrittenRun {
  readonly side: "hand-written";
  readonly prefix: string;
  readonly template: readonly Registration[];
}

let next: ComponentRun | HandWrittenRun | undefined;

/** Sets the input of the next program run. */
export function setRun(run: ComponentRun | HandWrittenRun): void {
  next = run;
}

/** The input of the program being run; throws when the bench set none of this side. */
export function currentRun<S extends (ComponentRun | HandWrittenRun)["side"]>(
  side: S,
): Extract<ComponentRun | HandWrittenRun, { side: S }> {
  if (next?.side !== side) throw new Error(`no ${side} run was set`);
  return next as Extract<ComponentRun | HandWrittenRun, { side: S }>;
}
