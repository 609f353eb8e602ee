// `pnpm --filter phase8-zset demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { createDemo, main, parseFlags, silentLogger } from "@rah/core";
import { runCommands } from "../client.ts";
import { startServer } from "../server.ts";

const program = {
  usage: "pnpm --filter phase8-zset demo",
  role: "tool" as const,
  summary:
    "Runs the server with sorted sets and a few clients in this terminal, narrating each step: a leaderboard with zadd and zscore, zquery's seek, offset and limit, a score update that moves a member, a key's type, and an offset of 50,000 that costs no more than 0.",
};

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 8: sorted sets");
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log });
    const { host, port } = server;
    const run = async (name: string, commands: string[][], at = port) => {
      for (const command of commands)
        demo.say(name, `> ${command.map((w) => (w === "" ? '""' : w)).join(" ")}`);
      const output = await runCommands(host, at, commands);
      for (const reply of output) {
        for (const line of reply.toString().trimEnd().split("\n")) demo.say(name, line);
      }
    };

    await demo.step(
      "1. A leaderboard: zadd adds a name with a score (1 if new), zscore reads it back.",
    );
    await run("A", [
      ["zadd", "board", "42", "ada"],
      ["zadd", "board", "17", "bob"],
      ["zadd", "board", "99", "cy"],
      ["zadd", "board", "42", "dee"],
      ["zscore", "board", "ada"],
    ]);

    await demo.step(
      "2. zquery seeks the first pair >= (score, name), moves by an offset, and stops at `limit` values (two per pair).",
    );
    await run("B", [
      ["zquery", "board", "0", "", "0", "100"],
      ["zquery", "board", "42", "", "0", "4"],
      ["zquery", "board", "42", "", "-1", "2"],
    ]);

    await demo.step("3. A new score moves the member (0: updated, not added); ties order by name.");
    await run("C", [
      ["zadd", "board", "100", "bob"],
      ["zquery", "board", "0", "", "0", "100"],
    ]);

    await demo.step(
      "4. A key holds one type: a string is not a sorted set, nor the other way round.",
    );
    await run("D", [
      ["set", "name", "redis"],
      ["zadd", "name", "1", "x"],
      ["get", "board"],
      ["zscore", "nothing", "x"],
    ]);

    await demo.step(
      "5. The offset walks the subtree counts: offset 50,000 in a set of 100,000 costs what offset 0 costs (a second server, its log off).",
    );
    const quiet = await startServer({ host, port: 0, log: silentLogger });
    const members = 100_000;
    const adds = Array.from({ length: members }, (_, i) => ["zadd", "big", String(i), `m${i}`]);
    for (let i = 0; i < members; i += 100_000)
      await runCommands(host, quiet.port, adds.slice(i, i + 100_000));
    demo.note(`zadd'ed ${members} members`);
    // One untimed round first: V8 compiles the hot code and the heap settles,
    // so the timed rounds below compare offsets, not a cold start.
    await runCommands(
      host,
      quiet.port,
      Array.from({ length: 2000 }, () => ["zquery", "big", "0", "", "0", "2"]),
    );
    for (const offset of ["0", "50000", "99990"]) {
      const queries = Array.from({ length: 2000 }, () => ["zquery", "big", "0", "", offset, "2"]);
      const started = performance.now();
      const replies = await runCommands(host, quiet.port, queries);
      const us = ((performance.now() - started) * 1000) / queries.length;
      const first = replies[0]?.toString().split("\n")[1] ?? "";
      demo.note(
        `offset ${offset.padStart(6)}: ${first}, ${us.toFixed(1)} µs a query (2,000 of them)`,
      );
    }
    await quiet.close();

    await demo.step("6. Stop the server (what Ctrl-C does when it runs on its own).");
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
