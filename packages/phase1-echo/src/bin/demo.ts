// `pnpm --filter phase1-echo demo`: the server and its clients in one
// terminal. Server log lines carry a time stamp; the client's lines start
// with "client". The server gets a free port, so a server you already run
// on 1234 does not get in the way.
import { styleText } from "node:util";
import { connect, createLogger, main, preview, useColor } from "@rah/core";
import { exchange } from "../client.ts";
import { startServer } from "../server.ts";

const color = useColor(process.stdout);
const step = (text: string) => console.log(`\n${color ? styleText("bold", text) : text}`);
const client = (name: string, text: string) =>
  console.log(`${color ? styleText("green", `client ${name}`) : `client ${name}`}  ${text}`);

main(async () => {
  step("== phase 1: an echo server, one client at a time ==");
  const server = await startServer({ host: "127.0.0.1", port: 0, log: createLogger() });
  const { host, port } = server;

  step("1. A client sends a message, closes its sending side, and reads the echo.");
  client("A", 'sends "hello, redis at home"');
  const reply = await exchange(host, port, Buffer.from("hello, redis at home"));
  client("A", `got back ${preview(reply)}`);

  step("2. Bytes are bytes: binary data comes back exactly.");
  const binary = Buffer.from([0x00, 0xff, 0x10, 0x0a, 0x80]);
  client("B", `sends ${preview(binary)}`);
  client("B", `got back ${preview(await exchange(host, port, binary))}`);

  step("3. One at a time: C connects and stays; D connects and has to wait for C to leave.");
  const c = await connect(host, port);
  await c.write(Buffer.from("C is still talking"));
  client("C", "connected, sent some bytes, and keeps the connection open");
  const d = exchange(host, port, Buffer.from("D was here"));
  client("D", "connected and sent its message: no reply yet, the server is busy with C");
  await new Promise((resolve) => setTimeout(resolve, 300));
  client("C", `got ${preview(await c.read(4096))}; now it closes its side`);
  await c.shutdownWrite();
  c.close();
  client("D", `finally got back ${preview(await d)}`);

  step("4. Stop the server (what Ctrl-C does when it runs on its own).");
  await server.close();
  return 0;
});
