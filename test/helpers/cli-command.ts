// How tests start the `chainfan` binary from its TypeScript sources: tsx, with the "source" export condition so
// every @chainfan/* import resolves to src/ as well (no build needed; the built binary is covered by pack-install).
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../../packages/cli/src/main.ts', import.meta.url));

/** Node arguments that run `chainfan`; append the command and its flags. */
export const CLI_ARGS: readonly string[] = ['--conditions=source', '--import', 'tsx', CLI_MAIN];
