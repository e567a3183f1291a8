import { describe, expect, it } from 'vitest';
import {
  cpuCores, machineBusyCores, maxOpenFiles, openFds, parseMachineCpu, parseMaxOpenFiles, parseSlabBytes, parseStatCpuSeconds, parseStatusRssBytes, sampleProc,
} from './proc-stats.js';

describe('/proc parsing', () => {
  it('reads utime + stime after a command name with spaces and parentheses', () => {
    const stat = '4242 (node (bench) x) S 1 4242 4242 0 -1 4194560 9120 0 0 0 250 75 0 0 20 0 11 0 123 1099511627776 30000';
    expect(parseStatCpuSeconds(stat)).toBeCloseTo(3.25, 9);
    expect(parseStatCpuSeconds('garbage')).toBeUndefined();
  });

  it('reads VmRSS in bytes and the soft fd limit', () => {
    expect(parseStatusRssBytes('Name:\tnode\nVmRSS:\t  123456 kB\nThreads:\t11\n')).toBe(123_456 * 1024);
    expect(parseStatusRssBytes('Name:\tnode\n')).toBeUndefined();
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            20000                20000                files\n';
    expect(parseMaxOpenFiles(limits)).toBe(20_000);
    expect(parseMaxOpenFiles('Max open files            unlimited            unlimited            files')).toBe(Infinity);
    expect(parseSlabBytes('MemTotal:       24684000 kB\nSlab:             512000 kB\n')).toBe(512_000 * 1024);
  });

  it('turns machine ticks into busy cores', () => {
    const a = parseMachineCpu('cpu  100 0 100 800 0 0 0 0 0 0\ncpu0 1 2 3\n')!;
    const b = parseMachineCpu('cpu  200 0 200 1000 0 0 0 0 0 0\n')!;
    expect(a).toEqual({ busyTicks: 200, totalTicks: 1000 });
    expect(machineBusyCores(a, b, 2)).toBeCloseTo(1, 9); // 200 busy of 400 ticks on 2 cores
  });

  it('samples this very process', () => {
    const s = sampleProc(process.pid)!;
    expect(s.rssBytes).toBeGreaterThan(1_000_000);
    expect(cpuCores(s, { ...s, cpuSeconds: s.cpuSeconds + 0.5, atMs: s.atMs + 1000 })).toBeCloseTo(0.5, 9);
    expect(maxOpenFiles(process.pid)).toBeGreaterThan(0);
    expect(openFds(process.pid)).toBeGreaterThan(2);
    expect(sampleProc(2 ** 30)).toBeUndefined();
  });
});
