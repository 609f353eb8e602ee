// Byte formatting for logs: a hex dump for --trace and a short preview
// ("client says: ...") that shows text as text and anything else as hex.

const TRACE_LIMIT = 256;

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

function isPrintable(byte: number): boolean {
  return byte >= 0x20 && byte < 0x7f;
}

/** Bytes as spaced hex, "05 00 00 00 68 69", for narrating what goes over the wire. */
export function hexBytes(bytes: Uint8Array): string {
  return Array.from(bytes, hex).join(" ");
}

/**
 * The classic `hexdump -C` layout, 16 bytes a line, at most `limit` bytes:
 *   00000000  05 00 00 00 68 65 6c 6c  6f                       |....hello|
 */
export function hexDump(bytes: Uint8Array, limit = TRACE_LIMIT): string {
  const shown = bytes.subarray(0, limit);
  const lines: string[] = [];
  for (let offset = 0; offset < shown.length; offset += 16) {
    const row = shown.subarray(offset, offset + 16);
    const cells = Array.from(row, hex);
    const left = cells.slice(0, 8).join(" ");
    const right = cells.slice(8).join(" ");
    const text = Array.from(row, (b) => (isPrintable(b) ? String.fromCharCode(b) : ".")).join("");
    lines.push(
      `${offset.toString(16).padStart(8, "0")}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${text}|`,
    );
  }
  if (bytes.length > shown.length) lines.push(`... ${bytes.length - shown.length} more bytes`);
  return lines.join("\n");
}

/**
 * A one-line preview: `"hello"` for printable text, `<ff 00 12>` otherwise.
 * Input over `limit` bytes is cut, which `...` after it shows; the size is
 * the caller's to add (it knows whether the log line mentions it already).
 */
export function preview(bytes: Uint8Array, limit = 48): string {
  const shown = bytes.subarray(0, limit);
  const more = bytes.length > shown.length ? "..." : "";
  const text = shown.every((b) => isPrintable(b) || b === 0x09 || b === 0x0a || b === 0x0d);
  if (text) return `${JSON.stringify(Buffer.from(shown).toString("latin1"))}${more}`;
  return `<${Array.from(shown, hex).join(" ")}>${more}`;
}
