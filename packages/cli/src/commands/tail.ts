// `chainfan tail <topic>...`: a terminal client printing events as they arrive — one human-readable line each, or
// with --json the server's messages one JSON object per line, for jq and friends. Status goes to stderr.
import { ChainfanClient, ChainfanClientError, type ChainfanMessage } from '@chainfan/client/node';
import { ChainfanError, parseTopic } from '@chainfan/protocol';
import { bool, parseEnv, url } from '@chainfan/telemetry';
import type { Command } from './command.js';

export const tailEnv = {
  CHAINFAN_URL: url({ protocols: ['ws:', 'wss:'], default: 'ws://127.0.0.1:8765/', help: 'edge (or any evrmore-rpc server) to connect to' }),
  CHAINFAN_JSON: bool({ default: false, help: 'print each message as one JSON line instead of text' }),
} as const;

function clock(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}

/** Any value: a server's message is input, and a missing or null field must not end the tail. */
function short(hash: unknown): string {
  if (typeof hash !== 'string') return '?';
  return hash.length > 20 ? `${hash.slice(0, 12)}…${hash.slice(-6)}` : hash;
}

function bytes(n: unknown): string {
  return typeof n === 'number' && Number.isFinite(n) ? `${n} B` : '? B';
}

/** Amounts as the node prints them (up to 8 decimals), without float noise such as 0.30000000000000004. */
function amount(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toFixed(8))) : '?';
}

/** Longest rendering of a message of a type the formatter does not know, so one line stays one screen line-ish. */
const MAX_UNKNOWN_CHARS = 200;

/** One line for a message: receive time, type, then the fields that identify and size it. */
export function formatEvent(msg: ChainfanMessage, receivedAtMs: number): string {
  const head = (type: string): string => `${clock(receivedAtMs)}  ${type.padEnd(12)}`;
  switch (msg.type) {
    case 'block': {
      const b = msg.data;
      return `${head('block')} #${b.height}  ${short(b.hash)}  txs=${b.tx?.length ?? 0}  size=${bytes(b.size)}  difficulty=${b.difficulty}`;
    }
    case 'transaction': {
      const t = msg.data;
      const value = (t.vout ?? []).reduce((a, v) => a + (Number.isFinite(v.value) ? v.value : 0), 0);
      const assets = (t.vout ?? []).flatMap((v) => (v.scriptPubKey?.asset ? [`${v.scriptPubKey.asset.name} ${amount(v.scriptPubKey.asset.amount)}`] : []));
      const where = typeof t.blockhash !== 'string' ? 'mempool' : `block ${short(t.blockhash)}`; // null or absent: mempool
      return `${head('transaction')} ${short(t.txid)}  in=${t.vin?.length ?? 0} out=${t.vout?.length ?? 0}  value=${amount(value)} EVR  size=${bytes(t.size)}  ${where}${assets.length > 0 ? `  assets: ${assets.join(', ')}` : ''}`;
    }
    case 'asset': {
      const a = msg.data;
      return `${head('asset')} ${a.type} ${amount(a.amount)} ${a.asset}${a.address ? ` → ${a.address}` : ''}  tx=${short(a.txid)}`;
    }
    case 'mempool': {
      const m = msg.data;
      return `${head('mempool')} size=${m.size} tx  bytes=${bytes(m.bytes)}  usage=${bytes(m.usage)}`;
    }
    case 'sequence':
      return `${head('sequence')} #${msg.data.sequence}  ${short(msg.data.hash)}`;
    case 'subscription':
      return `${head('subscription')} ${msg.data.action} ${msg.data.topic}: ${msg.data.status}`;
    case 'error':
      return `${head('error')} ${msg.data.code} ${msg.data.message}`;
    case 'unknown': {
      const text = JSON.stringify(msg.data) ?? 'null';
      return `${head(msg.wireType)} ${text.length > MAX_UNKNOWN_CHARS ? `${text.slice(0, MAX_UNKNOWN_CHARS)}…` : text}`;
    }
  }
}

