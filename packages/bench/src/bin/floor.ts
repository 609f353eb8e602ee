// The floor server as its own process: `tsx src/bin/floor.ts --port 0`.
// Prints "listening on 127.0.0.1:PORT" like every phase, then nothing.
import { hostPort, listenError, main, parseFlags, untilStopped } from "@rah/core";
import { startFloorServer } from "../floor-server.ts";

const program = {
  usage: "tsx src/bin/floor.ts [--port N]",
  role: "server" as const,
  summary: "The bench's floor: the smallest correct Node echo server for the frame protocol.",
};

main(async (argv, stop) => {
  const { host, port } = parseFlags(argv, program);
  const server = await startFloorServer(host, port).catch((err: unknown) => {
    throw listenError(err, host, port);
  });
  console.log(`listening on ${hostPort(host, server.port)}`);
  await untilStopped(stop);
  await server.close();
  return 0;
});
