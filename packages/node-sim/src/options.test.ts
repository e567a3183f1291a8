import { describe, expect, it } from 'vitest';
import { NODE_SIM_DEFAULTS, resolveNodeSimOptions } from './options.js';
import { systemClock } from './clock.js';

const noop = (): void => undefined;

describe('resolveNodeSimOptions', () => {
  it('fills the documented defaults, with the RPC port and bits following the network', () => {
    const main = resolveNodeSimOptions({}, systemClock, noop);
    expect(main).toMatchObject({ ...NODE_SIM_DEFAULTS, rpcPort: 8819, bits: 0x1b260d0b });
    expect(resolveNodeSimOptions({ network: 'evrmore-regtest' }, systemClock, noop)).toMatchObject({ rpcPort: 18443, bits: 0x207fffff });
    expect(resolveNodeSimOptions({ network: 'evrmore-test', rpcPort: 0 }, systemClock, noop)).toMatchObject({ rpcPort: 0, bits: 0x1e00ffff });
  });

  it('reports every problem at once with CHAINFAN_CONFIG_INVALID', () => {
    let caught: unknown;
    try {
      resolveNodeSimOptions(
        { rpcPort: 70_000, txPerSecond: -1, wallets: 1, zmqEndpoint: 'ipc:///tmp/x', feeRateSatsPerVbyte: [5, 1], zmqTopics: ['hashblock', 'rawmessage' as never] },
        systemClock, noop,
      );
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'CHAINFAN_CONFIG_INVALID' });
    const problems = (caught as { context: { problems: string[] } }).context.problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['rpcPort', 'wallets', 'txPerSecond', 'feeRateSatsPerVbyte', 'zmqTopics', 'zmqEndpoint']);
  });

  it('validates the fault options and keeps the fault random apart from the chain random', () => {
    const r = resolveNodeSimOptions({ seed: 5 }, systemClock, noop);
    expect(r).toMatchObject({ zmqDropFraction: 0, restartDowntimeMs: 0 });
    expect(r.faultRandom()).toBe(resolveNodeSimOptions({ seed: 5 }, systemClock, noop).faultRandom()); // seeded, reproducible
    let caught: unknown;
    try {
      resolveNodeSimOptions({ zmqDropFraction: 1.2, restartDowntimeMs: -5 }, systemClock, noop);
    } catch (err) {
      caught = err;
    }
    const problems = (caught as { context: { problems: string[] } }).context.problems;
    expect(problems.map((p) => p.split(':')[0])).toEqual(['zmqDropFraction', 'restartDowntimeMs']);
    expect(() => resolveNodeSimOptions({ zmqDropFraction: Number.NaN }, systemClock, noop)).toThrow(/zmqDropFraction/);
  });
});
