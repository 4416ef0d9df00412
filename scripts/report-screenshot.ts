/**
 * A picture of a report as a reader sees it: opens report.html in headless Chromium (Debian's
 * package, `make chromium`) and saves a full-page PNG (docs/images/report.png is made this way).
 *
 *   npx tsx scripts/report-screenshot.ts <report.html> <out.png> [width]
 *
 * REPAIRITY_CHROMIUM names another Chromium binary (default /usr/bin/chromium).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

// A closed network: no background connections, no first-run work.
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function main(): Promise<void> {
  const [html, out, width] = process.argv.slice(2);
  if (!html || !out) throw new Error('usage: npx tsx scripts/report-screenshot.ts <report.html> <out.png> [width]');
  const browser = await chromium.launch({ executablePath: process.env.REPAIRITY_CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: Number(width ?? 1000), height: 800 } });
    await page.goto(pathToFileURL(path.resolve(html)).href);
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
  }
  console.log(`${out}: ${html} as Chromium shows it`);
}

main().catch((err: unknown) => {
  console.error(`report-screenshot: ${(err as Error).message}`);
  process.exit(1);
});
