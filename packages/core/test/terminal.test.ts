// terminalLines() on a stand-in terminal: Ctrl-C is passed on as an
// interrupt instead of being swallowed, and the input's end leaves the
// cursor on a fresh line.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { terminalLines } from "../src/terminal.ts";

/** A stream that says it is a terminal, as process.stdin does in one. */
function tty(): PassThrough & { isTTY: boolean; setRawMode(mode: boolean): void } {
  return Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
}

describe("terminalLines()", () => {
  // Ctrl-C typed at the prompt interrupts at once, and the interface closes.
  it("turns Ctrl-C into an interrupt", async () => {
    const input = tty();
    const output = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
    let interrupted = 0;
    const lines = terminalLines({ input, output, interrupt: () => interrupted++ });
    const closed = new Promise((resolve) => lines.once("close", resolve));
    input.write("\u0003");
    await closed;
    expect(interrupted).toBe(1);
  });

  // Ctrl-D (the end of the input) closes the interface and writes a newline after the prompt.
  it("ends on a fresh line", async () => {
    const input = tty();
    const output = new PassThrough();
    let written = "";
    output.on("data", (chunk: Buffer) => {
      written += chunk.toString();
    });
    const lines = terminalLines({ input, output, interrupt: () => {} });
    lines.setPrompt("> ");
    lines.prompt();
    const closed = new Promise((resolve) => lines.once("close", resolve));
    input.end();
    await closed;
    expect(written.endsWith("\n")).toBe(true);
  });
});
