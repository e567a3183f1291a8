// The dashboard in a real headless Chromium (Debian's, driven by playwright-core; never downloaded) against a
// spawned `chainfan dev`: the page loads from the edge's port, shows a block within the block interval, the
// address watch shows a transaction of a watched address, and the page reconnects by itself after the edge restarts.
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@chainfan/testkit';
import { ChainfanProcess } from './helpers/chainfan-process.js';

const BLOCK_INTERVAL_MS = 1_000;
const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/', import.meta.url));
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

function startDev(edgePort: number): ChainfanProcess {
  return new ChainfanProcess('dev', [
    '--edge-port', String(edgePort), '--edge-ops-port', '0', '--ingestor-ops-port', '0',
    '--sim-block-interval-ms', String(BLOCK_INTERVAL_MS), '--sim-tx-per-second', '10', '--mempool-interval-ms', '300',
  ], { REDIS_URL: '' });
}

describe('dashboard (headless Chromium against chainfan dev)', () => {
  let dev: ChainfanProcess;
  let browser: Browser;
  let page: Page;
  let dashboardUrl: string;
  let port: number;
  let watched: string;
  const pageErrors: string[] = [];

  const state = (): Promise<string | null> => page.getAttribute('[data-testid=connection]', 'data-state');
  const blockHashes = (): Promise<string[]> => page.$$eval('[data-testid=block-row]', (rows) => rows.map((r) => r.getAttribute('data-hash') ?? ''));

  beforeAll(async () => {
    // a fixed free port rather than 0: uWS sets SO_REUSEADDR only on non-zero ports, and without it on the first
    // listener the restarted edge could not bind while the old connections sit in TIME_WAIT
    dev = startDev(await freePort());
    const ready = await dev.waitForEvent('dev.ready', 40_000);
    dashboardUrl = ready['dashboardUrl'] as string;
    port = ready['port'] as number;
    watched = (ready['simAddresses'] as string[])[0]!;
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 960 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await dev?.stop('SIGTERM');
  });

  it('is served at / on the edge port, and `chainfan dev` prints that URL', async () => {
    expect(dashboardUrl).toBe(`http://127.0.0.1:${port}/`);
    expect(dev.lines.some((l) => typeof l['text'] === 'string' && (l['text'] as string).includes(`dashboard   ${dashboardUrl}`))).toBe(true);
    const res = await fetch(dashboardUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    await page.goto(dashboardUrl);
    await page.waitForSelector('[data-testid=connection][data-state=open]', { timeout: 10_000 });
  });

  it('shows the blocks the simulator mines', async () => {
    // a block is mined every interval; how soon it shows is the bench's business, not this test's
    const row = await page.waitForSelector('[data-testid=block-row]', { timeout: 30_000 });
    expect(await row.getAttribute('data-hash')).toMatch(/^[0-9a-f]{64}$/);
    expect(Number(await row.getAttribute('data-height'))).toBeGreaterThan(0);
    // the feed, the mempool chart and the network chart (≥ 2 consecutive blocks) fill in as events arrive
    await page.waitForSelector('[data-testid=tx-row]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid=mempool-chart] svg[data-points="3"], [data-testid=mempool-chart] svg[data-points="4"]', { timeout: 10_000 });
    await page.waitForFunction(() => Number(document.querySelector('[data-testid=network-chart] svg')?.getAttribute('data-points')) >= 2, undefined, { timeout: 10_000 });
  });

  it('shows the transactions of a watched address as they arrive', async () => {
    await page.fill('[data-testid=address-input]', watched);
    await page.click('[data-testid=address-submit]');
    await page.waitForSelector(`[data-testid=address-watch][data-status=subscribed][data-address="${watched}"]`, { timeout: 10_000 });
    const row = await page.waitForSelector('[data-testid=address-tx]', { timeout: 20_000 });
    expect(await row.getAttribute('data-txid')).toMatch(/^[0-9a-f]{64}$/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
  });

  it('reconnects by itself after the edge restarts, and new blocks appear', async () => {
    const before = new Set(await blockHashes());
    expect(await page.getAttribute('[data-testid=connection]', 'data-opens')).toBe('1');
    expect(await dev.stop('SIGTERM')).toBe(0);
    await page.waitForSelector('[data-testid=connection][data-state=reconnecting]', { timeout: 10_000 });
    expect(await page.textContent('[data-testid=connection]')).toContain('reconnecting');

    dev = startDev(port); // the same port: the page keeps its URL
    await dev.waitForEvent('dev.ready', 40_000);
    // the SDK's backoff is capped at 10 s, so the next attempt comes at most that long after the edge is back
    await page.waitForSelector('[data-testid=connection][data-state=open][data-opens="2"]', { timeout: 15_000 });
    expect(await state()).toBe('open');
    await page.waitForFunction((old) => Array.from(document.querySelectorAll('[data-testid=block-row]')).some((r) => !old.includes(r.getAttribute('data-hash') ?? '')), [...before], { timeout: 5_000 });
    // the address watch has its own connection, and it came back too
    await page.waitForSelector(`[data-testid=address-watch][data-status=subscribed]`, { timeout: 10_000 });
    await page.screenshot({ path: `${ARTIFACTS}dashboard-reconnected.png`, fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
