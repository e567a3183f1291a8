// Watches named groups of processes over a measurement window: CPU (cores, from /proc stat deltas) and peak RSS.
import { availableParallelism } from 'node:os';
import { cpuCores, machineBusyCores, type MachineCpuSample, type ProcSample, sampleMachineCpu, sampleProc } from './proc-stats.js';

export interface GroupUsage {
  /** summed over the group's processes: 1.0 = one core busy for the whole window */
  readonly cpuCores: number;
  /** the busiest single process, in cores: a single-threaded process near 1.0 is saturated */
  readonly maxProcessCpuCores: number;
  /** summed over the group, at the end of the window */
  readonly rssBytes: number;
  /** highest summed RSS seen by any sample() */
  readonly peakRssBytes: number;
}

export interface WatchResult {
  readonly groups: Record<string, GroupUsage>;
  /** busy cores of the whole machine over the window */
  readonly machineBusyCores: number;
  /** busy cores not explained by the watched processes: other work on a shared machine */
  readonly otherCores: number;
}

export class ProcWatch {
  readonly #groups: ReadonlyMap<string, readonly number[]>;
  #start = new Map<number, ProcSample>();
  #machine: MachineCpuSample | undefined;
  #peak = new Map<string, number>();

  constructor(groups: Readonly<Record<string, readonly number[]>>) {
    this.#groups = new Map(Object.entries(groups).map(([k, pids]) => [k, pids.filter((p) => p > 0)]));
  }

  begin(): void {
    this.#start = new Map();
    this.#peak = new Map();
    this.#machine = sampleMachineCpu();
    for (const pids of this.#groups.values()) {
      for (const pid of pids) {
        const s = sampleProc(pid);
        if (s !== undefined) this.#start.set(pid, s);
      }
    }
    this.sample();
  }

  /** Samples RSS for the peaks; returns the summed RSS per group now. */
  sample(): Map<string, number> {
    const now = new Map<string, number>();
    for (const [name, pids] of this.#groups) {
      let rss = 0;
      for (const pid of pids) rss += sampleProc(pid)?.rssBytes ?? 0;
      now.set(name, rss);
      this.#peak.set(name, Math.max(this.#peak.get(name) ?? 0, rss));
    }
    return now;
  }

  end(): WatchResult {
    const machineEnd = sampleMachineCpu();
    const out: Record<string, GroupUsage> = {};
    for (const [name, pids] of this.#groups) {
      let cores = 0;
      let maxCores = 0;
      let rss = 0;
      for (const pid of pids) {
        const a = this.#start.get(pid);
        const b = sampleProc(pid);
        if (b !== undefined) rss += b.rssBytes;
        if (a === undefined || b === undefined) continue;
        const c = cpuCores(a, b);
        cores += c;
        maxCores = Math.max(maxCores, c);
      }
      this.#peak.set(name, Math.max(this.#peak.get(name) ?? 0, rss));
      out[name] = { cpuCores: cores, maxProcessCpuCores: maxCores, rssBytes: rss, peakRssBytes: this.#peak.get(name) ?? rss };
    }
    const busy = this.#machine !== undefined && machineEnd !== undefined ? machineBusyCores(this.#machine, machineEnd, availableParallelism()) : NaN;
    const ours = Object.values(out).reduce((s, g) => s + g.cpuCores, 0);
    return { groups: out, machineBusyCores: busy, otherCores: Math.max(0, busy - ours) };
  }
}
