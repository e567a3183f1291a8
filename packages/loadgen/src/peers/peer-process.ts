// Entry of a peer server process (forked by the bench): `peer-process.ts <uws|ws-redis|socketio-redis>`, config from
// the environment, IPC reports `{type:'listening', port}`. The uws ceiling also takes publish commands over IPC.
import type { PeerServer } from './peer.js';
import type { UwsCeilingPeer } from './uws-ceiling-peer.js';

export type PeerName = 'uws' | 'ws-redis' | 'socketio-redis';

export type PeerCommand =
  | { readonly type: 'publish'; readonly rate: number; readonly bodyBytes: number }
  | { readonly type: 'stop-publish' };

export type PeerReport =
  | { readonly type: 'listening'; readonly port: number }
  | { readonly type: 'published'; readonly sent: number; readonly behind: number };

const name = process.argv[2] as PeerName | undefined;
const port = Number(process.env['PEER_PORT'] ?? 0);
const redisUrl = process.env['PEER_REDIS_URL'] ?? '';

/** Only the chosen peer's libraries are loaded, so memory and start-up are that peer's own. */
async function start(): Promise<PeerServer | UwsCeilingPeer> {
  switch (name) {
    case 'uws':
      return (await import('./uws-ceiling-peer.js')).startUwsCeilingPeer({ port });
    case 'ws-redis':
      return (await import('./ws-redis-peer.js')).startWsRedisPeer({ redisUrl, port });
    case 'socketio-redis':
      return (await import('./socketio-redis-peer.js')).startSocketIoRedisPeer({ redisUrl, port });
    default:
      throw new Error(`unknown peer ${String(name)}`);
  }
}

const server = await start();
const send = (r: PeerReport): void => void process.send?.(r);
process.on('message', (cmd: PeerCommand) => {
  if (!('startPublishing' in server)) return;
  if (cmd.type === 'publish') server.startPublishing(cmd.rate, cmd.bodyBytes);
  else send({ type: 'published', ...server.stopPublishing() });
});
const stop = (): void => {
  void server.close().finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.once('SIGTERM', stop);
process.once('disconnect', stop);
send({ type: 'listening', port: server.port });
