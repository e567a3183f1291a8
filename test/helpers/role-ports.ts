// Where a spawned role listens, from its log lines: the CLI's `edge.listening` / `ingestor.ready` lines carry the
// ops port (the edge component logs its own `edge.listening` first, without it). A process starting from the
// TypeScript sources on a machine busy with other test files can take well over 20 s to get there.
import { waitFor } from '@chainfan/testkit';
import type { ChainfanProcess } from './chainfan-process.js';

export interface EdgePorts {
  readonly port: number;
  readonly opsPort: number;
}

export async function edgePorts(proc: ChainfanProcess, timeoutMs = 60_000): Promise<EdgePorts> {
  await proc.waitForEvent('edge.listening', timeoutMs);
  const line = await waitFor(() => proc.lines.find((l) => l.event === 'edge.listening' && typeof l['opsPort'] === 'number'), { timeoutMs, message: 'edge.listening with opsPort' });
  return { port: line['port'] as number, opsPort: line['opsPort'] as number };
}

export async function ingestorOpsPort(proc: ChainfanProcess, timeoutMs = 60_000): Promise<number> {
  const line = await proc.waitForEvent('ingestor.ready', timeoutMs);
  return line['opsPort'] as number;
}
