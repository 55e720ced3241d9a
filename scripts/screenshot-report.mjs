#!/usr/bin/env node
// Screenshot of a report's first screen in headless Chromium (for the README).
// Usage: node scripts/screenshot-report.mjs <report.html> <out.png> [chromium path]
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [report, out, exe = '/usr/bin/chromium'] = process.argv.slice(2);
if (!report || !out) {
  console.error('usage: node scripts/screenshot-report.mjs <report.html> <out.png> [chromium]');
  process.exit(2);
}
const browser = await chromium.launch({
  executablePath: exe,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = await browser.newPage({ viewport: { width: 1100, height: 1400 }, deviceScaleFactor: 1 });
await page.goto(pathToFileURL(resolve(report)).href, { waitUntil: 'load' });
await page.screenshot({ path: out, fullPage: false });
await browser.close();
console.log(`wrote ${out}`);
