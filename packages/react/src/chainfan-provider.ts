// <ChainfanProvider>: one shared ChainfanClient (and its store) for every hook below it, created from a URL or
// passed in. The provider owns, connects and closes a client it created; a passed-in client stays the caller's.
import { ChainfanClient, type ChainfanClientOptions } from '@chainfan/client';
import { createContext, createElement, type ReactNode, useContext, useEffect, useState } from 'react';
import { ChainfanStore } from './chainfan-store.js';

/** undefined: no provider above; null: the provider's first render, before its effect created the store. */
const ChainfanContext = createContext<ChainfanStore | null | undefined>(undefined);

export interface ChainfanProviderProps {
  /** ws:// or wss:// address of an edge; ignored when `client` is given. A new URL means a new client. */
  readonly url?: string;
  /** client options besides the URL (WebSocket implementation for Node/tests, reconnect policy, …); read once per client */
  readonly options?: Omit<ChainfanClientOptions, 'url'>;
  /** an existing client to share; the provider connects it but never closes it */
  readonly client?: ChainfanClient;
  readonly children?: ReactNode;
}

export function ChainfanProvider(props: ChainfanProviderProps): ReactNode {
  const [store, setStore] = useState<ChainfanStore | null>(null);
  const { url, client, options } = props;
  useEffect(() => {
    // created in the effect, not during render: a client opens a socket, and StrictMode runs effects twice
    let s: ChainfanStore;
    if (client !== undefined) s = new ChainfanStore(client, { ownsClient: false });
    else if (url !== undefined) s = new ChainfanStore(new ChainfanClient({ ...options, url }), { ownsClient: true });
    else throw new Error('<ChainfanProvider> needs a `url` or a `client`');
    s.start();
    setStore(s);
    return () => {
      setStore((cur) => (cur === s ? null : cur));
      void s.close();
    };
  }, [url, client]); // options are read once per client on purpose: an inline object literal must not reconnect
  return createElement(ChainfanContext.Provider, { value: store }, props.children);
}

/** The nearest provider's store, or null during that provider's first render. Throws outside any provider. */
export function useChainfanStore(): ChainfanStore | null {
  const store = useContext(ChainfanContext);
  if (store === undefined) throw new Error('useChainfan must be used inside a <ChainfanProvider>');
  return store;
}
