export { type Connection, connect, type Listener, listen } from "./blocking.ts";
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
export { hexDump, preview } from "./hexdump.ts";
export {
  createLogger,
  hostPort,
  type Logger,
  type LogOptions,
  paint,
  silentLogger,
  useColor,
} from "./log.ts";
export { type MainFunction, main, untilStopped } from "./main.ts";
