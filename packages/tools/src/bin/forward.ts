// Entry point: `pnpm forward <phase> [--dry-run]`, run from the repository root.
// Everything but the process lives in ../programs/forward.ts: main() turns
// its result into the exit code and a UserError into one line. No signal
// handler (onSignal "exit"): Ctrl-C ends it at once.
import { main } from "@rah/core";
import { runForward } from "../programs/forward.ts";
import { processIo } from "../programs/io.ts";

main((argv) => runForward(argv, processIo), { onSignal: "exit" });
