// `pnpm --filter phase2-framing demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { connect, createDemo, hexBytes, main, parseFlags, preview } from "@rah/core";
import { exchange, query } from "../client.ts";
import { readFull } from "../io.ts";
import { encodeFrame, FrameTooLargeError, MAX_MESSAGE } from "../protocol.ts";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase2-framing demo",
  role: "tool" as const,
  summary:
    "Runs a framed echo server and a few clients in this terminal, narrating each step: several requests on one connection, a frame cut into pieces, two frames in one write, a length over the limit, one client at a time.",
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 2: framed messages over a byte stream, one client at a time");
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log });
    const { host, port } = server;

    await demo.step(
      "1. Three requests on ONE connection: each is a 4-byte length, then the bytes.",
    );
    const words = ["hello", "redis", "at home"];
    demo.say("A", `sends ${words.map((w) => `"${w}"`).join(", ")}, one at a time`);
    const replies = await exchange(
      host,
      port,
      words.map((w) => Buffer.from(w)),
    );
    demo.say("A", `got back ${replies.map((r) => preview(r)).join(", ")}`);

    await demo.step("2. One frame cut into three writes: the server waits until it has all of it.");
    const b = await connect(host, port);
    const frame = encodeFrame(Buffer.from("split"));
    for (const [from, to] of [
      [0, 2],
      [2, 6],
      [6, frame.length],
    ] as const) {
      demo.say("B", `writes ${hexBytes(frame.subarray(from, to))}`);
      await b.write(frame.subarray(from, to));
      await demo.pause(150);
    }
    const echo = await readFull(b, frame.length);
    demo.say("B", `got back ${hexBytes(echo)}: one whole reply frame`);

    await demo.step("3. Two frames in ONE write: the server still sees two requests.");
    const two = Buffer.concat([
      encodeFrame(Buffer.from("first")),
      encodeFrame(Buffer.from("second")),
    ]);
    demo.say("B", `writes ${hexBytes(two)}`);
    await b.write(two);
    demo.say("B", `got back ${hexBytes(await readFull(b, two.length))}: two reply frames`);
    b.close();

    await demo.step(
      `4. A header asking for more than ${MAX_MESSAGE} bytes is refused from its 4 bytes alone.`,
    );
    const c = await connect(host, port);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(5000);
    demo.say("C", `writes the header ${hexBytes(header)} (length 5000) and nothing else`);
    await c.write(header);
    const after = await c.read(16).catch(() => Buffer.alloc(0));
    demo.say("C", `read() returned ${after.length} bytes: the server hung up without a reply`);
    c.close();
    try {
      await exchange(host, port, [Buffer.alloc(5000, "x")]);
    } catch (err: unknown) {
      if (!(err instanceof FrameTooLargeError)) throw err;
      demo.say("C", `asked to send 5000 bytes, the client program refuses: "${err.message}"`);
    }

    await demo.step(
      "5. Still one client at a time: D stays connected, E has to wait for D to leave.",
    );
    const d = await connect(host, port);
    const first = await query(d, Buffer.from("D is still here"));
    demo.say("D", `connected, got back ${preview(first)}, and stays`);
    const e = exchange(host, port, [Buffer.from("E was here")]);
    demo.say("E", "connected and sent its request: no reply yet, the server is busy with D");
    await demo.pause(300);
    demo.say("D", "closes its connection");
    d.close();
    demo.say("E", `finally got back ${(await e).map((r) => preview(r)).join(", ")}`);

    await demo.step("6. Stop the server (what Ctrl-C does when it runs on its own).");
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
