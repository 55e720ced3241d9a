/// <reference lib="dom" />
/**
 * End to end: the quick study writes a report that loads in headless Chromium with no console errors, and
 * every figure has a non-zero size. Needs Debian's chromium (`apt-get install -y chromium`, as `.ci/run` does);
 * SAL_CHROMIUM overrides the path.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { QUICK_STUDY, buildStudyReport, resolveStudyConfig, runStudy } from '@sal/study';
import { createReporter } from '../src/index.js';

const executablePath = process.env['SAL_CHROMIUM'] ?? '/usr/bin/chromium';
let dir = '';
let browser: Browser | null = null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sal-report-'));
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the study report in a browser', () => {
  it('loads without console errors and every figure has a size', async () => {
    expect(existsSync(executablePath), `Chromium not found at ${executablePath}: apt-get install -y chromium (or set SAL_CHROMIUM)`).toBe(true);
    const config = resolveStudyConfig(QUICK_STUDY, {});
    const { results, artifacts } = await runStudy({ config, outDir: dir, reporter: createReporter({ quiet: true }), trainLog: null });
    const report = await buildStudyReport(results, artifacts);
    const file = join(dir, 'report.html');
    writeFileSync(file, report.html);

    browser = await chromium.launch({
      executablePath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('request', (r) => {
      if (!r.url().startsWith('data:') && !r.url().startsWith('file:')) requests.push(r.url());
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    // figures load lazily: make them eager and wait until every one has decoded (a broken one rejects)
    const decoded = await page.$$eval('img', (imgs) =>
      Promise.all(
        imgs.map((i) => {
          (i as HTMLImageElement).loading = 'eager';
          return (i as HTMLImageElement).decode().then(
            () => true,
            () => false,
          );
        }),
      ),
    );
    expect(decoded.every(Boolean)).toBe(true);
    const sizes = await page.$$eval('img, svg', (els) =>
      els.map((e) => {
        const r = e.getBoundingClientRect();
        const img = e as HTMLImageElement;
        return { tag: e.tagName, w: r.width, h: r.height, complete: e.tagName !== 'IMG' || (img.complete && img.naturalWidth > 0) };
      }),
    );
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    expect(sizes.length).toBeGreaterThanOrEqual(report.figures.length);
    for (const s of sizes) {
      expect(s.w).toBeGreaterThan(0);
      expect(s.h).toBeGreaterThan(0);
      expect(s.complete).toBe(true);
    }
    const headings = await page.$$eval('h2', (els) => els.map((e) => e.textContent ?? ''));
    expect(headings.join('|')).toContain('verdicts');
    await page.screenshot({ path: join(dir, 'report.png'), fullPage: false });
  }, 300_000);
});
