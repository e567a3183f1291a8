// `npm run chaos`: every fault scenario, several rounds (CHAOS_ROUNDS, default 2; bounded), each on a fresh cluster,
// then one table per scenario — events in the window, lost (silently), signalled (covered by a resync notice),
// duplicates, stale blocks never retracted, recovery time — summed over every client of every round. Exits 1 when
// anything was lost, duplicated or left stale.
import { FaultCluster } from './fault-cluster.js';
import { type Outcome, runScenario, SCENARIOS } from './scenarios.js';

const rounds = Math.min(10, Math.max(1, Number(process.env['CHAOS_ROUNDS'] ?? 2) || 2));
const only = process.env['CHAOS_ONLY'];

interface Row {
  scenario: string;
  runs: number;
  events: number;
  lost: number;
  signalled: number;
  notices: number;
  duplicates: number;
  stale: number;
  recoveryMs: number[];
  failures: string[];
}

const rows = new Map<string, Row>();
for (const s of SCENARIOS) {
  if (only !== undefined && !s.name.includes(only)) continue;
  const row: Row = { scenario: s.name, runs: 0, events: 0, lost: 0, signalled: 0, notices: 0, duplicates: 0, stale: 0, recoveryMs: [], failures: [] };
  rows.set(s.name, row);
  for (let r = 0; r < rounds; r++) {
    const c = await FaultCluster.start({ redisPersistence: s.redis ?? 'none' });
    try {
      const outcomes: Outcome[] = await runScenario(c, s);
      row.runs++;
      for (const o of outcomes) {
        row.events += o.events;
        row.lost += o.lost;
        row.signalled += o.signalled;
        row.notices += o.notices;
        row.duplicates += o.duplicates;
        row.stale += o.stale;
      }
      row.recoveryMs.push(outcomes[0]!.recoveryMs);
    } catch (err) {
      row.failures.push(err instanceof Error ? err.message.split('\n')[0]! : String(err));
    } finally {
      await c.close();
    }
    process.stderr.write(`${s.name}: round ${r + 1}/${rounds} done\n`);
  }
}

const pad = (v: unknown, n: number) => String(v).padEnd(n);
const header = ['scenario', 'runs', 'events', 'lost', 'signalled', 'notices', 'dups', 'stale', 'recovery ms (max)', 'failures'];
const widths = [62, 5, 7, 5, 10, 8, 5, 6, 18, 8];
console.log(header.map((h, i) => pad(h, widths[i]!)).join(' '));
let bad = false;
for (const r of rows.values()) {
  const max = r.recoveryMs.length === 0 ? '-' : Math.max(...r.recoveryMs);
  console.log([r.scenario, r.runs, r.events, r.lost, r.signalled, r.notices, r.duplicates, r.stale, max, r.failures.length].map((v, i) => pad(v, widths[i]!)).join(' '));
  for (const f of r.failures) console.log(`  failure: ${f}`);
  if (r.lost > 0 || r.duplicates > 0 || r.stale > 0 || r.failures.length > 0) bad = true;
}
process.exit(bad ? 1 : 0);
