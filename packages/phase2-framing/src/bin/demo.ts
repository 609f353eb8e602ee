// `pnpm --filter phase2-framing demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { styleText } from "node:util";
import { connect, createLogger, main, preview, useColor } from "@rah/core";
import { exchange, query } from "../client.ts";
import { readFull } from "../io.ts";
import { encodeFrame, FrameTooLargeError, MAX_MESSAGE } from "../protocol.ts";
import { startServer } from "../server.ts";

const color = useColor(process.stdout);
const step = (text: string) => console.log(`\n${color ? styleText("bold", text) : text}`);
const client = (name: string, text: string) =>
  console.log(`${color ? styleText("green", `client ${name}`) : `client ${name}`}  ${text}`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hex = (bytes: Uint8Array) =>
  Buffer.from(bytes)
    .toString("hex")
    .replace(/(..)(?!$)/g, "$1 ");

main(async () => {
  step("== phase 2: framed messages over a byte stream, one client at a time ==");
  // Warnings go to stdout too, so they show up in order with everything else.
  const log = createLogger({ err: process.stdout });
  const server = await startServer({ host: "127.0.0.1", port: 0, log });
  const { host, port } = server;

  step("1. Three requests on ONE connection: each is a 4-byte length, then the bytes.");
  const words = ["hello", "redis", "at home"];
  client("A", `sends ${words.map((w) => `"${w}"`).join(", ")}, one at a time`);
  const replies = await exchange(
    host,
    port,
    words.map((w) => Buffer.from(w)),
  );
  client("A", `got back ${replies.map((r) => preview(r)).join(", ")}`);

  step("2. One frame cut into three writes: the server waits until it has all of it.");
  const b = await connect(host, port);
  const frame = encodeFrame(Buffer.from("split"));
  for (const [from, to] of [
    [0, 2],
    [2, 6],
    [6, frame.length],
  ] as const) {
    client("B", `writes ${hex(frame.subarray(from, to))}`);
    await b.write(frame.subarray(from, to));
    await pause(150);
  }
  const echo = await readFull(b, frame.length);
  client("B", `got back ${hex(echo)}: one whole reply frame`);

  step("3. Two frames in ONE write: the server still sees two requests.");
  const two = Buffer.concat([
    encodeFrame(Buffer.from("first")),
    encodeFrame(Buffer.from("second")),
  ]);
  client("B", `writes ${hex(two)}`);
  await b.write(two);
  client("B", `got back ${hex(await readFull(b, two.length))}: two reply frames`);
  b.close();
  await pause(100);

  step(`4. A header asking for more than ${MAX_MESSAGE} bytes is refused from its 4 bytes alone.`);
  const c = await connect(host, port);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(5000);
  client("C", `writes the header ${hex(header)} (length 5000) and nothing else`);
  await c.write(header);
  const after = await c.read(16).catch(() => Buffer.alloc(0));
  client("C", `read() returned ${after.length} bytes: the server hung up`);
  c.close();
  try {
    await exchange(host, port, [Buffer.alloc(5000, "x")]);
  } catch (err: unknown) {
    if (!(err instanceof FrameTooLargeError)) throw err;
    client("C", `and the client program refuses to send one: ${err.message}`);
  }

  step("5. Still one client at a time: D stays connected, E has to wait for D to leave.");
  const d = await connect(host, port);
  client(
    "D",
    `connected, got back ${preview(await query(d, Buffer.from("D is still here")))}, stays`,
  );
  const e = exchange(host, port, [Buffer.from("E was here")]);
  client("E", "connected and sent its request: no reply yet, the server is busy with D");
  await pause(300);
  client("D", "closes its connection");
  d.close();
  client("E", `finally got back ${(await e).map((r) => preview(r)).join(", ")}`);

  step("6. Stop the server (what Ctrl-C does when it runs on its own).");
  await server.close();
  return 0;
});
