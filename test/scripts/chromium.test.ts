/**
 * The dashboard the browser tests and bench row 9 load is a production build, even when the
 * build starts under jest (NODE_ENV=test), and a development build left in place is rebuilt: on
 * 2026-12-01 a browser test built one and row 9s measured React's development build (1–5 s frames).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureUiBuilt, isDevelopmentBuild, repoRoot } from '../../scripts/chromium.js';

const buildTimeoutMs = 120_000;
let outDir: string;

beforeEach(() => {
  outDir = mkdtempSync(join(tmpdir(), 'kubelive-ui-build-'));
});

afterEach(() => {
  rmSync(outDir, { recursive: true, force: true });
});

const builtIndex = () => readFileSync(join(outDir, 'index.html'), 'utf8');

test(
  'buildsAProductionBundleUnderJest',
  () => {
    expect(process.env.NODE_ENV).toBe('test'); // the condition the build must not inherit
    ensureUiBuilt(outDir);
    expect(isDevelopmentBuild(builtIndex())).toBe(false);
  },
  buildTimeoutMs,
);

test(
  'rebuildsADevelopmentBundleNewerThanItsSources',
  () => {
    // What a build that inherits jest's NODE_ENV leaves behind.
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', outDir, '--emptyOutDir'], {
      cwd: repoRoot,
      stdio: 'pipe',
      env: { ...process.env, NODE_ENV: 'test' },
    });
    expect(isDevelopmentBuild(builtIndex())).toBe(true);
    ensureUiBuilt(outDir);
    expect(isDevelopmentBuild(builtIndex())).toBe(false);
  },
  buildTimeoutMs,
);

test('anIndexWithoutTheFlagIsRefused', () => {
  expect(() => isDevelopmentBuild('<!doctype html><html lang="en"><body></body></html>')).toThrow(/no data-dev-build flag/);
});

test(
  'rebuildsABundleFromBeforeTheFlag',
  () => {
    // What a checkout from before the flag leaves in dist/ui: newer than the sources, no flag.
    writeFileSync(join(outDir, 'index.html'), '<!doctype html><html lang="en"><body><div id="root"></div></body></html>');
    ensureUiBuilt(outDir);
    expect(isDevelopmentBuild(builtIndex())).toBe(false);
  },
  buildTimeoutMs,
);
