// `pnpm --filter phase5-hashtable demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { connect, createDemo, main, parseFlags, silentLogger } from "@rah/core";
import { runCommands } from "../client.ts";
import { hmSize } from "../hashtable.ts";
import { encodeFrame } from "../protocol.ts";
import { encodeRequest } from "../request.ts";
import { startServer } from "../server.ts";
import { createStore, type Store } from "../store.ts";

const program = {
  usage: "pnpm --filter phase5-hashtable demo",
  role: "tool" as const,
  summary:
    "Runs the key-value server on its own hashtable and a few clients in this terminal, narrating each step: the same commands as phase 4, the table growing in place a slice at a time, and a client's wait while another inserts a million keys.",
};

/** What the table looks like now: its slots, and a resize under way if there is one. */
function describeTable(store: Store): string {
  const slots = (tab: Store["newer"]) => (tab.pages === null ? 0 : tab.mask + 1);
  const now = `${hmSize(store)} keys in ${slots(store.newer)} slots`;
  if (store.older.size === 0) return `${now}, no resize under way`;
  return `${now}; resizing: ${store.older.size} keys still in the old table of ${slots(store.older)} slots, next slot to move ${store.migratePos}`;
}

/** `set key:<from> ... key:<to-1>` as one pipelined stream of frames. */
function sets(from: number, to: number): Buffer {
  const frames: Buffer[] = [];
  for (let i = from; i < to; i++) {
    frames.push(
      encodeFrame(
        encodeRequest([Buffer.from("set"), Buffer.from(`key:${i}`), Buffer.from(`v${i}`)]),
      ),
    );
  }
  return Buffer.concat(frames);
}

main(
  async (argv) => {
    parseFlags(argv, program);
    const demo = createDemo("phase 5: the key-value server on its own hashtable");
    const store = createStore();
    const server = await startServer({ host: "127.0.0.1", port: 0, log: demo.log, store });
    const { host, port } = server;
    const run = async (name: string, ...commands: string[][]) => {
      for (const command of commands) demo.say(name, `> ${command.join(" ")}`);
      const output = await runCommands(host, port, commands);
      for (const line of output) demo.say(name, line.toString().trimEnd());
    };

    await demo.step("1. The same commands as phase 4, the same bytes: only the store changed.");
    await run(
      "A",
      ["set", "greeting", "hello"],
      ["get", "greeting"],
      ["del", "greeting"],
      ["get", "greeting"],
    );

    await demo.step(
      "2. The first table has 4 slots; at 8 keys per slot (the 32nd key) a table of twice the slots is made, and these few keys move across at once.",
    );
    const a = await connect(host, port);
    const frames = sets(0, 32);
    await a.write(frames);
    let replies = 0;
    while (replies < 32 * 8) replies += (await a.read(4096)).length; // each reply: 8 bytes
    demo.say("A", "set key:0 .. key:31 (pipelined)");
    demo.note(`the table: ${describeTable(store)}`);

    await demo.step(
      "3. Each later table operation moves at most 128 keys across (a set of a new key is two: a lookup, then an insert), so the resize ends a slice at a time.",
    );
    // Enough keys for a resize that takes several requests to finish.
    await a.write(sets(32, 1024));
    replies = 0;
    while (replies < (1024 - 32) * 8) replies += (await a.read(65536)).length;
    demo.say("A", "set key:32 .. key:1023 (pipelined)");
    demo.note(`the table: ${describeTable(store)}`);
    for (let n = 0; n < 4 && store.older.size > 0; n++) {
      await run("B", ["get", `key:${n}`]);
      demo.note(`the table: ${describeTable(store)} (this request moved ${store.moved})`);
    }
    a.close();

    await demo.step(
      "4. A inserts 500,000 keys as fast as it can while B asks for one key every 10 ms (a second server, its log off).",
    );
    const quietStore = createStore();
    const quiet = await startServer({ host, port: 0, log: silentLogger, store: quietStore });
    // A's requests are made before the clock starts, and its replies only
    // counted: the clients run in this process too, and must not be what B waits for.
    const flood = sets(0, 500_000);
    const f = await connect(host, quiet.port);
    const flooding = f.write(flood);
    const b = await connect(host, quiet.port);
    const get = encodeFrame(encodeRequest([Buffer.from("get"), Buffer.from("key:0")]));
    const waits: number[] = [];
    let back = 0;
    const counting = (async () => {
      while (back < 500_000 * 8) back += (await f.read(1 << 20)).length;
    })();
    while (back < 500_000 * 8) {
      const sent = performance.now();
      await b.write(get);
      await b.read(64);
      waits.push(performance.now() - sent);
      await demo.pause(10);
    }
    await Promise.all([counting, flooding]);
    f.close();
    b.close();
    const worst = Math.max(...waits).toFixed(1);
    demo.say("B", `${waits.length} gets answered while A inserted; the slowest took ${worst} ms`);
    demo.note(`the table: ${describeTable(quietStore)}`);
    demo.note(
      "(phase 4's Map stops everyone each time it doubles: measured, 63 ms at 524,289 keys and 250 ms at 2,097,153: see the notes)",
    );
    await quiet.close();

    await demo.step("5. Stop the server (what Ctrl-C does when it runs on its own).");
    await server.close();
    return 0;
  },
  { onSignal: "exit" },
);
