// A static front-end (the dashboard bundle) served from one directory on the edge's public port: read-only, confined
// to the directory, bounded in file size, each file cached in memory after its first read (a new build needs a restart).
import { createHash } from 'node:crypto';
import { open, realpath } from 'node:fs/promises';
import { extname, join, sep } from 'node:path';

export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  /** strong validator for If-None-Match */
  readonly etag: string;
  readonly cacheControl: string;
}

export interface StaticFilesOptions {
  /** the directory served at `/`; `index.html` answers `/` and every directory path */
  readonly root: string;
  /** larger files answer 404 and are never read whole; default 8 MiB */
  readonly maxFileBytes?: number;
  /** memory for cached files; beyond it files are read per request; default 64 MiB */
  readonly maxCacheBytes?: number;
}

const DEFAULT_MAX_FILE_BYTES = 8 * 1024 * 1024;
const DEFAULT_MAX_CACHE_BYTES = 64 * 1024 * 1024;
/** longest URL path looked up at all; bundle paths are short */
const MAX_PATH_CHARS = 1_024;

/** By file extension, which comes from the request's path: a Map, so no name finds an inherited entry. */
const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  ['.html', 'text/html; charset=utf-8'],
  ['.js', 'text/javascript; charset=utf-8'],
  ['.mjs', 'text/javascript; charset=utf-8'],
  ['.css', 'text/css; charset=utf-8'],
  ['.json', 'application/json; charset=utf-8'],
  ['.map', 'application/json; charset=utf-8'],
  ['.webmanifest', 'application/manifest+json; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.svg', 'image/svg+xml'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.gif', 'image/gif'],
  ['.webp', 'image/webp'],
  ['.ico', 'image/x-icon'],
  ['.woff', 'font/woff'],
  ['.woff2', 'font/woff2'],
  ['.wasm', 'application/wasm'],
]);

/** Vite names bundle files by content hash under assets/, so they never change under the same name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';

/**
 * The file path (relative, `/`-separated) a URL path names, or undefined when it must not be served: bad percent
 * escapes, NUL, backslashes, `..` or hidden (`.`-prefixed) segments. A trailing `/` (and `/` itself) names index.html.
 */
export function staticPathOf(urlPath: string): string | undefined {
  if (urlPath.length === 0 || urlPath.length > MAX_PATH_CHARS || !urlPath.startsWith('/')) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined; // malformed escapes (URIError) are just an unservable path
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return undefined;
  const segments = decoded.split('/').slice(1);
  if (segments.at(-1) === '') segments[segments.length - 1] = 'index.html';
  for (const s of segments) if (s === '' || s.startsWith('.')) return undefined;
  return segments.join('/');
}

export class StaticFiles {
  readonly #root: string;
  readonly #maxFileBytes: number;
  readonly #maxCacheBytes: number;
  readonly #cache = new Map<string, StaticFile>();
  readonly #loading = new Map<string, Promise<StaticFile | undefined>>();
  #cachedBytes = 0;
  #realRoot: string | undefined;

  constructor(opts: StaticFilesOptions) {
    this.#root = opts.root;
    this.#maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.#maxCacheBytes = opts.maxCacheBytes ?? DEFAULT_MAX_CACHE_BYTES;
  }

  /**
   * The file a URL path names, or undefined (answer 404) when the path is unservable, missing, a directory without
   * index.html, larger than maxFileBytes, or resolves (through symlinks) outside the root. Never rejects.
   */
  get(urlPath: string): Promise<StaticFile | undefined> {
    const rel = staticPathOf(urlPath);
    if (rel === undefined) return Promise.resolve(undefined);
    const hit = this.#cache.get(rel);
    if (hit !== undefined) return Promise.resolve(hit);
    let loading = this.#loading.get(rel);
    if (loading === undefined) {
      loading = this.#load(rel).finally(() => this.#loading.delete(rel));
      this.#loading.set(rel, loading);
    }
    return loading;
  }

  async #load(rel: string): Promise<StaticFile | undefined> {
    const root = await this.#resolveRoot();
    if (root === undefined) return undefined;
    let real: string;
    try {
      real = await realpath(join(root, rel));
    } catch {
      return undefined; // ENOENT and friends: not found
    }
    if (!real.startsWith(root + sep)) return undefined; // a symlink pointing out of the served directory
    let body: Buffer;
    try {
      const fh = await open(real, 'r');
      try {
        const st = await fh.stat();
        if (!st.isFile() || st.size > this.#maxFileBytes) return undefined;
        body = await fh.readFile();
      } finally {
        await fh.close();
      }
    } catch {
      return undefined; // unreadable (permissions, raced deletion): not servable
    }
    if (body.byteLength > this.#maxFileBytes) return undefined; // grew between stat and read
    const file: StaticFile = {
      body,
      contentType: CONTENT_TYPES.get(extname(rel).toLowerCase()) ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      cacheControl: rel.startsWith('assets/') ? IMMUTABLE : REVALIDATE,
    };
    if (this.#cachedBytes + body.byteLength <= this.#maxCacheBytes) {
      this.#cache.set(rel, file);
      this.#cachedBytes += body.byteLength;
    }
    return file;
  }

  /** Resolved once it exists: a root that is missing at startup (a bundle not built yet) answers 404 until it appears. */
  async #resolveRoot(): Promise<string | undefined> {
    if (this.#realRoot !== undefined) return this.#realRoot;
    try {
      this.#realRoot = await realpath(this.#root);
    } catch {
      return undefined; // no such directory (yet): everything is 404
    }
    return this.#realRoot;
  }
}
