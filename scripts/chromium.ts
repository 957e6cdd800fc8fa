/**
 * Debian's Chromium driven by playwright-core, shared by the browser tests and the browser
 * benchmark. `npx playwright install` cannot work here (no downloads), so the browser is the
 * system's /usr/bin/chromium; `ensureUiBuilt` makes sure the bundle the backend serves is the
 * one the sources describe.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

/** The repository root, whether this runs from its source (jest) or from dist/ (bench). */
function findRepoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export const repoRoot = findRepoRoot();
export const chromiumPath = process.env.KUBELIVE_CHROMIUM ?? '/usr/bin/chromium';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** What the bundle is built from: the page, and the engine and machines it runs in the browser. */
const uiSourceDirs = ['ui', 'adapters', 'machines'];

export const defaultUiOutDir = join(repoRoot, 'dist', 'ui');

/**
 * Whether a built index.html is a development build: React's development build checks and logs
 * as it renders (on 2026-12-01 its per-component performance entries, diffing a 50,000-row prop,
 * made 1–5 s frames in the sorted Pods view), so nothing should pass or measure against one.
 * `ui/index.html` carries Vite's own `%DEV%`.
 */
export function isDevelopmentBuild(indexHtml: string): boolean {
  const flag = devBuildFlag(indexHtml);
  if (flag === undefined) throw new Error('the built index.html has no data-dev-build flag: was ui/index.html changed?');
  return flag !== 'false';
}

function devBuildFlag(indexHtml: string): string | undefined {
  return /<html[^>]*\sdata-dev-build="([^"]*)"/.exec(indexHtml)?.[1];
}

/**
 * Builds the dashboard as users get it. NODE_ENV is set, not inherited: jest runs with
 * NODE_ENV=test, and Vite then bundles React's development build (the bench measured one, built
 * by a browser test, for a morning).
 */
export function buildUi(outDir: string = defaultUiOutDir): void {
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir'], {
      cwd: repoRoot,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'production' },
    });
  } catch (error) {
    const output = (error as { stderr?: Buffer; stdout?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`the dashboard (${outDir}) could not be built with \`npx vite build\`:\n${output}`);
  }
}

/**
 * dist/ui as the backend serves it. Built when missing (`npm ci` builds it through `prepare`),
 * older than its sources, or not flagged as a production build (a development build, or one
 * from a checkout before the flag), so nothing passes or measures against a stale or a
 * development bundle. A `vite build --minify false` of the same sources is kept.
 */
export function ensureUiBuilt(outDir: string = defaultUiOutDir): void {
  const index = join(outDir, 'index.html');
  const sources = Math.max(...uiSourceDirs.map((dir) => newestMtime(join(repoRoot, dir))), statSync(join(repoRoot, 'vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources && devBuildFlag(readFileSync(index, 'utf8')) === 'false') return;
  buildUi(outDir);
}

export interface LaunchedBrowser {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<LaunchedBrowser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's package (apt-get install -y chromium), as .ci/run does`);
  }
  // Playwright refuses --user-data-dir in `args` and gives every launch a fresh temporary
  // profile of its own, which is what the flag was for.
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
    },
  };
}
