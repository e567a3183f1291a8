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
    const flags = known.map(envToFlag);
    const described = unknown.map((u) => {
      const near = nearest(u, flags);
      return near === undefined ? u : `${u} (did you mean ${near}?)`;
    });
    throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `unknown option${unknown.length > 1 ? 's' : ''}: ${described.join(', ')} (see --help)`, { context: { unknown } });
  }
  return { env, help, positional };
}

/** Edit distance (insert, delete, substitute, swap of neighbours): how far a typo is from a real flag. */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known flag when it is close enough to be the one meant (a third of its length at most), else undefined. */
export function nearest(flag: string, flags: readonly string[]): string | undefined {
  const f = flag.toLowerCase().slice(0, 64); // bounded work for a hostile argv
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of flags) {
    const dist = distance(f, k);
    if (dist < bestD) [best, bestD] = [k, dist];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? best : undefined;
}
