/** Runs dmsctl from source (for tests that must run it in another process, e.g. in a netns). */
import { main } from "../../src/cli/main";

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
