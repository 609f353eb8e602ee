export {
  type Connection,
  connect,
  type Listener,
  listen,
  ShutdownError,
} from "./blocking.ts";
export { createDemo, type Demo } from "./demo.ts";
export {
  AddressUnavailableError,
  ConnectionLostError,
  ConnectionRefusedError,
  connectError,
  describeError,
  errorCode,
  HelpRequested,
  listenError,
  PermissionDeniedError,
  PortInUseError,
  UsageError,
  UserError,
} from "./errors.ts";
export {
  boolFlag,
  DEFAULT_HOST,
  DEFAULT_PORT,
  type FlagSpec,
  type FlagValues,
  intFlag,
  isLoopback,
  logFlags,
  type ParsedFlags,
  type Program,
  parseFlags,
  sizeFlag,
  usageText,
} from "./flags.ts";
export { hexBytes, hexDump, preview } from "./hexdump.ts";
export {
  count,
  createLogger,
  hostPort,
  type Logger,
  type LogOptions,
  paint,
  silentLogger,
  sizeText,
  useColor,
} from "./log.ts";
export { type MainFunction, type MainOptions, main, untilStopped } from "./main.ts";
export { type TerminalOptions, terminalLines } from "./terminal.ts";
