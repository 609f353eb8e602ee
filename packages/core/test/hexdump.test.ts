import { describe, expect, it } from "vitest";
import { hexDump, preview } from "../src/hexdump.ts";

describe("hexDump()", () => {
  // One short line in the `hexdump -C` layout: offset, hex bytes, printable text between bars.
  it("formats a short buffer like hexdump -C", () => {
    expect(hexDump(Buffer.from([5, 0, 0, 0, ...Buffer.from("hello")]))).toBe(
      "00000000  05 00 00 00 68 65 6c 6c  6f                       |....hello|",
    );
  });

  // 16 bytes a line, with a gap after the 8th, offsets in hex.
  it("wraps every 16 bytes with hex offsets", () => {
    const bytes = Buffer.from(Array.from({ length: 20 }, (_, i) => 0x41 + i));
    expect(hexDump(bytes).split("\n")).toEqual([
      "00000000  41 42 43 44 45 46 47 48  49 4a 4b 4c 4d 4e 4f 50  |ABCDEFGHIJKLMNOP|",
      "00000010  51 52 53 54                                       |QRST|",
    ]);
  });

  // Bytes outside printable ASCII show as dots in the text column, whatever they are.
  it("shows non-printable bytes as dots", () => {
    const line = hexDump(Buffer.from([0x00, 0x0a, 0x1f, 0x20, 0x7e, 0x7f, 0x80, 0xff]));
    expect(line).toBe("00000000  00 0a 1f 20 7e 7f 80 ff                           |... ~...|");
  });

  // Long input stops at the limit and says how many bytes were left out.
  it("cuts at the limit and counts the rest", () => {
    const lines = hexDump(Buffer.alloc(300, 0x61)).split("\n");
    expect(lines).toHaveLength(16 + 1);
    expect(lines[15]).toMatch(/^000000f0 /);
    expect(lines[16]).toBe("... 44 more bytes");
    expect(hexDump(Buffer.alloc(40), 16).split("\n")).toEqual([
      "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
      "... 24 more bytes",
    ]);
  });

  // Nothing to show is an empty string, not an empty row.
  it("prints nothing for no bytes", () => {
    expect(hexDump(Buffer.alloc(0))).toBe("");
  });
});

describe("preview()", () => {
  // Printable text (tabs and newlines included) is shown quoted, as text.
  it("shows text as a quoted string", () => {
    expect(preview(Buffer.from("hello world"))).toBe('"hello world"');
    expect(preview(Buffer.from("a\tb\r\n"))).toBe('"a\\tb\\r\\n"');
  });

  // Anything with a non-text byte is shown as hex, so binary never garbles a log line.
  it("shows binary as hex", () => {
    expect(preview(Buffer.from([0x00, 0xff, 0x10]))).toBe("<00 ff 10>");
    expect(preview(Buffer.from("caf\u00e9"))).toBe("<63 61 66 c3 a9>");
  });

  // Long input is cut at the limit, "..." marking the cut; the size is the caller's to add.
  it("cuts long input and marks the cut", () => {
    expect(preview(Buffer.alloc(100, 0x78), 5)).toBe('"xxxxx"...');
    expect(preview(Buffer.alloc(100, 0x01), 3)).toBe("<01 01 01>...");
    expect(preview(Buffer.alloc(48, 0x78))).toBe(JSON.stringify("x".repeat(48)));
  });

  // Empty input is the empty string, quoted.
  it("shows no bytes as an empty string", () => {
    expect(preview(Buffer.alloc(0))).toBe('""');
  });
});
