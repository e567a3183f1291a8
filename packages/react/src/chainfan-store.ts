// Framework-free state behind the hooks: one ChainfanClient, refcounted topic subscriptions, and immutable snapshots
// (connection state, latest and recent messages per topic) that React reads through useSyncExternalStore.
import type { ChainfanClient, ChainfanClientError, ChainfanMessage, ClientState, CloseInfo } from '@chainfan/client';
import { type EventMessage, eventIdentity, isEventMessage, topicKey, topicsForMessage } from './topic-messages.js';

export interface ConnectionSnapshot {
  /** the client's state: 'connecting' (first attempt), 'open', 'reconnecting' (after a loss), 'closed' */
  readonly state: ClientState;
  readonly connected: boolean;
  /** the current reconnect attempt (1 = first retry), 0 while open */
  readonly attempt: number;
  /** sockets opened so far: 1 after the first connect, +1 per successful reconnect */
  readonly opens: number;
  readonly lastClose: CloseInfo | undefined;
  /** the latest error the client reported (socket errors, bad frames, refused re-subscribes, failed unsubscribes) */
  readonly lastError: ChainfanClientError | undefined;
}

/**
 * 'idle': nobody asked for the topic. 'subscribing': sent, no ack yet (also while waiting for a connection).
 * 'subscribed': the server acknowledged it; after a reconnect the client re-subscribes by itself and it stays so.
 * 'error': the server refused it (`error.serverCode` 1001 for an invalid topic) or the request failed.
 */
export type TopicStatus = 'idle' | 'subscribing' | 'subscribed' | 'error';

export interface TopicSnapshot<M extends ChainfanMessage = EventMessage> {
  readonly status: TopicStatus;
  readonly error: ChainfanClientError | undefined;
  /** the newest message for the topic */
  readonly latest: M | undefined;
  /** recent messages, newest first, at most the largest `keep` any current user asked for */
  readonly messages: readonly M[];
  /** messages received for the topic since it was first acquired (duplicates from overlapping topics excluded) */
  readonly count: number;
}

export interface ChainfanStoreOptions {
  /** whether close() also closes the client (true when the store created it) */
  readonly ownsClient: boolean;
}

/** Identities remembered per topic to drop the second copy of an event sent for two overlapping topics. */
const DEDUP_WINDOW = 256;

const IDLE: TopicSnapshot = Object.freeze({ status: 'idle', error: undefined, latest: undefined, messages: [], count: 0 });

interface TopicEntry {
  readonly topic: string;
  refs: number;
  readonly keeps: number[];
  snapshot: TopicSnapshot;
  readonly listeners: Set<() => void>;
  readonly recent: Set<string>;
}

export class ChainfanStore {
  readonly client: ChainfanClient;
  readonly #ownsClient: boolean;
  readonly #topics = new Map<string, TopicEntry>();
  /** listeners of topics nobody has acquired yet (a component renders before its effect acquires) */
  readonly #waiting = new Map<string, Set<() => void>>();
  readonly #connListeners = new Set<() => void>();
  readonly #off: (() => void)[] = [];
  #connection: ConnectionSnapshot;
  #closing: Promise<void> | undefined;

