// The process's one pino root; components take `.child({ component })` of it and log stable dotted `event` names.
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger, LevelWithSilent as LogLevel };

export interface LoggerOptions {
  /** bound on every line, e.g. 'edge' or 'ingestor' */
  readonly service: string;
  readonly level: LevelWithSilent;
  /** defaults to stdout; tests pass a sink to capture or silence lines */
  readonly destination?: DestinationStream;
}

/** JSON lines with an ISO time; `err` goes through pino's serializer so causes and codes survive. */
export function createLogger(opts: LoggerOptions): Logger {
  const options = {
    level: opts.level,
    base: { service: opts.service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    serializers: { err: pino.stdSerializers.err },
  };
  return opts.destination === undefined ? pino(options) : pino(options, opts.destination);
}
