// CPU time, RSS and fd limit of any local process, from Linux /proc: how the bench watches servers, Redis and itself.
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: the unit of utime/stime in /proc/<pid>/stat; 100 on every Linux architecture Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

export interface ProcSample {
  readonly pid: number;
  /** user + system CPU seconds since the process started */
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  /** wall clock of the sample, ms (performance.now()) */
  readonly atMs: number;
}

/**
 * utime + stime (seconds) from the text of /proc/<pid>/stat. The command name (field 2) may contain spaces and
 * parentheses, so fields are counted from the last ')'. Undefined when the text does not have the stat shape.
 */
export function parseStatCpuSeconds(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(' ');
  // after "(comm)": field 3 (state) is index 0, so utime (14) is index 11 and stime (15) is index 12
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / CLOCK_TICKS_PER_SECOND;
}

/** VmRSS (bytes) from the text of /proc/<pid>/status. */
export function parseStatusRssBytes(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m === null ? undefined : Number(m[1]) * 1024;
}

/** The soft "Max open files" limit from the text of /proc/<pid>/limits; Infinity for "unlimited". */
export function parseMaxOpenFiles(limits: string): number | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  if (m === null) return undefined;
  return m[1] === 'unlimited' ? Infinity : Number(m[1]);
}

/** Undefined when the process is gone (or /proc is not Linux's). */
export function sampleProc(pid: number): ProcSample | undefined {
  try {
    const cpu = parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const rss = parseStatusRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (cpu === undefined || rss === undefined) return undefined;
    return { pid, cpuSeconds: cpu, rssBytes: rss, atMs: performance.now() };
  } catch {
    return undefined; // the process exited between samples: callers report it as gone
  }
}

export function maxOpenFiles(pid: number): number | undefined {
  try {
    return parseMaxOpenFiles(readFileSync(`/proc/${pid}/limits`, 'utf8'));
  } catch {
    return undefined; // gone
  }
}

export interface MachineCpuSample {
  /** ticks spent in anything but idle and iowait, summed over all cores */
  readonly busyTicks: number;
  readonly totalTicks: number;
}

/** The aggregate `cpu` line of /proc/stat. */
export function parseMachineCpu(procStat: string): MachineCpuSample | undefined {
  const line = procStat.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return undefined;
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (v.length < 5 || v.some((x) => !Number.isFinite(x))) return undefined;
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busyTicks: total - idle, totalTicks: total };
}

export function sampleMachineCpu(): MachineCpuSample | undefined {
  try {
    return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined; // not Linux: machine load is simply not reported
  }
}

/** Busy cores between two machine samples (0 … number of cores). */
export function machineBusyCores(from: MachineCpuSample, to: MachineCpuSample, cores: number): number {
  const total = to.totalTicks - from.totalTicks;
  return total > 0 ? ((to.busyTicks - from.busyTicks) / total) * cores : 0;
}

/** Kernel slab memory (bytes) from the text of /proc/meminfo: where socket, file and epoll structures live. */
export function parseSlabBytes(meminfo: string): number | undefined {
  const m = /^Slab:\s+(\d+)\s+kB$/m.exec(meminfo);
  return m === null ? undefined : Number(m[1]) * 1024;
}

export function slabBytes(): number | undefined {
  try {
    return parseSlabBytes(readFileSync('/proc/meminfo', 'utf8'));
  } catch {
    return undefined; // not Linux
  }
}

/** Open file descriptors of a process (sockets included); undefined when it is gone. */
export function openFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined; // gone
  }
}

/** CPU use between two samples of one process, in cores (1.0 = one core busy the whole time). */
export function cpuCores(from: ProcSample, to: ProcSample): number {
  const wall = (to.atMs - from.atMs) / 1000;
  return wall > 0 ? (to.cpuSeconds - from.cpuSeconds) / wall : 0;
}
