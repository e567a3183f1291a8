// A redis-server that speaks only TLS (a self-signed certificate made with openssl) and admits only one ACL user, for
// tests of the bus's TLS, CA-file and ACL settings.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { spawnRedis } from './local-redis.js';

const run = promisify(execFile);

export interface SecuredRedisHandle {
  /** rediss://127.0.0.1:<port> (no credentials in it) */
  readonly url: string;
  readonly port: number;
  /** the PEM certificate the server presents; trust it as the CA */
  readonly ca: string;
  readonly username: string;
  readonly password: string;
  stop(): Promise<void>;
}

export async function startSecuredRedis(opts: { username?: string; password?: string; redisServerBin?: string } = {}): Promise<SecuredRedisHandle> {
  const username = opts.username ?? 'chainfan';
  const password = opts.password ?? 'acl-secret';
  const dir = await mkdtemp(join(tmpdir(), 'chainfan-tls-redis-'));
  try {
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { timeout: 30_000 });
    const port = await freePort();
    const child = await spawnRedis(opts.redisServerBin ?? 'redis-server', port, dir, [
      '--port', '0', '--tls-port', String(port), '--tls-cert-file', cert, '--tls-key-file', key, '--tls-ca-cert-file', cert, '--tls-auth-clients', 'no',
      '--user', 'default', 'off', '--user', username, 'on', `>${password}`, '~*', '&*', '+@all',
    ]);
    return {
      url: `rediss://127.0.0.1:${port}`,
      port,
      ca: await readFile(cert, 'utf8'),
      username,
      password,
      async stop() {
        if (child.exitCode === null && child.signalCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await exited;
        }
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
