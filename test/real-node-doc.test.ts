// docs/real-node.md is configuration people copy: its evrmore.conf block must give the ingestor exactly the ZMQ topics
// it subscribes to and the RPC it calls, and its systemd units must start the built binary with settings the apps
// accept. Checked against the code, so neither can drift.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { edgeEnv, loadEdgeEnv } from '@chainfan/edge';
import { INGESTOR_NODE_FLAGS, ingestorEnv, loadIngestorConfig, ZMQ_TOPICS } from '@chainfan/ingestor';
import { EX_CONFIG } from '@chainfan/telemetry';

const ROOT = new URL('..', import.meta.url);
const doc = readFileSync(fileURLToPath(new URL('docs/real-node.md', ROOT)), 'utf8');
const readme = readFileSync(fileURLToPath(new URL('README.md', ROOT)), 'utf8');

/** The ```ini blocks of a markdown text, in order. */
function iniBlocks(md: string): string[] {
  return [...md.matchAll(/```ini\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** key=value lines (comments and [sections] skipped); repeated keys keep every value. */
function keyValues(block: string): [string, string][] {
  return block.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('['))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]);
}

const blocks = iniBlocks(doc);
const parsed = blocks.map(keyValues);
const block = (i: number): [string, string][] => parsed[i] ?? [];
const [conf, ingestorEnvFile, ingestorUnit, edgeEnvFile, edgeUnit] = [block(0), block(1), block(2), block(3), block(4)];
const one = (kv: [string, string][], key: string): string => {
  const v = kv.filter(([k]) => k === key).map(([, x]) => x);
  expect(v, key).toHaveLength(1);
  return v[0]!;
};

describe('docs/real-node.md', () => {
  it('has the evrmore.conf block, two environment files and two units', () => {
    expect(blocks).toHaveLength(5);
  });

  it('evrmore.conf publishes exactly the ZMQ topics the ingestor reads from Evrmore, on its endpoint', () => {
    const zmq = conf.filter(([k]) => k.startsWith('zmqpub'));
    // Evrmore (Bitcoin Core 0.15 based) has no `sequence` topic; the ingestor also takes it from nodes that have it
    expect(zmq.map(([k]) => k.slice('zmqpub'.length)).sort()).toEqual(ZMQ_TOPICS.filter((t) => t !== 'sequence').slice().sort());
    const endpoints = one(ingestorEnvFile, 'CHAINFAN_ZMQ_ENDPOINTS').split(',');
    for (const [, endpoint] of zmq) expect(endpoints).toContain(endpoint);
    expect(ingestorEnv.CHAINFAN_ZMQ_ENDPOINTS.describeDefault.split(',')).toEqual(endpoints); // the default works as is
  });

  it('evrmore.conf serves the RPC the ingestor is told to call, with the same credentials', () => {
    expect(one(conf, 'server')).toBe('1');
    const rpc = new URL(one(ingestorEnvFile, 'CHAINFAN_RPC_URL'));
    expect(rpc.port).toBe(one(conf, 'rpcport'));
    expect(new URL(ingestorEnv.CHAINFAN_RPC_URL.describeDefault).port).toBe(one(conf, 'rpcport')); // mainnet default
    expect(decodeURIComponent(rpc.username)).toBe(one(conf, 'rpcuser'));
    expect(decodeURIComponent(rpc.password)).toBe(one(conf, 'rpcpassword'));
    expect(one(conf, 'rpcallowip')).toBe(rpc.hostname);
    expect(one(conf, 'rpcbind')).toBe(rpc.hostname);
  });

  it('the environment files are valid configurations of the ingestor and the edge', () => {
    const cfg = loadIngestorConfig(Object.fromEntries(ingestorEnvFile));
    expect(cfg.CHAINFAN_NETWORK).toBe('evrmore-main');
    const edgeEnvironment = Object.fromEntries([...edgeEnvFile, ...edgeUnit.filter(([k]) => k === 'Environment').map(([, v]) => v.split('=') as [string, string])]);
    edgeEnvironment['CHAINFAN_EDGE_OPS_PORT'] = edgeEnvironment['CHAINFAN_EDGE_OPS_PORT']!.replace('%i', '1'); // instance 1
    expect(loadEdgeEnv(edgeEnvironment).CHAINFAN_EDGE_OPS_PORT).toBe(9471);
    for (const [k] of [...ingestorEnvFile]) expect(Object.keys(ingestorEnv)).toContain(k);
    for (const [k] of edgeEnvFile) expect(Object.keys(edgeEnv)).toContain(k);
  });

  it('the units start the built binary, with the ingestor\'s node flags, and do not restart on a configuration error', () => {
    const pkg = JSON.parse(readFileSync(fileURLToPath(new URL('packages/cli/package.json', ROOT)), 'utf8')) as { bin: Record<string, string> };
    // the command npm links runs the same built entry the units start
    expect(pkg.bin['chainfan']).toBe('./bin/chainfan.js');
    expect(readFileSync(fileURLToPath(new URL('packages/cli/bin/chainfan.js', ROOT)), 'utf8')).toContain("import('../dist/main.js')");
    expect(one(ingestorUnit, 'ExecStart')).toBe(`/usr/bin/node ${INGESTOR_NODE_FLAGS.join(' ')} /opt/chainfan/packages/cli/dist/main.js ingestor`);
    expect(one(edgeUnit, 'ExecStart')).toBe('/usr/bin/node /opt/chainfan/packages/cli/dist/main.js edge');
    for (const unit of [ingestorUnit, edgeUnit]) {
      expect(one(unit, 'RestartPreventExitStatus')).toBe(String(EX_CONFIG));
      for (const [k, v] of [['NoNewPrivileges', 'yes'], ['ProtectSystem', 'strict'], ['DynamicUser', 'yes'], ['PrivateTmp', 'yes'], ['CapabilityBoundingSet', '']]) {
        expect(one(unit, k!), k).toBe(v);
      }
    }
    // the edge's stop timeout leaves room for its drain
    expect(Number(one(edgeUnit, 'TimeoutStopSec')) * 1000).toBeGreaterThan(Number(one(edgeEnvFile, 'CHAINFAN_EDGE_DRAIN_TIMEOUT_MS')));
  });

  it('the README\'s short evrmore.conf is part of the full one', () => {
    const short = keyValues(iniBlocks(readme)[0]!);
    expect(short.length).toBeGreaterThan(4);
    for (const kv of short) expect(conf).toContainEqual(kv);
  });
});
