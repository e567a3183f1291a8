// Test-only: tries a WebSocket upgrade and reports the HTTP refusal (status and JSON body) or that it opened.
import { WebSocket } from 'ws';

export interface UpgradeOutcome {
  readonly status: number;
  readonly body: unknown;
  /** the subprotocol the server selected when it opened */
  readonly protocol?: string;
}

export function upgradeStatus(url: string, opts: { headers?: Record<string, string>; protocols?: string[] } = {}): Promise<UpgradeOutcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols ?? [], opts.headers === undefined ? {} : { headers: opts.headers });
    ws.once('open', () => {
      resolve({ status: 101, body: undefined, protocol: ws.protocol });
      ws.terminate();
    });
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON: the assertion shows the text
        }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    ws.once('error', (err) => {
      if (!err.message.startsWith('Unexpected server response')) reject(err);
    });
  });
}
