import { describe, expect, it } from 'vitest';
import { addRun, formatSummary, newTally, parseRepeatArgs, summarize, type VitestJsonReport } from './repeat-report.js';

const report = (tests: Array<[string, string]>, fileStatus = 'passed'): VitestJsonReport => ({
  testResults: [{ name: '/repo/packages/a/src/x.test.ts', status: fileStatus, assertionResults: tests.map(([fullName, status]) => ({ fullName, status })) }],
});

describe('test:repeat tally', () => {
  it('counts each test failure per run, keyed by relative file and full name', () => {
    const t = newTally();
    addRun(t, report([['a', 'passed'], ['b', 'failed']], 'failed'), '/repo');
    addRun(t, report([['a', 'passed'], ['b', 'passed']]), '/repo');
    addRun(t, report([['a', 'failed'], ['b', 'failed']], 'failed'), '/repo');
    const s = summarize(t);
    expect(s.runs).toBe(3);
    expect(s.tests).toBe(2);
    expect(s.flaky.map((f) => [f.id, f.failures, f.runs])).toEqual([
      ['packages/a/src/x.test.ts > b', 2, 3],
      ['packages/a/src/x.test.ts > a', 1, 3],
    ]);
    expect(s.green).toBe(false);
    expect(formatSummary(s, 'unit x3')).toContain('2/3  packages/a/src/x.test.ts > b');
  });

  it('a file failing with no failed test (hook or import error) counts as a failure of the file', () => {
    const t = newTally();
    addRun(t, report([['a', 'passed']], 'failed'), '/repo');
    addRun(t, report([], 'failed'), '/repo');
    expect(summarize(t).flaky.map((f) => [f.id, f.failures])).toEqual([['packages/a/src/x.test.ts > (file)', 2]]);
  });

  it('skipped tests are not runs; a run without a report is broken, not green', () => {
    const t = newTally();
    addRun(t, report([['a', 'skipped'], ['b', 'passed']]), '/repo');
    expect(summarize(t)).toMatchObject({ tests: 1, green: true });
    addRun(t, undefined, '/repo');
    expect(summarize(t)).toMatchObject({ runs: 2, brokenRuns: 1, green: false });
  });

  it('parses N, --load and --layers, and names a bad argument', () => {
    expect(parseRepeatArgs([])).toEqual({ n: 5, load: false, layers: ['unit', 'int', 'system'] });
    expect(parseRepeatArgs(['3', '--load', '--layers', 'unit,int'])).toEqual({ n: 3, load: true, layers: ['unit', 'int'] });
    expect(parseRepeatArgs(['0'])).toMatch(/1\.\.1000/);
    expect(parseRepeatArgs(['--layers', 'e2e'])).toMatch(/unknown layer "e2e"/);
    expect(parseRepeatArgs(['--fast'])).toMatch(/unknown argument "--fast"/);
  });
});
