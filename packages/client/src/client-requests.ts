// The request bookkeeping of ChainfanClient: subscribe/unsubscribe frames awaiting their answer, the callers'
// waiters with their deadline, and the topic → key/channels mapping acks are matched by.
import { channelsForTopic, parseTopic } from '@chainfan/protocol';
import type { Cancel, Clock } from './clock.js';
import { ChainfanClientError } from './errors.js';
import type { Position } from './position-tracker.js';

export type Action = 'subscribe' | 'unsubscribe';

export interface Waiter {
  settled: boolean;
  readonly resolve: () => void;
  readonly reject: (err: ChainfanClientError) => void;
  readonly cancelTimer: Cancel;
}

/** A frame sent on the current socket and not answered yet; the server answers requests in order. */
export interface Request {
  readonly action: Action;
  readonly key: string;
  readonly topic: string;
  readonly waiters: Waiter[];
  /** bus channels of the topic whose frames may come out of order until the ack (a replay is running) */
  recovering?: readonly string[];
}

/** Subscriptions are keyed by canonical topic (`block` ≡ `blocks`, txids lower-cased) so acks match either spelling. */
export function topicKey(topic: string): string {
  const t = parseTopic(topic);
  return t.ok ? t.value.key : topic;
}

export function topicChannels(topic: string): readonly string[] {
  const t = parseTopic(topic);
  return t.ok ? channelsForTopic(t.value.kind) : [];
}

export function isPosition(v: unknown): v is Position {
  return typeof v === 'object' && v !== null && typeof (v as Position).epoch === 'string' && Number.isSafeInteger((v as Position).seq);
}

/** A waiter that times out (CHAINFAN_CLIENT_TIMEOUT) after `timeoutMs` unless settled first. */
export function createWaiter(clock: Clock, timeoutMs: number, resolve: () => void, reject: (e: ChainfanClientError) => void, what: string): Waiter {
  const w: Waiter = {
    settled: false,
    resolve,
    reject,
    cancelTimer: clock.setTimeout(() => {
      settle(w, new ChainfanClientError('CHAINFAN_CLIENT_TIMEOUT', `${what}: no answer within ${timeoutMs} ms`));
    }, timeoutMs),
  };
  return w;
}

/** Idempotent: the first of ack, error, timeout, cancel or close wins. */
export function settle(w: Waiter, err?: ChainfanClientError): void {
  if (w.settled) return;
  w.settled = true;
  w.cancelTimer();
  if (err === undefined) w.resolve();
  else w.reject(err);
}
