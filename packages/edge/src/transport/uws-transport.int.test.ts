import WebSocket from 'ws';
import { UwsTransport } from './uws-transport.js';
import { type ContractPeer, type Data, describeTransportContract, type TransportDriver } from './ws-transport.contract.js';

function uwsDriver(): TransportDriver {
  let t: UwsTransport<Data> | undefined;
  let port = 0;
  const clients: WebSocket[] = [];
  return {
    async start(opts, handlers) {
      t = new UwsTransport(opts, handlers);
      port = await t.listen('127.0.0.1', 0);
    },
    connect(req = {}) {
      return new Promise((resolve, reject) => {
        const url = `ws://127.0.0.1:${port}${req.path ?? '/'}${req.query ? `?${req.query}` : ''}`;
        const ws = new WebSocket(url, req.protocol ? [req.protocol] : [], req.authorization ? { headers: { authorization: req.authorization } } : {});
        clients.push(ws);
        const texts: string[] = [];
        let closed: { code: number; reason: string } | undefined;
        ws.on('message', (data: Buffer) => texts.push(data.toString('utf8')));
        ws.on('close', (code, reason) => (closed = { code, reason: reason.toString() }));
        ws.on('unexpected-response', (_req, res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ ok: false, status: res.statusCode ?? 0, body }));
        });
        ws.on('error', (err) => {
          if (ws.readyState !== WebSocket.CLOSED) reject(err);
        });
        ws.on('open', () => {
          const peer: ContractPeer = {
            send: (x) => ws.send(x, { binary: typeof x !== 'string' }),
            texts: () => texts,
            close: (code, reason) => ws.close(code, reason),
            closed: () => closed,
          };
          resolve({ ok: true, protocol: ws.protocol, peer });
        });
      });
    },
    publish: (topic, frame) => t!.publish(topic, frame, false),
    listening: () => t?.listening ?? false,
    close() {
      t?.close();
      for (const c of clients) c.terminate();
      return Promise.resolve();
    },
  };
}

describeTransportContract('uWebSockets.js', uwsDriver);