  constructor(client: ChainfanClient, opts: ChainfanStoreOptions) {
    this.client = client;
    this.#ownsClient = opts.ownsClient;
    this.#connection = Object.freeze({ state: client.state, connected: client.state === 'open', attempt: 0, opens: 0, lastClose: undefined, lastError: undefined });
    this.#off.push(
      client.on('open', () => this.#setConnection({ attempt: 0, opens: this.#connection.opens + 1 })),
      client.on('close', (info) => this.#setConnection({ lastClose: info })),
      client.on('reconnecting', (r) => this.#setConnection({ attempt: r.attempt })),
      client.on('error', (err) => this.#setConnection({ lastError: err })),
      client.on('message', (msg) => this.#onMessage(msg)),
    );
  }

  /** Starts connecting (the client retries with backoff until close()). */
  start(): void {
    if (this.#closing !== undefined) return;
    // connect() rejects only when close() comes first, which is the store's own doing
    this.client.connect().catch((err: unknown) => this.#setConnection({ lastError: err as ChainfanClientError }));
    this.#setConnection({});
  }

  connection(): ConnectionSnapshot {
    return this.#connection;
  }

  watchConnection(listener: () => void): () => void {
    this.#connListeners.add(listener);
    return () => this.#connListeners.delete(listener);
  }

  /**
   * Refcounted subscription: the first acquire of a topic subscribes, the last release unsubscribes. `keep` is how
   * many recent messages this user wants in `messages`. Release is deferred by a microtask so that an unmount
   * followed by a mount of the same topic (React StrictMode, a re-keyed list) does not churn the subscription.
   */
  acquire(topic: string, keep = 1): () => void {
    const key = topicKey(topic);
    let entry = this.#topics.get(key);
    if (entry === undefined) {
      entry = { topic, refs: 0, keeps: [], snapshot: { ...IDLE, status: 'subscribing' }, listeners: this.#waiting.get(key) ?? new Set(), recent: new Set() };
      this.#waiting.delete(key);
      this.#topics.set(key, entry);
      this.#subscribe(key, entry);
      this.#notify(entry);
    }
    const e = entry;
    e.refs++;
    e.keeps.push(Math.max(1, Math.floor(keep)));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      e.refs--;
      e.keeps.splice(e.keeps.indexOf(Math.max(1, Math.floor(keep))), 1);
      queueMicrotask(() => this.#maybeDrop(key, e));
    };
  }

  topic(topic: string): TopicSnapshot {
    return this.#topics.get(topicKey(topic))?.snapshot ?? IDLE;
  }

  watchTopic(topic: string, listener: () => void): () => void {
    const key = topicKey(topic);
    const entry = this.#topics.get(key);
    let set = entry?.listeners ?? this.#waiting.get(key);
    if (set === undefined) {
      set = new Set();
      this.#waiting.set(key, set);
    }
    const s = set;
    s.add(listener);
    return () => {
      s.delete(listener);
      if (s.size === 0 && this.#waiting.get(key) === s) this.#waiting.delete(key);
    };
  }

  /** Idempotent: detaches from the client, and closes it when the store created it. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (const off of this.#off.splice(0)) off();
      if (this.#ownsClient) await this.client.close();
      else for (const [, e] of this.#topics) await this.client.unsubscribe(e.topic).catch(() => undefined); // the owner may have closed it already
      this.#topics.clear();
    })();
    return this.#closing;
  }

  #subscribe(key: string, entry: TopicEntry): void {
    this.client.subscribe(entry.topic).then(
      () => {
        if (this.#topics.get(key) !== entry || entry.snapshot.status === 'subscribed') return;
        entry.snapshot = { ...entry.snapshot, status: 'subscribed', error: undefined };
        this.#notify(entry);
      },
      (err: unknown) => {
        // a release before the ack cancels the subscribe (CHAINFAN_CLIENT_CANCELLED): nobody is left to tell
        if (this.#topics.get(key) !== entry) return;
        entry.snapshot = { ...entry.snapshot, status: 'error', error: err as ChainfanClientError };
        this.#notify(entry);
      },
    );
  }

  #maybeDrop(key: string, entry: TopicEntry): void {
    if (entry.refs > 0 || this.#topics.get(key) !== entry) return;
    this.#topics.delete(key);
    if (entry.listeners.size > 0) this.#waiting.set(key, entry.listeners);
    for (const l of entry.listeners) l();
    if (this.#closing !== undefined) return;
    this.client.unsubscribe(entry.topic).catch((err: unknown) => this.#setConnection({ lastError: err as ChainfanClientError }));
  }

  #onMessage(msg: ChainfanMessage): void {
    if (!isEventMessage(msg) || this.#topics.size === 0) return;
    const id = eventIdentity(msg);
    for (const key of topicsForMessage(msg, this.#topics.keys())) {
      const e = this.#topics.get(key)!;
      if (id !== undefined) {
        if (e.recent.has(id)) continue;
        e.recent.add(id);
        if (e.recent.size > DEDUP_WINDOW) e.recent.delete(e.recent.values().next().value as string);
      }
      const keep = Math.max(...e.keeps, 1);
      const prev = e.snapshot;
      e.snapshot = { status: prev.status, error: prev.error, latest: msg, messages: [msg, ...prev.messages.slice(0, keep - 1)], count: prev.count + 1 };
      this.#notify(e);
    }
  }

  #setConnection(patch: Partial<ConnectionSnapshot>): void {
    const state = this.client.state;
    this.#connection = Object.freeze({ ...this.#connection, ...patch, state, connected: state === 'open' });
    for (const l of [...this.#connListeners]) l();
  }

  #notify(entry: TopicEntry): void {
    for (const l of [...entry.listeners]) l();
  }
}
