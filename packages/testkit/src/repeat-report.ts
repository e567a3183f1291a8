// Flakiness arithmetic of `npm run test:repeat`: folds vitest JSON reports of N runs into per-test failure counts.
// Pure: reading files and spawning vitest live in repeat-main.ts.

/** The part of vitest's JSON reporter output we read. */
export interface VitestJsonReport {
  readonly testResults: ReadonlyArray<{
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: ReadonlyArray<{ readonly fullName: string; readonly status: string; readonly duration?: number | null }>;
  }>;
}

export interface TestTally {
  /** `file > full test name`; a file that failed outside any test (import error, hook) is `file > (file)` */
  readonly id: string;
  runs: number;
  failures: number;
}

export interface RepeatTally {
  readonly tests: Map<string, TestTally>;
  /** runs whose report was missing or unreadable (vitest crashed or was killed) */
  brokenRuns: number;
  runs: number;
}

export function newTally(): RepeatTally {
  return { tests: new Map(), brokenRuns: 0, runs: 0 };
}

/** Relative file path, so reports from two checkouts of the same tree agree. */
function shortFile(name: string, root: string): string {
  return name.startsWith(root) ? name.slice(root.length).replace(/^\/+/, '') : name;
}

function bump(tally: RepeatTally, id: string, failed: boolean): void {
  let t = tally.tests.get(id);
  if (!t) {
    t = { id, runs: 0, failures: 0 };
    tally.tests.set(id, t);
  }
  t.runs += 1;
  if (failed) t.failures += 1;
}

/** Adds one run's report (undefined: the run left no report, counted as broken). */
export function addRun(tally: RepeatTally, report: VitestJsonReport | undefined, root: string): void {
  tally.runs += 1;
  if (!report) {
    tally.brokenRuns += 1;
    return;
  }
  for (const file of report.testResults) {
    const f = shortFile(file.name, root);
    let anyTestFailed = false;
    for (const a of file.assertionResults) {
      if (a.status === 'skipped' || a.status === 'pending' || a.status === 'todo') continue;
      const failed = a.status !== 'passed';
      anyTestFailed ||= failed;
      bump(tally, `${f} > ${a.fullName}`, failed);
    }
    // a file can fail with every test passed (afterAll threw) or with none run (import error)
    if (file.status === 'failed' && !anyTestFailed) bump(tally, `${f} > (file)`, true);
  }
}

export interface RepeatSummary {
  readonly runs: number;
  readonly brokenRuns: number;
  readonly tests: number;
  readonly flaky: readonly TestTally[];
  readonly green: boolean;
}

export function summarize(tally: RepeatTally): RepeatSummary {
  const flaky = [...tally.tests.values()].filter((t) => t.failures > 0).sort((a, b) => b.failures - a.failures || a.id.localeCompare(b.id));
  return { runs: tally.runs, brokenRuns: tally.brokenRuns, tests: tally.tests.size, flaky, green: flaky.length === 0 && tally.brokenRuns === 0 };
}

export function formatSummary(s: RepeatSummary, label: string): string {
  const lines = [`${label}: ${s.runs} run(s), ${s.tests} tests, ${s.flaky.length} with failures, ${s.brokenRuns} run(s) without a report`];
  for (const t of s.flaky) lines.push(`  ${t.failures}/${t.runs}  ${t.id}`);
  lines.push(s.green ? `${label}: all green` : `${label}: NOT green`);
  return lines.join('\n');
}

export interface RepeatArgs {
  readonly n: number;
  readonly load: boolean;
  readonly layers: readonly string[];
}

export const ALL_LAYERS = ['unit', 'int', 'system'] as const;

export function parseRepeatArgs(argv: readonly string[]): RepeatArgs | string {
  let n = 5;
  let load = false;
  let layers: readonly string[] = ALL_LAYERS;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--load') load = true;
    else if (a === '--layers') {
      const v = argv[++i];
      if (!v) return '--layers needs a comma-separated list (unit,int,system)';
      layers = v.split(',').filter((l) => l.length > 0);
      const bad = layers.find((l) => !(ALL_LAYERS as readonly string[]).includes(l));
      if (bad !== undefined || layers.length === 0) return `unknown layer "${bad ?? ''}" (unit, int, system)`;
    } else if (/^\d+$/.test(a)) {
      n = Number(a);
      if (n < 1 || n > 1000) return 'N must be 1..1000';
    } else return `unknown argument "${a}" (usage: test:repeat -- [N] [--load] [--layers unit,int,system])`;
  }
  return { n, load, layers };
}
