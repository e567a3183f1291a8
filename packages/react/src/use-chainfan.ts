// The hooks: useChainfan(topic) subscribes while mounted and returns the topic's latest data with the connection
// state; useChainfanConnection() returns the connection state alone.
import type { ChainfanClientError, ChainfanMessage } from '@chainfan/client';
import { useCallback, useEffect, useSyncExternalStore } from 'react';
import type { ConnectionSnapshot, TopicSnapshot, TopicStatus } from './chainfan-store.js';
import { useChainfanStore } from './chainfan-provider.js';
import type { MessageForTopic } from './topic-messages.js';

export interface UseChainfanOptions {
  /** how many recent messages `messages` holds (newest first); default 1 */
  readonly keep?: number;
}

export interface UseChainfanResult<M extends ChainfanMessage> {
  /** `latest.data`: what the guide's useDataStream called `data` */
  readonly data: M['data'] | undefined;
  readonly latest: M | undefined;
  readonly messages: readonly M[];
  readonly count: number;
  readonly status: TopicStatus;
  readonly error: ChainfanClientError | undefined;
  readonly connection: ConnectionSnapshot;
  readonly connected: boolean;
}

/** Before the provider has its store: a client that has not started is still connecting, as far as a UI can tell. */
const NO_CONNECTION: ConnectionSnapshot = Object.freeze({
  state: 'connecting', connected: false, attempt: 0, opens: 0, lastClose: undefined, lastError: undefined,
});
const NO_TOPIC: TopicSnapshot = Object.freeze({ status: 'idle', error: undefined, latest: undefined, messages: [], count: 0 });
const noop = (): (() => void) => () => undefined;

export function useChainfanConnection(): ConnectionSnapshot {
  const store = useChainfanStore();
  const watch = useCallback((cb: () => void) => (store === null ? noop() : store.watchConnection(cb)), [store]);
  const read = useCallback(() => store?.connection() ?? NO_CONNECTION, [store]);
  return useSyncExternalStore(watch, read, read);
}

/**
 * Subscribes to `topic` while the component is mounted (shared and refcounted across components), unsubscribes on
 * unmount or when `topic` changes, and re-renders on each of its messages. An empty or undefined topic subscribes
 * to nothing (status 'idle'), e.g. an address field not filled in yet. Reconnects are the client's: after one, the
 * topic is re-subscribed by itself and messages resume.
 */
export function useChainfan<T extends string>(topic: T | undefined, opts: UseChainfanOptions = {}): UseChainfanResult<MessageForTopic<T>> {
  const store = useChainfanStore();
  const keep = opts.keep ?? 1;
  const active = topic !== undefined && topic !== '' ? topic : undefined;
  useEffect(() => (store === null || active === undefined ? undefined : store.acquire(active, keep)), [store, active, keep]);
  const watch = useCallback((cb: () => void) => (store === null || active === undefined ? noop() : store.watchTopic(active, cb)), [store, active]);
  const read = useCallback(() => (store === null || active === undefined ? NO_TOPIC : store.topic(active)), [store, active]);
  const snap = useSyncExternalStore(watch, read, () => NO_TOPIC) as unknown as TopicSnapshot<MessageForTopic<T>>; // topicsForMessage only files messages of the topic's types
  const connection = useChainfanConnection();
  return {
    data: snap.latest?.data as MessageForTopic<T>['data'] | undefined,
    latest: snap.latest,
    messages: snap.messages,
    count: snap.count,
    status: snap.status,
    error: snap.error,
    connection,
    connected: connection.connected,
  };
}
