// `pnpm --filter phase4-kv demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { connect, createDemo, hexBytes, main, parseFlags } from "@rah/core";
import { runCommands } from "../client.ts";
import { readFull } from "../io.ts";
import { encodeFrame } from "../protocol.ts";
import { encodeRequest } from "../request.ts";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase4-kv demo",
  role: "tool" as const,
  summary:
    "Runs the key-value server and a few clients in this terminal, narrating each step: set, get, a miss, del, an unknown command, a pipelined burst, a bad request that closes one connection while another is served.",
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 4: a key-value server, get, set and del");
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log });
    const { host, port } = server;
    /** One client session: the commands, pipelined, and what the book's client prints for each. */
    const run = async (name: string, ...commands: string[][]) => {
      for (const command of commands) demo.say(name, `> ${command.join(" ")}`);
      const output = await runCommands(host, port, commands);
      for (const line of output) demo.say(name, line.toString().trimEnd());
    };

    await demo.step("1. set stores a value; get reads it back (status 0 = OK).");
    await run("A", ["set", "greeting", "hello, redis at home"]);
    await run("A", ["get", "greeting"]);

    await demo.step("2. A key nobody set is a miss: status 2 (NX), no data.");
    await run("B", ["get", "nothing-here"]);

    await demo.step("3. del removes a key; a get after it misses.");
    await run("B", ["del", "greeting"], ["get", "greeting"]);

    await demo.step("4. Names and arity are exact: status 1 (ERR) for anything else.");
    await run("C", ["GET", "greeting"], ["get", "a", "b"], ["flushall"]);

    await demo.step("5. Pipelined: five commands in one write, five responses in order.");
    await run("D", ["set", "x", "1"], ["set", "y", "2"], ["get", "x"], ["get", "y"], ["get", "z"]);

    await demo.step(
      "6. A bad request (a string running past the end) closes that connection, after the replies owed; nobody else notices.",
    );
    const e = await connect(host, port);
    const good = encodeFrame(encodeRequest([Buffer.from("get"), Buffer.from("x")]));
    // nstr 1, then a string that says it is 100 bytes long, and 1 byte of it.
    const bad = encodeFrame(Buffer.from([1, 0, 0, 0, 100, 0, 0, 0, 0x61]));
    demo.say(
      "E",
      `writes a good request, then ${hexBytes(bad)}: 1 string, 100 bytes long, 1 byte sent`,
    );
    await e.write(Buffer.concat([good, bad]));
    const reply = await readFull(e, 9);
    demo.say("E", `got ${hexBytes(reply)}: its get answered ("1")`);
    const after = await e.read(16).catch(() => Buffer.alloc(0));
    demo.say("E", `then read() returned ${after.length} bytes: the server closed the connection`);
    e.close();
    await run("F", ["get", "y"]);

    await demo.step("7. Stop the server (what Ctrl-C does when it runs on its own).");
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
