// Admission for plain HTTP on the public port (ZION's JSON-RPC POSTs), by the rules upgrades follow: a browser
// Origin outside the allow-list is refused 403 before anything runs (so a text/plain form post from any page cannot
// reach an admin method), CORS answers name only allowed origins, and credentials are then checked per method.
import type { EdgeMetrics } from '@chainfan/telemetry';
import type { OriginPolicy } from '../auth/origin-policy.js';
import type { HttpAnswer, HttpPostRequest, HttpPreflightRequest } from '../transport/ws-transport.js';

export interface HttpGateOptions {
  readonly origins: OriginPolicy;
  readonly metrics: EdgeMetrics;
  /** whether anything answers POSTs at this URL (preflights elsewhere are 404) */
  readonly servesPost: (req: { readonly url: string; readonly query: string }) => boolean;
}

const FORBIDDEN: HttpAnswer = { status: 403, body: JSON.stringify({ error: 'origin not allowed', code: 1103 }) };
const NOT_FOUND: HttpAnswer = { status: 404, body: JSON.stringify({ error: 'not found' }) };
/** how long a browser may reuse a preflight answer */
const PREFLIGHT_MAX_AGE_S = '600';

export class HttpGate {
  readonly #o: HttpGateOptions;

  constructor(o: HttpGateOptions) {
    this.#o = o;
  }

  /** OPTIONS: a CORS preflight is granted only for an allowed Origin asking for POST; others get no CORS headers. */
  preflight(req: HttpPreflightRequest): HttpAnswer {
    if (!this.#o.servesPost(req)) return NOT_FOUND;
    if (req.origin === '') return { status: 204, body: '', headers: { allow: 'POST, OPTIONS' } };
    if (!this.#o.origins.allows(req.origin)) return this.#refused();
    if (req.requestMethod.toUpperCase() !== 'POST') return { status: 405, body: '', headers: { allow: 'POST, OPTIONS', vary: 'Origin' } };
    return {
      status: 204,
      body: '',
      headers: {
        'access-control-allow-origin': req.origin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': PREFLIGHT_MAX_AGE_S,
        vary: 'Origin',
      },
    };
  }

  /** POST: refused 403 when a browser Origin is not allowed; otherwise `handle`'s answer, with CORS headers for it. */
  async post(req: HttpPostRequest, handle: (req: HttpPostRequest) => Promise<HttpAnswer | undefined>): Promise<HttpAnswer | undefined> {
    if (!this.#o.servesPost(req)) return undefined;
    if (req.origin !== '' && !this.#o.origins.allows(req.origin)) return this.#refused();
    const answer = await handle(req);
    if (answer === undefined) return undefined;
    const cors: Record<string, string> = req.origin === '' ? { vary: 'Origin' } : { 'access-control-allow-origin': req.origin, vary: 'Origin' };
    return { ...answer, headers: { ...answer.headers, ...cors } };
  }

  #refused(): HttpAnswer {
    this.#o.metrics.authFailures.inc({ reason: 'origin' });
    return { ...FORBIDDEN, headers: { vary: 'Origin' } };
  }
}