/** The message as the server sent it (`{"type", "data"}`), for --json. */
export function wireJson(msg: ChainfanMessage): string {
  return JSON.stringify(msg.type === 'unknown' ? { type: msg.wireType, data: msg.data } : { type: msg.type, data: msg.data });
}

export const tailCommand: Command = {
  name: 'tail',
  summary: 'print events of some topics as they arrive (human-readable, or --json lines)',
  usage: 'chainfan tail [--url ws://127.0.0.1:8765/] [--json] <topic>...   (blocks, transactions, assets, mempool, address:<addr>, …)',
  env: tailEnv,
  async run(env, positional) {
    const topics = [...positional];
    const cfg = parseEnv(tailEnv, env);
    const bad = topics.filter((t) => !parseTopic(t).ok);
    if (topics.length === 0 || bad.length > 0) {
      const why = topics.length === 0 ? 'name at least one topic' : `invalid topic${bad.length > 1 ? 's' : ''}: ${bad.join(', ')}`;
      throw new ChainfanError('CHAINFAN_CONFIG_INVALID', `${why} (blocks, transactions, assets, mempool, sequence, address:<addr>, asset:<NAME>, tx:<txid>, …)`);
    }
    await tail(cfg.CHAINFAN_URL, topics, cfg.CHAINFAN_JSON);
  },
};

/** Runs until SIGINT/SIGTERM or a closed stdout (EPIPE: `| head`), then closes the socket and exits 0. */
async function tail(wsUrl: string, topics: readonly string[], json: boolean): Promise<void> {
  const status = (line: string): void => {
    process.stderr.write(`chainfan tail: ${line}\n`);
  };
  const client = new ChainfanClient({ url: wsUrl });
  let stopping: Promise<void> | undefined;
  const stop = (why: string): Promise<void> => {
    stopping ??= (async () => {
      if (why !== 'EPIPE') status(`${why}: closing`);
      await client.close();
      process.exit(0);
    })();
    return stopping;
  };
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') void stop('EPIPE'); // the reader went away (`| head -1`): a normal end for a tail
    else throw err;
  });
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));

  client.on('open', () => status(`connected to ${wsUrl}`));
  client.on('close', (i) => {
    if (i.willReconnect) status(`disconnected (${i.code}${i.reason ? ` ${i.reason}` : ''})`);
  });
  client.on('reconnecting', (r) => status(`reconnecting in ${Math.round(r.delayMs)} ms (attempt ${r.attempt})`));
  client.on('overflow', (o) => status(`output too slow: dropped ${o.dropped} message(s), ${o.totalDropped} in total`));
  client.on('error', (err) => {
    if (err.code === 'CHAINFAN_CLIENT_BAD_FRAME') status(err.message);
  });
  status(`connecting to ${wsUrl} …`);
  for (const t of topics) {
    client.subscribe(t).then(
      () => status(`subscribed ${t}`),
      (err: unknown) => {
        // a server refusal also arrives as an error message, printed by the loop below
        if (!(err instanceof ChainfanClientError && err.code === 'CHAINFAN_CLIENT_SERVER_ERROR')) status(`subscribe ${t} failed: ${String(err)}`);
      },
    );
  }
  for await (const msg of client) {
    if (msg.type === 'subscription') continue; // reported through the subscribe promises above
    if (msg.type === 'error') {
      status(`server error ${msg.data.code}: ${msg.data.message}`);
      continue;
    }
    const line = json ? wireJson(msg) : formatEvent(msg, Date.now());
    // wait for a slow reader: the client's bounded queue then absorbs (and reports) the excess, not our memory
    if (!process.stdout.write(`${line}\n`)) await new Promise<void>((resolve) => process.stdout.once('drain', resolve));
    if (stopping !== undefined) break;
  }
  await stop('closed');
}
