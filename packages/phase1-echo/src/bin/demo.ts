// `pnpm --filter phase1-echo demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { connect, createDemo, main, parseFlags, preview, silentLogger, sizeText } from "@rah/core";
import { exchange } from "../client.ts";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase1-echo demo",
  role: "tool" as const,
  summary:
    "Runs an echo server and a few clients in this terminal, narrating each step: an echo, binary data, one client at a time, a message bigger than every buffer on the way.",
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 1: an echo server, one client at a time");
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log });
    const { host, port } = server;

    await demo.step("1. A client sends a message, closes its sending side, and reads the echo.");
    demo.say("A", 'sends "hello, redis at home"');
    const reply = await exchange(host, port, Buffer.from("hello, redis at home"));
    demo.say("A", `got back ${preview(reply)}`);

    await demo.step("2. Bytes are bytes: binary data comes back exactly.");
    const binary = Buffer.from([0x00, 0xff, 0x10, 0x0a, 0x80]);
    demo.say("B", `sends ${preview(binary)}`);
    demo.say("B", `got back ${preview(await exchange(host, port, binary))}`);

    await demo.step(
      "3. One at a time: C connects and stays; D connects and has to wait for C to leave.",
    );
    const c = await connect(host, port);
    await c.write(Buffer.from("C is still talking"));
    demo.say("C", "connected, sent some bytes, and keeps the connection open");
    const d = exchange(host, port, Buffer.from("D was here"));
    demo.say("D", "connected and sent its message: no reply yet, the server is busy with C");
    await demo.pause(300);
    demo.say("C", `got ${preview(await c.read(4096))}; now it closes its side`);
    await c.shutdownWrite();
    c.close();
    demo.say("D", `finally got back ${preview(await d)}`);

    const size = 8 * 1024 * 1024;
    await demo.step(
      `4. A message bigger than every buffer on the way (${sizeText(size)}): the client reads the echo while it is still sending.`,
    );
    // A second server with its log off: this one would print two lines per 4 KiB read.
    const silent = await startServer({ host, port: 0, log: silentLogger });
    const big = Buffer.alloc(size, "redis at home. ");
    demo.say("E", `sends ${sizeText(size)} to a second, silent server, and reads as it sends`);
    const echo = await exchange(host, silent.port, big);
    await silent.close();
    const same = echo.equals(big) ? "every byte the same" : "NOT the same bytes";
    demo.say("E", `got back ${sizeText(echo.length)}, ${same}`);

    await demo.step("5. Stop the server (what Ctrl-C does when it runs on its own).");
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
