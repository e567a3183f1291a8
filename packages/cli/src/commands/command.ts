// What every `chainfan <role>` command provides: its variable table (for flags, --help and validation) and a runner.
import type { EnvTable } from '@chainfan/telemetry';

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly env: EnvTable;
  /** Starts the role; resolves once it is running (it keeps running until a signal). */
  run(env: Readonly<Record<string, string | undefined>>, positional: readonly string[]): Promise<void>;
}
