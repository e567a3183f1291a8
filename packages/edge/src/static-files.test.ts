import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StaticFiles, staticPathOf } from './static-files.js';

const base = mkdtempSync(join(tmpdir(), 'chainfan-static-'));
const root = join(base, 'dist');
mkdirSync(join(root, 'assets'), { recursive: true });
mkdirSync(join(root, 'docs'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>x</title>');
writeFileSync(join(root, 'assets', 'app-1a2b.js'), 'console.log(1)');
writeFileSync(join(root, 'assets', 'app-1a2b.css'), 'body{}');
writeFileSync(join(root, 'docs', 'index.html'), 'docs');
writeFileSync(join(root, 'blob.bin'), Buffer.alloc(10));
writeFileSync(join(root, 'big.txt'), Buffer.alloc(2_000));
writeFileSync(join(root, '.env'), 'SECRET=1');
writeFileSync(join(base, 'secret.txt'), 'outside');
symlinkSync(join(base, 'secret.txt'), join(root, 'leak.txt'));
symlinkSync(join(root, 'index.html'), join(root, 'alias.html'));

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('staticPathOf', () => {
  it('maps URL paths to relative file paths, directories to index.html', () => {
    expect(staticPathOf('/')).toBe('index.html');
    expect(staticPathOf('/assets/app.js')).toBe('assets/app.js');
    expect(staticPathOf('/docs/')).toBe('docs/index.html');
    expect(staticPathOf('/a%20b.txt')).toBe('a b.txt');
  });

  it('refuses traversal, hidden files and malformed paths', () => {
    for (const p of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/a%2F..%2F..%2Fsecret.txt', '/.env',
      '/assets/.hidden', '//etc/passwd', '/a\\..\\b', '/%00', '/%E0%A4%A', 'index.html', '', `/${'a'.repeat(2_000)}`]) {
      expect(staticPathOf(p), p).toBeUndefined();
    }
  });
});

describe('StaticFiles', () => {
  const files = new StaticFiles({ root, maxFileBytes: 1_000, maxCacheBytes: 100 });

  it('serves files with their content type and cache policy', async () => {
    const index = await files.get('/');
    expect(index?.body.toString()).toContain('<title>x</title>');
    expect(index?.contentType).toBe('text/html; charset=utf-8');
    expect(index?.cacheControl).toBe('no-cache');
    const js = await files.get('/assets/app-1a2b.js');
    expect(js?.contentType).toBe('text/javascript; charset=utf-8');
    expect(js?.cacheControl).toContain('immutable');
    expect((await files.get('/assets/app-1a2b.css'))?.contentType).toBe('text/css; charset=utf-8');
    expect((await files.get('/blob.bin'))?.contentType).toBe('application/octet-stream');
    expect((await files.get('/docs/'))?.body.toString()).toBe('docs');
    expect((await files.get('/alias.html'))?.body.toString()).toContain('<title>'); // a symlink inside the root is fine
    expect(index?.etag).toMatch(/^"[\w-]{27}"$/);
  });

  it('answers undefined for missing, oversized, hidden, directory and escaping paths', async () => {
    for (const p of ['/missing.js', '/big.txt', '/.env', '/docs', '/leak.txt', '/../secret.txt', '/%2e%2e/secret.txt']) {
      expect(await files.get(p), p).toBeUndefined();
    }
  });

  it('caches a file after its first read, within the cache budget', async () => {
    const path = join(root, 'cached.txt');
    writeFileSync(path, 'v1');
    const [a, b] = await Promise.all([files.get('/cached.txt'), files.get('/cached.txt')]);
    expect(a).toBe(b); // one read for concurrent requests
    writeFileSync(path, 'v2');
    expect((await files.get('/cached.txt'))?.body.toString()).toBe('v1');
  });

  it('serves nothing from a root that does not exist yet, and picks it up once it does', async () => {
    const later = join(base, 'later');
    const f = new StaticFiles({ root: later });
    expect(await f.get('/')).toBeUndefined();
    mkdirSync(later);
    writeFileSync(join(later, 'index.html'), 'ok');
    expect((await f.get('/'))?.body.toString()).toBe('ok');
  });
});
