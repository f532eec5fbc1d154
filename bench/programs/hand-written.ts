/**
 * The hand-written side of `bench/components.bench.ts` as a Pulumi program: top-level code that
 * registers the children (see ./hand-written-children.ts).
 */
import { currentRun } from "./context";
import { declareHandWritten } from "./hand-written-children";

declareHandWritten(currentRun("hand-written"));
