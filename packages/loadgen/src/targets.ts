// The fan-out targets a scenario runs against, behind one shape: start the server process, know its pid (for CPU and
// RSS), tell the loadgen how to subscribe, and start/stop the message source that feeds it.
import type { ChildProcess } from 'node:child_process';
import type { ProtocolSpec } from './client-protocols.js';
import { startEdgeProcess } from './edge-process.js';
import { forkTs, nextMessage, stopChild } from './fork-ts.js';
import type { PeerCommand, PeerName, PeerReport } from './peers/peer-process.js';
import type { PublisherCommand, PublisherReport } from './publisher-process.js';

export const TARGETS = ['chainfan', 'chainfan-batched', 'uws', 'ws-redis', 'socketio-redis'] as const;
export type TargetName = (typeof TARGETS)[number];

export const TARGET_LABELS: Readonly<Record<TargetName, string>> = {
  chainfan: 'chainfan edge',
  'chainfan-batched': 'chainfan edge, batched frames',
  uws: 'raw uWS in-process (ceiling)',
  'ws-redis': 'ws + ioredis',
  'socketio-redis': 'Socket.IO + redis-adapter',
};

export interface PublishOutcome {
  readonly sent: number;
  readonly failed: number;
  /** messages due by the schedule but not sent when stopped: the source could not keep up */
  readonly behind: number;
}

export interface RunningTarget {
  readonly name: TargetName;
  readonly port: number;
  /** the server process(es) whose CPU and RSS are the target's cost */
  readonly serverPids: readonly number[];
  /** other processes the target needs (the publisher), reported separately */
  readonly sourcePid: number | undefined;
  readonly protocol: ProtocolSpec;
  startPublishing(rate: number, bodyBytes: number): void;
  stopPublishing(): Promise<PublishOutcome>;
  stop(): Promise<void>;
}

export interface TargetContext {
  readonly redisUrl: string;
  /** the shared bench publisher (RedisBus), for every target fed through Redis */
  readonly publisher: Publisher;
  /** topic the clients subscribe to */
  readonly topic: string;
  /** node flags for the server process under test (e.g. --cpu-prof) */
  readonly serverNodeFlags?: readonly string[];
  /** extra CHAINFAN_* for the chainfan edge */
  readonly edgeEnv?: Readonly<Record<string, string>>;
}

/** The bench publisher process (publisher-process.ts). */
export class Publisher {
  readonly child: ChildProcess;

  private constructor(child: ChildProcess) {
    this.child = child;
  }

  static async start(redisUrl: string): Promise<Publisher> {
    const child = forkTs('./publisher-process.ts', { env: { PUBLISHER_REDIS_URL: redisUrl } });
    await nextMessage<PublisherReport, true>(child, (m) => (m.type === 'ready' ? true : undefined), 30_000, 'publisher start');
    return new Publisher(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  publish(rate: number, bodyBytes: number): void {
    this.#send({ type: 'publish', rate, bodyBytes });
  }

  stop(): Promise<PublishOutcome> {
    const answer = this.#published(30_000);
    this.#send({ type: 'stop' });
    return answer;
  }

  /** Publishes `count` messages as fast as Redis takes them; resolves when all are confirmed. */
  fill(count: number, bodyBytes: number): Promise<PublishOutcome & { wallMs: number }> {
    const answer = this.#published(600_000);
    this.#send({ type: 'fill', count, bodyBytes });
    return answer;
  }

  close(): Promise<void> {
    return stopChild(this.child);
  }

  #published(timeoutMs: number): Promise<PublishOutcome & { wallMs: number }> {
    return nextMessage<PublisherReport, PublishOutcome & { wallMs: number }>(
      this.child,
      (m) => (m.type === 'published' ? { sent: m.sent, failed: m.failed + m.overflow, behind: m.behind, wallMs: m.wallMs } : undefined),
      timeoutMs,
      'publisher',
    );
  }

  #send(cmd: PublisherCommand): void {
    this.child.send(cmd);
  }
}

export async function startTarget(name: TargetName, ctx: TargetContext): Promise<RunningTarget> {
  switch (name) {
    case 'chainfan':
    case 'chainfan-batched': {
      const edge = await startEdgeProcess({ redisUrl: ctx.redisUrl, port: 0, ...(ctx.serverNodeFlags ? { nodeFlags: ctx.serverNodeFlags } : {}), ...(ctx.edgeEnv ? { env: ctx.edgeEnv } : {}) });
      return {
        name,
        port: edge.port,
        serverPids: [edge.pid],
        sourcePid: ctx.publisher.pid,
        protocol: { kind: 'evrmore-rpc', topic: ctx.topic, batched: name === 'chainfan-batched' },
        startPublishing: (rate, bodyBytes) => ctx.publisher.publish(rate, bodyBytes),
        stopPublishing: () => ctx.publisher.stop(),
        stop: () => edge.stop(),
      };
    }
    case 'uws':
    case 'ws-redis':
    case 'socketio-redis':
      return startPeer(name, ctx);
  }
}

async function startPeer(name: PeerName, ctx: TargetContext): Promise<RunningTarget> {
  const child = forkTs('./peers/peer-process.ts', {
    args: [name],
    env: { PEER_PORT: '0', PEER_REDIS_URL: ctx.redisUrl },
    ...(ctx.serverNodeFlags ? { nodeFlags: ctx.serverNodeFlags } : {}),
  });
  const port = await nextMessage<PeerReport, number>(child, (m) => (m.type === 'listening' ? m.port : undefined), 30_000, `peer ${name}`);
  const inProcess = name === 'uws';
  const send = (c: PeerCommand): void => void child.send(c);
  return {
    name,
    port,
    serverPids: [child.pid ?? -1],
    sourcePid: inProcess ? undefined : ctx.publisher.pid,
    protocol: name === 'socketio-redis' ? { kind: 'socket.io', topic: ctx.topic } : { kind: 'evrmore-rpc', topic: ctx.topic },
    startPublishing: (rate, bodyBytes) => (inProcess ? send({ type: 'publish', rate, bodyBytes }) : ctx.publisher.publish(rate, bodyBytes)),
    stopPublishing: async () => {
      if (!inProcess) return ctx.publisher.stop();
      const answer = nextMessage<PeerReport, PublishOutcome>(child, (m) => (m.type === 'published' ? { sent: m.sent, failed: 0, behind: m.behind } : undefined), 30_000, `peer ${name}`);
      send({ type: 'stop-publish' });
      return answer;
    },
    stop: () => stopChild(child),
  };
}
