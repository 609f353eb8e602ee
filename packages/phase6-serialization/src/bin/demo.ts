// `pnpm --filter phase6-serialization demo`: the server and its clients in
// one terminal. Server log lines carry a time stamp; the client's lines
// start with "client". The server gets a free port, so a server you already
// run on 1234 does not get in the way.
import { connect, createDemo, hexBytes, main, parseFlags } from "@rah/core";
import { runCommands } from "../client.ts";
import { readFull } from "../io.ts";
import { encodeFrame } from "../protocol.ts";
import { encodeRequest } from "../request.ts";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase6-serialization demo",
  role: "tool" as const,
  summary:
    "Runs the key-value server with typed replies and a few clients in this terminal, narrating each step: every reply says its type, the bytes of one, keys as an array, and a reply too big to send.",
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 6: typed replies, and keys");
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log });
    const { host, port } = server;
    const run = async (name: string, commands: string[][], at = port) => {
      for (const command of commands) demo.say(name, `> ${command.join(" ")}`);
      const output = await runCommands(host, at, commands);
      for (const reply of output) {
        for (const line of reply.toString().trimEnd().split("\n")) demo.say(name, line);
      }
    };

    await demo.step(
      "1. Every reply is one value that says what it is: nil, a string, an integer, an error.",
    );
    await run("A", [
      ["set", "greeting", "hello"],
      ["get", "greeting"],
      ["get", "nothing-here"],
      ["del", "greeting"],
      ["del", "greeting"],
      ["GET", "greeting"],
    ]);

    await demo.step(
      "2. The bytes: a tag, then a body the tag describes. del of a key that existed is INT 1.",
    );
    const b = await connect(host, port);
    await b.write(
      encodeFrame(encodeRequest([Buffer.from("set"), Buffer.from("k"), Buffer.from("v")])),
    );
    demo.say("B", `set k v -> ${hexBytes(await readFull(b, 5))}  (length 1, tag 00: nil)`);
    await b.write(encodeFrame(encodeRequest([Buffer.from("del"), Buffer.from("k")])));
    const del = await readFull(b, 13);
    demo.say("B", `del k   -> ${hexBytes(del)}  (length 9, tag 03: int, then 8 bytes of 1)`);
    b.close();

    await demo.step("3. keys: an array of strings (in the table's order, which means nothing).");
    await run("C", [
      ["set", "apple", "1"],
      ["set", "banana", "2"],
      ["set", "cherry", "3"],
      ["keys"],
    ]);

    await demo.step(
      "4. A reply over the message limit is replaced by ERR 2 (a second server, its limit set to 1 KiB).",
    );
    const small = await startServer({ host, port: 0, log: demo.log, maxMessage: 1024 });
    const many = Array.from({ length: 200 }, (_, i) => ["set", `key:${i}`, "x"]);
    await runCommands(host, small.port, many);
    demo.say("D", "set 200 keys, then asks for all of them");
    await run("D", [["keys"]], small.port);
    await small.close();

    await demo.step("5. Stop the server (what Ctrl-C does when it runs on its own).");
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
