// `pnpm --filter phase3-eventloop demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { styleText } from "node:util";
import { connect, createLogger, main, preview, silentLogger, useColor } from "@rah/core";
import { exchange } from "../client.ts";
import { readFull } from "../io.ts";
import { formatSummary, runLoad } from "../load.ts";
import { encodeFrame, MAX_MESSAGE } from "../protocol.ts";
import { MAX_CONNECTIONS, startServer } from "../server.ts";

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
  step("== phase 3: an event loop, many clients at once, pipelining ==");
  // Warnings go to stdout too, so they show up in order with everything else.
  const log = createLogger({ err: process.stdout });
  const limits = { maxMessage: MAX_MESSAGE, maxConnections: MAX_CONNECTIONS };
  const server = await startServer({ host: "127.0.0.1", port: 0, log, ...limits });
  const { host, port } = server;

  step("1. Pipelining: three requests in ONE write, then three replies, in order.");
  const words = ["hello", "redis", "at home"];
  client("A", `sends ${words.map((w) => `"${w}"`).join(", ")}, all before reading`);
  const replies = await exchange(
    host,
    port,
    words.map((w) => Buffer.from(w)),
  );
  client("A", `got back ${replies.map((r) => preview(r)).join(", ")}: one read, one write`);

  step("2. B sends 3 bytes of a header and stalls. C is served anyway.");
  const b = await connect(host, port);
  const frame = encodeFrame(Buffer.from("B, at last"));
  client("B", `writes ${hex(frame.subarray(0, 3))} and goes quiet`);
  await b.write(frame.subarray(0, 3));
  await pause(150);
  const c = await exchange(host, port, [Buffer.from("C is not kept waiting")]);
  client("C", `got back ${c.map((r) => preview(r)).join(", ")} while B is still connected`);
  client("B", `writes the rest: ${hex(frame.subarray(3))}`);
  await b.write(frame.subarray(3));
  const echo = await readFull(b, frame.length);
  client("B", `got back ${preview(echo.subarray(4))}: its Conn kept the 3 bytes meanwhile`);
  b.close();
  await pause(100);

  step("3. Half-close: D sends two requests and its FIN at once, and still gets both replies.");
  const d = await connect(host, port);
  await d.write(Buffer.concat([encodeFrame(Buffer.from("one")), encodeFrame(Buffer.from("two"))]));
  await d.shutdownWrite();
  client("D", "sent two requests, then FIN (shutdown(SHUT_WR))");
  const both = await readFull(d, 14);
  const eof = await d.read(16);
  client("D", `got back ${hex(both)}, then ${eof.length === 0 ? "EOF" : "more bytes?"}`);
  d.close();
  await pause(100);

  step(`4. A header asking for more than ${MAX_MESSAGE} bytes is refused from its 4 bytes alone.`);
  const e = await connect(host, port);
  const header = Buffer.alloc(4);
  header.writeUInt32LE(0xffff_ffff);
  client("E", `writes the header ${hex(header)} (length 4294967295) and nothing else`);
  await e.write(header);
  const after = await e.read(16).catch(() => Buffer.alloc(0));
  client("E", `read() returned ${after.length} bytes: the server hung up`);
  e.close();
  await pause(100);

  step("5. 50 clients at once, 16 requests in flight each (on a second server, silent).");
  const busy = await startServer({ host: "127.0.0.1", port: 0, log: silentLogger, ...limits });
  const load = { host, port: busy.port, clients: 50, requests: 2_000, size: 16, pipeline: 16 };
  process.stdout.write(formatSummary(load, await runLoad(load)));
  await busy.close();

  step("6. Stop the server (what Ctrl-C does when it runs on its own).");
  await server.close();
  return 0;
});
