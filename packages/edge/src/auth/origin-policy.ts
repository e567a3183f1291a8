// The Origin allow-list checked at upgrade. Browsers always send Origin; other clients usually do not, and are
// judged by their credentials alone (Origin protects browser users' ambient credentials, not the server).
export class OriginPolicy {
  readonly #any: boolean;
  readonly #exact: ReadonlySet<string>;
  /** `https://*.example.com` → scheme `https://`, suffix `.example.com` */
  readonly #wildcards: readonly { scheme: string; suffix: string }[];

  /** `patterns`: exact origins (`https://app.example.com`), `scheme://*.domain`, or `*`. Empty: any origin. */
  constructor(patterns: readonly string[]) {
    this.#any = patterns.length === 0 || patterns.includes('*');
    this.#exact = new Set(patterns.filter((p) => !p.includes('*')).map((p) => p.toLowerCase().replace(/\/+$/, '')));
    this.#wildcards = patterns
      .filter((p) => p.includes('://*.'))
      .map((p) => {
        const [scheme, host] = p.toLowerCase().split('://*', 2) as [string, string];
        return { scheme: `${scheme}://`, suffix: host };
      });
  }

  /** `origin` as the request carried it; undefined or '' = no Origin header. */
  allows(origin: string | undefined): boolean {
    if (this.#any || origin === undefined || origin === '') return true;
    const o = origin.toLowerCase();
    if (this.#exact.has(o)) return true;
    for (const w of this.#wildcards) {
      if (!o.startsWith(w.scheme)) continue;
      const hostPort = o.slice(w.scheme.length);
      const host = hostPort.replace(/:\d+$/, '');
      if (host.endsWith(w.suffix) && host.length > w.suffix.length && !host.slice(0, -w.suffix.length).includes('/')) return true;
    }
    return false;
  }
}
