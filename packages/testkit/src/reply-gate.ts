// A TCP proxy in front of a Redis that lets a test decide when one client connection's replies reach it: the
// interleavings a loaded machine produces by chance (a reply late while the client's later commands already left)
// become a script. Redis still runs every command the moment it arrives; only the answers wait.
import { connect, createServer, type Socket } from 'node:net';
import { parseReply } from './redis-command.js';

export interface ReplyGate {
  /** redis://127.0.0.1:<proxy port> — give it to the client under test */
  readonly url: string;
  /** the gated connection's commands so far, names upper-cased, in the order Redis received them */
  readonly commands: readonly string[];
  /** from now on the gated connection's replies are kept back */
  hold(): void;
  /** delivers the first `n` kept replies; without `n`, delivers all of them and stops holding */
  release(n?: number): void;
  close(): Promise<void>;
}

/** Gates the connection that names itself `connectionName` (CLIENT SETNAME); every other one passes freely. */
export async function startReplyGate(redisUrl: string, connectionName: string): Promise<ReplyGate> {
  const target = new URL(redisUrl);
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  let holding = false;
  const held: Buffer[] = [];
  let partial = Buffer.alloc(0); // the start of a held reply whose end has not arrived yet
  let gated: Socket | undefined; // the client side of the gated connection

  const server = createServer((client) => {
    const upstream = connect({ host: target.hostname || '127.0.0.1', port: Number(target.port || 6379) });
    sockets.add(client).add(upstream);
    let mine = false;
    let fromClient = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      fromClient = Buffer.concat([fromClient, chunk]);
      for (let r = parseReply(fromClient, 0); r !== undefined; r = parseReply(fromClient, 0)) {
        fromClient = fromClient.subarray(r.end);
        if (!Array.isArray(r.value)) continue;
        const [name, sub, arg] = r.value.map(String);
        if (name?.toUpperCase() === 'CLIENT' && sub?.toUpperCase() === 'SETNAME' && arg === connectionName) {
          mine = true;
          gated = client;
        } else if (mine) {
          commands.push(String(name).toUpperCase());
        }
      }
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!mine || !holding) return void client.write(chunk);
      // keep whole replies, so release(n) can hand over exactly n of them
      partial = Buffer.concat([partial, chunk]);
      for (let r = parseReply(partial, 0); r !== undefined; r = parseReply(partial, 0)) {
        held.push(partial.subarray(0, r.end));
        partial = partial.subarray(r.end);
      }
    });
    const end = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on('error', end);
      s.on('close', end);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  const auth = target.username !== '' || target.password !== '' ? `${target.username}:${target.password}@` : '';

  return {
    url: `redis://${auth}127.0.0.1:${port}${target.pathname}`,
    commands,
    hold: () => {
      holding = true;
    },
    release: (n?: number) => {
      const out = n === undefined ? [...held.splice(0), partial] : held.splice(0, n);
      if (n === undefined) {
        holding = false;
        partial = Buffer.alloc(0);
      }
      for (const b of out) gated?.write(b);
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
