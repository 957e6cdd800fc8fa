/**
 * Debian's Chromium driven by playwright-core, shared by the browser tests and the browser
 * benchmark. `npx playwright install` cannot work here (no downloads), so the browser is the
 * system's /usr/bin/chromium; `ensureUiBuilt` makes sure the bundle the backend serves is the
 * one the sources describe.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
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

/**
 * dist/ui as the backend serves it. Built when missing (`npm ci` builds it through `prepare`)
 * or older than the ui/ sources, so nothing passes or measures against a stale bundle.
 */
export function ensureUiBuilt(): void {
  const index = join(repoRoot, 'dist', 'ui', 'index.html');
  const sources = Math.max(newestMtime(join(repoRoot, 'ui')), statSync(join(repoRoot, 'vite.config.ts')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build'], { cwd: repoRoot, stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stderr?: Buffer; stdout?: Buffer }).stderr?.toString() ?? String(error);
    throw new Error(`the dashboard (dist/ui) could not be built with \`npx vite build\`:\n${output}`);
  }
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
