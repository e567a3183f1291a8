// Command-line flags are another spelling of the CHAINFAN_* variables: `--redis-url x` ≡ CHAINFAN_REDIS_URL=x.
// Flags win over the environment; a flag that names no variable of the command is an error.
import { ChainfanError } from '@chainfan/protocol';

export interface ParsedArgs {
  readonly env: Record<string, string | undefined>;
  readonly help: boolean;
  readonly positional: readonly string[];
}

export function flagToEnv(flag: string): string {
  return `CHAINFAN_${flag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

export function envToFlag(name: string): string {
  return `--${name.replace(/^CHAINFAN_/, '').toLowerCase().replace(/_/g, '-')}`;
}

/**
 * `booleans` are the variables whose flags are switches: a bare `--json` means true and never takes the next word
 * (which is then a positional argument); `--json=false` still works.
 */
export function parseArgs(argv: readonly string[], known: readonly string[], baseEnv: Readonly<Record<string, string | undefined>>, booleans: readonly string[] = []): ParsedArgs {
  const env: Record<string, string | undefined> = { ...baseEnv };
  const positional: string[] = [];
  const unknown: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') {
      help = true;
      continue;
    }
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const flag = eq > 0 ? a.slice(0, eq) : a;
    const name = flagToEnv(flag);
    if (!known.includes(name)) {
      unknown.push(flag);
      if (eq < 0 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    let value: string | undefined;
    if (eq > 0) value = a.slice(eq + 1);
    else if (!booleans.includes(name) && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) value = argv[++i];
    else value = 'true'; // a bare flag is a boolean switch
    env[name] = value;
  }
  if (unknown.length > 0) {
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `unknown option${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (see --help)`, { context: { unknown } });
  }
  return { env, help, positional };
}
