import type { Command } from "commander";
import type { CliIo, ExitHolder } from "../main";

/** `dmsctl plan SPEC`. Placeholder until the plan command lands (issue 2). */
export function registerPlanCommand(program: Command, io: CliIo, exit: ExitHolder): void {
  program
    .command("plan <spec>")
    .description("Validate a spec and print its plan")
    .action(() => {
      io.stderr("dmsctl plan: not implemented yet\n");
      exit.code = 1;
    });
}
