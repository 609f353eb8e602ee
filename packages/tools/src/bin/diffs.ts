// Entry point: `pnpm diffs [--check] [phase...]`, run from the repository root.
// Everything but the process lives in ../programs/diffs.ts: main() turns
// its result into the exit code and a UserError into one line. No signal
// handler (onSignal "exit"): Ctrl-C ends it at once.
import { main } from "@rah/core";
import { runDiffs } from "../programs/diffs.ts";
import { processIo } from "../programs/io.ts";

main((argv) => runDiffs(argv, processIo), { onSignal: "exit" });
