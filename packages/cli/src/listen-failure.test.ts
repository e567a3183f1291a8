import { int, str } from '@chainfan/telemetry';
import { describe, expect, it } from 'vitest';
import { describeListenFailure } from './listen-failure.js';

const table = {
  CHAINFAN_EDGE_PORT: int({ min: 0, max: 65535, default: 8765 }),
  CHAINFAN_EDGE_OPS_PORT: int({ min: 0, max: 65535, default: 9465 }),
  CHAINFAN_OPS_HOST: str({ default: '0.0.0.0' }),
};

const inUse = (port: number): Error => Object.assign(new Error(`listen EADDRINUSE: address already in use 0.0.0.0:${port}`), { code: 'EADDRINUSE', address: '0.0.0.0', port });

describe('describeListenFailure', () => {
  it('names the variable and flag that chose the port, default or set', () => {
    expect(describeListenFailure(inUse(9465), table, {})).toBe(
      'invalid configuration:\n  - CHAINFAN_EDGE_OPS_PORT: port 9465 is already in use (0.0.0.0:9465): another chainfan, or another program, listens there; '
        + 'choose another port with CHAINFAN_EDGE_OPS_PORT (--edge-ops-port)',
    );
    expect(describeListenFailure(inUse(7000), table, { CHAINFAN_EDGE_PORT: '7000' })).toMatch(/^invalid configuration:\n {2}- CHAINFAN_EDGE_PORT: port 7000 is already in use/);
  });

  it('understands the edge listener (uWS gives no reason) and privileged ports', () => {
    const uws = Object.assign(new Error('cannot listen on 127.0.0.1:8765'), { code: 'ELISTEN', address: '127.0.0.1', port: 8765 });
    expect(describeListenFailure(uws, table, {})).toContain('CHAINFAN_EDGE_PORT: cannot listen on 127.0.0.1:8765 (in use, or not permitted)');
    const eacces = Object.assign(new Error('listen EACCES'), { code: 'EACCES', address: '0.0.0.0', port: 80 });
    expect(describeListenFailure(eacces, table, { CHAINFAN_EDGE_PORT: '80' })).toContain('port 80 needs privileges');
  });

  it('leaves other errors alone', () => {
    expect(describeListenFailure(new Error('boom'), table, {})).toBeUndefined();
    expect(describeListenFailure(Object.assign(new Error('x'), { code: 'ECONNREFUSED', port: 6379 }), table, {})).toBeUndefined();
    expect(describeListenFailure(null, table, {})).toBeUndefined();
  });
});
