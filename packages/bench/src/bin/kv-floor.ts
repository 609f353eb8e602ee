// The key-value floor server as its own process: `tsx src/bin/kv-floor.ts --port 0`.
// Prints "listening on 127.0.0.1:PORT" like every phase, then nothing.
import { hostPort, listenError, main, parseFlags, untilStopped } from "@rah/core";
import { startKvFloorServer } from "../kv-floor-server.ts";

const program = {
  usage: "tsx src/bin/kv-floor.ts [--port N]",
  role: "server" as const,
  summary:
    "The bench's key-value floor: the smallest correct Node server for the book's chapter 7 protocol (get, set, del; status replies).",
};

main(async (argv, stop) => {
  const { host, port } = parseFlags(argv, program);
  const server = await startKvFloorServer(host, port).catch((err: unknown) => {
    throw listenError(err, host, port);
  });
  console.log(`listening on ${hostPort(host, server.port)}`);
  await untilStopped(stop);
  await server.close();
  return 0;
});
