// Ends a command started in its own process group (spawn with `detached: true`) together with everything it started.
// Waiting for the spawned shell alone is not enough: npm and npx exit on SIGTERM while the program they launched is
// still shutting down, and that program then outlives the test.
import { readdirSync, readFileSync } from 'node:fs';
import { waitFor } from '@chainfan/testkit';

/** Live members of a process group: pid and command line (Linux /proc; zombies are already gone for good). */
export function groupMembers(pgid: number): { pid: number; cmd: string }[] {
  const out: { pid: number; cmd: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read the fields after its last ')'
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (state === 'Z' || Number(pgrp) !== pgid) continue;
      out.push({ pid: Number(name), cmd: readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ').trim() });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err; // the group is already gone
  }
}

/**
 * SIGTERM to the whole group, then waits until none of it is left. A member still there after `graceMs` is killed
 * (so nothing survives the test) and the stop fails naming it: every role must end on SIGTERM.
 */
export async function stopProcessGroup(pgid: number, graceMs = 20_000): Promise<void> {
  const gone = (): boolean => groupMembers(pgid).length === 0;
  if (gone()) return; // never signal a group id that has ended: the number may be reused
  signalGroup(pgid, 'SIGTERM');
  try {
    await waitFor(gone, { timeoutMs: graceMs, intervalMs: 20 });
  } catch {
    const stuck = groupMembers(pgid);
    signalGroup(pgid, 'SIGKILL');
    await waitFor(gone, { timeoutMs: 5_000, intervalMs: 20, message: `process group ${pgid} survives SIGKILL` });
    if (stuck.length > 0) throw new Error(`still running ${graceMs} ms after SIGTERM, killed: ${stuck.map((m) => `${m.pid} ${m.cmd}`).join('; ')}`);
  }
}
