// The slice of a pino logger the bus uses, so @chainfan/bus depends on no logging library.
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const noop = (): void => undefined;
export const silentLogger: BusLogger = { debug: noop, info: noop, warn: noop, error: noop };
