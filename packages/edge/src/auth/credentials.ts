// Where a client's credential travels at upgrade: `?token=`, `Authorization: Bearer`, or a `bearer.<token>` entry in
// Sec-WebSocket-Protocol (the only one a browser WebSocket can set). Also picks the subprotocol the edge echoes.
import type { UpgradeRequest } from '../transport/ws-transport.js';

export type CredentialSource = 'query' | 'header' | 'protocol';

export interface PresentedCredential {
  readonly token: string;
  readonly source: CredentialSource;
}

export interface ExtractedCredential {
  readonly credential: PresentedCredential | undefined;
  /**
   * The subprotocol to answer with: a browser fails the handshake unless the server picks one of those it offered.
   * The first offered entry that is not a token; the token entry only when it is all the client offered.
   */
  readonly protocol: string;
}

const BEARER_PROTOCOL_PREFIX = 'bearer.';

export function extractCredential(req: UpgradeRequest): ExtractedCredential {
  const offered = req.protocol.split(',').map((p) => p.trim()).filter((p) => p !== '');
  const bearerEntry = offered.find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  const protocol = offered.find((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX)) ?? bearerEntry ?? '';
  const fromQuery = req.query === '' ? null : new URLSearchParams(req.query).get('token');
  const auth = /^bearer\s+(\S+)\s*$/i.exec(req.authorization);
  const candidate: PresentedCredential | undefined =
    auth?.[1] !== undefined ? { token: auth[1], source: 'header' }
      : fromQuery !== null && fromQuery !== '' ? { token: fromQuery, source: 'query' }
        : bearerEntry !== undefined ? { token: bearerEntry.slice(BEARER_PROTOCOL_PREFIX.length), source: 'protocol' }
          : undefined;
  return { credential: candidate !== undefined && candidate.token.length > 0 ? candidate : undefined, protocol };
}
