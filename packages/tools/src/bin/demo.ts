// Entry point: `pnpm demo`, run from the repository root.
// Everything but the process lives in ../programs/demo.ts: main() turns
// its result into the exit code and a UserError into one line. No signal
// handler (onSignal "exit"): Ctrl-C ends it at once.
import { main } from "@rah/core";
import { runDemo } from "../programs/demo.ts";
import { processIo } from "../programs/io.ts";

main((argv) => runDemo(argv, processIo), { onSignal: "exit" });
