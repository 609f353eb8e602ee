// `pnpm --filter phase3-eventloop demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import {
  connect,
  createDemo,
  hexBytes,
  main,
  parseFlags,
  preview,
  silentLogger,
  sizeText,
} from "@rah/core";
import { exchange, query, readReply } from "../client.ts";
import { readFull } from "../io.ts";
import { encodeFrame, MAX_MESSAGE } from "../protocol.ts";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase3-eventloop demo",
  role: "tool" as const,
  summary:
    "Runs the event-loop server and a few clients in this terminal, narrating each step: pipelining, a stalled client, half-close, a length over the limit, 50 clients at once, a flood.",
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 3: an event loop, many clients at once, pipelining");
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log });
    const { host, port } = server;

    await demo.step("1. Pipelining: three requests in ONE write, then three replies, in order.");
    const words = ["hello", "redis", "at home"];
    demo.say("A", `sends ${words.map((w) => `"${w}"`).join(", ")}, all before reading`);
    const replies = await exchange(
      host,
      port,
      words.map((w) => Buffer.from(w)),
    );
    demo.say("A", `got back ${replies.map((r) => preview(r)).join(", ")}: one read, one write`);

    await demo.step("2. B sends 3 bytes of a header and stalls. C is served anyway.");
    const b = await connect(host, port);
    const frame = encodeFrame(Buffer.from("B, at last"));
    demo.say("B", `writes ${hexBytes(frame.subarray(0, 3))} and goes quiet`);
    await b.write(frame.subarray(0, 3));
    await demo.pause(150);
    const c = await exchange(host, port, [Buffer.from("C is not kept waiting")]);
    demo.say("C", `got back ${c.map((r) => preview(r)).join(", ")} while B is still connected`);
    demo.say("B", `writes the rest: ${hexBytes(frame.subarray(3))}`);
    await b.write(frame.subarray(3));
    const echo = await readFull(b, frame.length);
    demo.say("B", `got back ${preview(echo.subarray(4))}: its Conn kept the 3 bytes meanwhile`);
    b.close();

    await demo.step(
      "3. Half-close: D sends two requests and its FIN at once, and still gets both replies.",
    );
    const d = await connect(host, port);
    await d.write(
      Buffer.concat([encodeFrame(Buffer.from("one")), encodeFrame(Buffer.from("two"))]),
    );
    await d.shutdownWrite();
    demo.say("D", "sent two requests, then FIN (shutdown(SHUT_WR))");
    const both = await readFull(d, 14);
    const eof = await d.read(16);
    demo.say("D", `got back ${hexBytes(both)}, then ${eof.length === 0 ? "EOF" : "more bytes?"}`);
    d.close();

    await demo.step(
      `4. A header asking for more than ${sizeText(MAX_MESSAGE)} is refused from its 4 bytes alone, after the replies owed.`,
    );
    const e = await connect(host, port);
    const header = Buffer.alloc(4);
    header.writeUInt32LE(0xffff_ffff);
    demo.say("E", `writes a request "first", then the header ${hexBytes(header)} (4 GiB)`);
    await e.write(Buffer.concat([encodeFrame(Buffer.from("first")), header]));
    demo.say("E", `got back ${preview(await readReply(e))}`);
    const after = await e.read(16).catch(() => Buffer.alloc(0));
    demo.say("E", `then read() returned ${after.length} bytes: the server closed, politely (FIN)`);
    e.close();

    await demo.step(
      "5. 50 clients at once, 20 pipelined requests each (on a second server, its log off).",
    );
    const quiet = await startServer({ host, port: 0, log: silentLogger });
    const started = performance.now();
    const all = await Promise.all(
      Array.from({ length: 50 }, (_, id) =>
        exchange(
          host,
          quiet.port,
          Array.from({ length: 20 }, (_, n) => Buffer.from(`client ${id} request ${n}`)),
        ),
      ),
    );
    const right = all.every((got, id) =>
      got.every((reply, n) => reply.toString() === `client ${id} request ${n}`),
    );
    const ms = (performance.now() - started).toFixed(0);
    demo.say(
      "*",
      `1000 replies in ${ms} ms, ${right ? "each client got its own, in order" : "SOME WRONG"}`,
    );

    await demo.step(
      "6. Fair under a flood: F pipelines 200,000 requests in one go; G sends one at a time.",
    );
    // F's bytes are made before the clock starts, and its replies only
    // counted: the clients run in this process too, and must not be the
    // ones that keep G waiting.
    const flood = Buffer.concat(
      Array.from({ length: 200_000 }, (_, n) => encodeFrame(Buffer.from(`f${n}`))),
    );
    const f = await connect(host, quiet.port);
    const flooding = f.write(flood);
    demo.say("F", `sends 200,000 requests (${sizeText(flood.length)}) without waiting`);
    const g = await connect(host, quiet.port);
    const waits: number[] = [];
    for (let n = 0; n < 10; n++) {
      const sent = performance.now();
      await query(g, Buffer.from(`g${n}`));
      waits.push(performance.now() - sent);
    }
    g.close();
    const worst = Math.max(...waits).toFixed(1);
    demo.say("G", `10 requests answered while F was flooding, the slowest in ${worst} ms`);
    let back = 0;
    while (back < flood.length) back += (await f.read(64 * 1024)).length;
    await flooding;
    f.close();
    demo.say("F", `got all its replies back (${sizeText(back)})`);
    await quiet.close();

    await demo.step("7. Stop the server (what Ctrl-C does when it runs on its own).");
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
