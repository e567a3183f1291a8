// `npm run test:repeat -- N [--load] [--layers unit,int,system]`: runs the test layers N times in a row (each run
// layer after layer, like `npm test`) and prints per-test failure counts. With --load a second full suite runs over
// and over at the same time, the load a shared CI machine may bring; its own results are tallied apart.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ALL_LAYERS, addRun, formatSummary, newTally, parseRepeatArgs, summarize, type RepeatTally, type VitestJsonReport } from './repeat-report.js';

const root = resolve(import.meta.dirname, '../../..');
const vitest = join(root, 'node_modules/vitest/vitest.mjs');

const live = new Set<number>();
function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
// Ctrl-C stops every suite started here, with the processes it spawned
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    for (const pid of live) killGroup(pid);
    process.exit(130);
  });
}

function runLayer(layer: string, outFile: string, signal?: AbortSignal): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [vitest, 'run', '--project', layer, '--reporter=json', `--outputFile=${outFile}`], {
      cwd: root,
      stdio: ['ignore', 'ignore', 'ignore'],
      // its own process group, so a stopped load run takes its Redis servers and workers with it
      detached: true,
    });
    const pid = child.pid;
    if (pid !== undefined) live.add(pid);
    signal?.addEventListener('abort', () => pid !== undefined && child.exitCode === null && killGroup(pid), { once: true });
    child.on('error', () => done(-1));
    child.on('exit', (code) => {
      if (pid !== undefined) live.delete(pid);
      done(code ?? -1);
    });
  });
}

function readReport(file: string): VitestJsonReport | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as VitestJsonReport;
  } catch {
    return undefined;
  }
}

async function runSuite(layers: readonly string[], dir: string, tag: string, tally: RepeatTally, log: (s: string) => void, signal?: AbortSignal): Promise<void> {
  for (const layer of layers) {
    if (signal?.aborted) return;
    const out = join(dir, `${tag.replace(/[^a-z0-9#]+/gi, '-')}-${layer}.json`);
    const started = process.hrtime.bigint();
    const code = await runLayer(layer, out, signal);
    if (signal?.aborted) return;
    const report = readReport(out);
    addRun(tally, report, root);
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    const failed = report ? report.testResults.reduce((n, f) => n + f.assertionResults.filter((a) => a.status === 'failed').length, 0) : -1;
    log(`${tag} ${layer}: exit ${code}, ${failed < 0 ? 'no report' : `${failed} failed`}, ${secs.toFixed(1)} s`);
  }
}

async function main(): Promise<number> {
  const args = parseRepeatArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`test:repeat: ${args}\n`);
    return 64;
  }
  const dir = mkdtempSync(join(tmpdir(), 'chainfan-repeat-'));
  const tally = newTally();
  const loadTally = newTally();
  const stopLoad = new AbortController();
  const loadLoop = args.load
    ? (async () => {
        for (let i = 1; !stopLoad.signal.aborted; i++) {
          await runSuite(ALL_LAYERS, dir, `load#${i}`, loadTally, (s) => process.stdout.write(`  (${s})\n`), stopLoad.signal);
        }
      })()
    : Promise.resolve();
  try {
    for (let i = 1; i <= args.n; i++) {
      await runSuite(args.layers, dir, `run ${i}/${args.n}`, tally, (s) => process.stdout.write(`${s}\n`));
    }
  } finally {
    stopLoad.abort();
    await loadLoop;
    rmSync(dir, { recursive: true, force: true });
  }
  const s = summarize(tally);
  process.stdout.write(`\n${formatSummary(s, `${args.layers.join('+')} x${args.n}${args.load ? ' under load' : ''}`)}\n`);
  if (args.load) process.stdout.write(`${formatSummary(summarize(loadTally), 'load suite (completed layers)')}\n`);
  return s.green ? 0 : 1;
}

process.exitCode = await main();
