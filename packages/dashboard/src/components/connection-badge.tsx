// The connection state of the shared client; reconnects are the SDK's (backoff with jitter, re-subscribe).
import { useChainfanConnection } from '@chainfan/react';
import type { ReactNode } from 'react';

export function ConnectionBadge({ url }: { readonly url: string }): ReactNode {
  const c = useChainfanConnection();
  const text =
    c.state === 'open' ? 'live'
    : c.state === 'reconnecting' ? `reconnecting${c.attempt > 0 ? ` · attempt ${c.attempt}` : ''}`
    : c.state === 'connecting' ? 'connecting…'
    : 'closed';
  const title = c.lastClose === undefined ? url : `${url} — last close ${c.lastClose.code}${c.lastClose.reason ? ` (${c.lastClose.reason})` : ''}`;
  return (
    <span className={`badge badge-${c.state}`} data-testid="connection" data-state={c.state} data-opens={c.opens} title={title}>
      <span className="dot" aria-hidden="true" />
      {text}
      {c.opens > 1 && <span className="muted"> · reconnected {c.opens - 1}×</span>}
    </span>
  );
}
