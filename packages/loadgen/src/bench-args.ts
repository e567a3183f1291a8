// Command line of `npm run bench`: scenario names and options, parsed into a plan or a list of problems.
import { findScenario, QUICK, SCENARIOS, type ScenarioSpec } from './scenarios/catalog.js';

export interface BenchPlan {
  readonly scenarios: readonly ScenarioSpec[];
  readonly reps: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly bodyBytes: number;
  readonly loadgenWorkers: number;
  /** `--cpu-prof` for the server under test; profiles go to <out>/profiles */
  readonly profile: boolean;
  readonly outDir: string;
  readonly list: boolean;
}

export type ParsedArgs = { readonly ok: true; readonly plan: BenchPlan } | { readonly ok: false; readonly problems: readonly string[] };

export const USAGE = `usage: npm run bench -- [scenario …] [--full] [--reps N] [--warmup-ms N] [--measure-ms N]
                         [--body-bytes N] [--loadgen-workers N] [--profile] [--out DIR] [--list]
Without scenario names the quick set runs (${QUICK.map((s) => s.name).join(', ')}); --full runs every scenario.`;

export function parseBenchArgs(argv: readonly string[]): ParsedArgs {
  const problems: string[] = [];
  const names: string[] = [];
  let full = false;
  let reps = 3;
  let warmupMs = 2_000;
  let measureMs = 3_000;
  let bodyBytes = 256;
  let loadgenWorkers = 1;
  let profile = false;
  let outDir = 'bench-results';
  let list = false;
  const intArg = (flag: string, v: string | undefined, min: number, max: number): number => {
    const n = Number(v);
    if (v === undefined || !Number.isInteger(n) || n < min || n > max) {
      problems.push(`${flag} needs an integer in ${min}..${max}, got ${v ?? 'nothing'}`);
      return min;
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    switch (a) {
      case '--full':
        full = true;
        break;
      case '--reps':
        reps = intArg(a, argv[++i], 1, 20);
        break;
      case '--warmup-ms':
        warmupMs = intArg(a, argv[++i], 0, 600_000);
        break;
      case '--measure-ms':
        measureMs = intArg(a, argv[++i], 500, 600_000);
        break;
      case '--body-bytes':
        bodyBytes = intArg(a, argv[++i], 64, 1_048_576);
        break;
      case '--loadgen-workers':
        loadgenWorkers = intArg(a, argv[++i], 1, 64);
        break;
      case '--profile':
        profile = true;
        break;
      case '--out': {
        const v = argv[++i];
        if (v === undefined || v.startsWith('--')) problems.push('--out needs a directory');
        else outDir = v;
        break;
      }
      case '--list':
        list = true;
        break;
      default:
        if (a.startsWith('-')) problems.push(`unknown option ${a}`);
        else if (findScenario(a) === undefined) problems.push(`unknown scenario ${a} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
        else names.push(a);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const scenarios = names.length > 0 ? names.map((n) => findScenario(n)!) : full ? SCENARIOS : QUICK;
  return { ok: true, plan: { scenarios, reps, warmupMs, measureMs, bodyBytes, loadgenWorkers, profile, outDir, list } };
}
