// An unreachable Redis, as an operator sees it: one warn line per retry naming the server (credentials masked), the
// cause and the next try — no stack traces, no second line for the subscriber connection.
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startRedis, waitFor } from '@chainfan/testkit';
import type { BusLogger } from './bus-logger.js';
import { RedisBus } from './redis-bus.js';

interface Line { level: string; obj: Record<string, unknown>; msg: string | undefined }

function capture(): { log: BusLogger; lines: Line[] } {
  const lines: Line[] = [];
  const at = (level: string) => (obj: object, msg?: string): void => void lines.push({ level, obj: obj as Record<string, unknown>, msg });
  return { log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
}

const open: RedisBus[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
});

describe('RedisBus with Redis unreachable', () => {
  it('warns once per retry with the masked URL, the cause and the delay, and stops once Redis answers', async () => {
    const port = await freePort();
    const { log, lines } = capture();
    const bus = new RedisBus({ url: `redis://default:hunter2@127.0.0.1:${port}`, maxReconnectDelayMs: 200 }, log);
    open.push(bus);
    const warns = (): Line[] => lines.filter((l) => l.level === 'warn' && l.obj['event'] === 'bus.redis_unreachable');
    await waitFor(() => warns().length >= 3, { timeoutMs: 20_000, message: 'three retries reported' });

    for (const w of warns()) {
      expect(w.obj).toEqual(expect.objectContaining({ redis: `single redis://default:***@127.0.0.1:${port}`, role: 'pub', retryInMs: expect.any(Number) }));
      expect(w.obj['cause']).toMatch(/ECONNREFUSED/);
      expect(w.msg).toContain(`Redis (single redis://default:***@127.0.0.1:${port}) unreachable`);
      expect(w.msg).toMatch(/retrying in \d+ ms/);
      expect(w.obj).not.toHaveProperty('err'); // no stack trace for an expected network error
    }
    // attempts count up one per line: never two lines for one retry
    const attempts = warns().map((w) => w.obj['attempt'] as number);
    expect(attempts).toEqual(attempts.map((_, i) => attempts[0]! + i));
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });

  it('reports nothing at warn once connected', async () => {
    const redis = await startRedis();
    try {
      const { log, lines } = capture();
      const bus = new RedisBus({ url: redis.url, maxReconnectDelayMs: 100 }, log);
      open.push(bus);
      await bus.ready(10_000);
      expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
    } finally {
      await Promise.all(open.splice(0).map((b) => b.close()));
      await redis.stop();
    }
  });
});
