/**
 * The component side of `bench/components.bench.ts`: a Pulumi program whose top-level code
 * declares one `MailServer`, as `examples/local-zonefile/index.ts` does.
 */
import { MailServer } from "../../src/components/mail-server";
import { currentRun } from "./context";

const run = currentRun("component");

/** The component, for the bench to wait on its outputs. */
export const server = new MailServer(run.name, run.spec);
