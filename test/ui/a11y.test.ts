/**
 * The dashboard for someone who uses it all day, in a real Chromium against the demo cluster:
 * keyboard-only use (a list is one Tab stop, arrows move the active row, Enter opens, Esc closes
 * and gives focus back, `/` searches), the dark theme the system asks for (colours change, body
 * text keeps its contrast), a 390 px phone (no sideways page scroll, the sidebar is a menu, tables
 * scroll in their own box, panels stack), axe-core over every view in both themes with no serious
 * or critical violation, and a Cordon button per node that says which node.
 *
 * Screenshots of every view, light, dark and at 390 px, go to test-artifacts/a11y-*.png.
 */
import { jest } from '@jest/globals';
import axe from 'axe-core';
import type { BrowserContext, Page } from 'playwright-core';
import { startBackend, type Backend } from '../../server/serve.js';
import { collectPageErrors, ensureUiBuilt, launchChromium, quickConfig, screenshot, until as waitUntil, type LaunchedBrowser } from './browser.js';

const wait = { timeout: 30_000 };

let backend: Backend;
let chromium: LaunchedBrowser;
let context: BrowserContext;
let page: Page;
let errors: string[];

jest.setTimeout(180_000);

beforeAll(async () => {
  ensureUiBuilt();
  backend = await startBackend({ demo: { nodes: 4, pods: 120, churn: 0, seed: 11 }, port: 0, allowFaults: true, config: quickConfig });
  chromium = await launchChromium();
  context = await chromium.browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await context.newPage();
  errors = collectPageErrors(page);
});

afterAll(async () => {
  await chromium?.close();
  await backend?.stop();
});

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean) => waitUntil(page, what, read, ready);

function nodeNames(): string[] {
  return (backend.demo!.listObjects('nodes') as Array<{ metadata: { name: string } }>).map((n) => n.metadata.name).sort();
}

/** `namespace/name` of a Deployment, for its Describe page. */
function firstDeployment(): string {
  const [d] = backend.demo!.listObjects('deployments') as Array<{ metadata: { name: string; namespace: string } }>;
  return `${d!.metadata.namespace}/${d!.metadata.name}`;
}

/** `namespace/name` of a running pod, whose logs have lines. */
function runningPod(): string {
  const pods = backend.demo!.listObjects('pods') as Array<{ metadata: { name: string; namespace: string }; status?: { phase?: string } }>;
  const pod = pods.find((p) => p.status?.phase === 'Running')!;
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

/** What has focus, as data: enough to say where the keyboard is. */
interface Focused {
  readonly tag: string;
  readonly role: string | null;
  readonly testid: string | null;
  readonly key: string | null;
  readonly rowIndex: number | null;
  readonly grid: string | null;
  readonly gridActive: number | null;
}

function focused(): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const grid = el?.closest('[role=grid]');
    return {
      tag: el?.tagName.toLowerCase() ?? '',
      role: el?.getAttribute('role') ?? null,
      testid: el?.getAttribute('data-testid') ?? null,
      key: el?.getAttribute('data-key') ?? null,
      rowIndex: el?.hasAttribute('aria-rowindex') ? Number(el.getAttribute('aria-rowindex')) : null,
      grid: grid?.getAttribute('aria-label') ?? null,
      gridActive: grid?.hasAttribute('data-active-row') ? Number(grid.getAttribute('data-active-row')) : null,
    };
  });
}

/** The row shown at a place in a grid's list (0-based), if rendered. */
function keyAt(grid: string, index: number): Promise<string | null> {
  return page.locator(`[role=grid][aria-label="${grid}"] [role=row][aria-rowindex="${index + 2}"]`).getAttribute('data-key');
}

/** Whether an element lies wholly inside its scrolling list's visible box. */
function inView(selector: string): Promise<boolean> {
  return page.evaluate((s) => {
    const el = document.querySelector(s);
    const body = el?.closest('[data-testid=vt-body]');
    if (!el || !body) return false;
    const r = el.getBoundingClientRect();
    const b = body.getBoundingClientRect();
    return r.top >= b.top - 1 && r.bottom <= b.bottom + 1;
  }, selector);
}

test('keyboardOnlyOpensPodsMovesToTheFifthRowOpensClosesAndSearches', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await page.locator('[role=grid][aria-label="Nodes"] [role=row][data-key]').first().waitFor(wait);

  // From page load: the first Tab stop skips past the header and sidebar; the views' links follow.
  await page.keyboard.press('Tab');
  expect((await focused()).tag).toBe('a');
  await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Skip to the list');
  let steps = 0;
  while ((await focused()).testid !== 'tab-pods') {
    await page.keyboard.press('Tab');
    if (++steps > 10) throw new Error(`Tab never reached the Pods link; at ${JSON.stringify(await focused())}`);
  }
  await page.keyboard.press('Enter');
  await page.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').first().waitFor(wait);
  expect(page.url()).toMatch(/#\/pods$/);
  await expect(page.getByTestId('tab-pods').getAttribute('aria-current')).resolves.toBe('page');

  // Tab on through the page: the list is exactly one stop, its first row, and the next Tab leaves it.
  const stops: Focused[] = [];
  for (let i = 0; i < 150; i++) {
    await page.keyboard.press('Tab');
    const at = await focused();
    stops.push(at);
    if (stops.length > 1 && stops[stops.length - 2]!.role === 'row') break;
  }
  const rowStops = stops.filter((s) => s.role === 'row');
  expect(rowStops).toHaveLength(1);
  expect(rowStops[0]).toMatchObject({ grid: 'Pods', rowIndex: 2 });
  expect(stops[stops.length - 1]!.grid).not.toBe('Pods');
  await page.keyboard.press('Shift+Tab');
  await expect(focused()).resolves.toMatchObject({ role: 'row', grid: 'Pods', rowIndex: 2, gridActive: 0 });

  // Arrows move the active row, and focus with it.
  const fifth = await keyAt('Pods', 4);
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
  await expect(focused()).resolves.toMatchObject({ role: 'row', grid: 'Pods', rowIndex: 6, gridActive: 4, key: fifth });

  // End goes to the last of 120 rows, rendered and scrolled into view though far outside the first window.
  const count = Number(await page.locator('[role=grid][aria-label="Pods"]').getAttribute('aria-rowcount')) - 1;
  expect(count).toBeGreaterThan(60);
  await page.keyboard.press('End');
  await expect(focused()).resolves.toMatchObject({ role: 'row', rowIndex: count + 1, gridActive: count - 1 });
  await until('the last row to be scrolled into view', () => inView(`[role=grid][aria-label="Pods"] [role=row][aria-rowindex="${count + 1}"]`), Boolean);
  await page.keyboard.press('PageUp');
  const afterPageUp = await focused();
  expect(afterPageUp.gridActive).toBeLessThan(count - 5);
  await until('the row PageUp reached to be in view', () => inView(`[role=grid][aria-label="Pods"] [role=row][aria-rowindex="${afterPageUp.rowIndex}"]`), Boolean);
  await page.keyboard.press('Home');
  await expect(focused()).resolves.toMatchObject({ rowIndex: 2, gridActive: 0 });
  await until('the first row to be in view', () => inView('[role=grid][aria-label="Pods"] [role=row][aria-rowindex="2"]'), Boolean);
  for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
  await expect(focused()).resolves.toMatchObject({ key: fifth, gridActive: 4 });

  // Enter opens it (its logs, and the address says which pod); focus stays on the row.
  await page.keyboard.press('Enter');
  await page.getByTestId('logs-panel').waitFor(wait);
  expect(decodeURIComponent(page.url())).toContain(`sel=${fifth}`);
  await expect(focused()).resolves.toMatchObject({ role: 'row', key: fifth });
  await expect(page.locator(`[role=grid][aria-label="Pods"] [role=row][data-key="${fifth}"]`).getAttribute('aria-selected')).resolves.toBe('true');
  await screenshot(page, 'a11y-keyboard-pod-open');

  // Esc closes it and the row keeps focus.
  await page.keyboard.press('Escape');
  await page.getByTestId('logs-panel').waitFor({ state: 'detached', ...wait });
  await until('focus back on the fifth row', focused, (f) => f.key === fifth && f.role === 'row');

  // Esc from inside the panel closes it too, and focus comes back to the list.
  await page.keyboard.press('Enter');
  await page.getByTestId('logs-panel').waitFor(wait);
  await page.getByTestId('logs-panel').locator('button').last().focus();
  await page.keyboard.press('Escape');
  await page.getByTestId('logs-panel').waitFor({ state: 'detached', ...wait });
  await until('focus back on the fifth row after Esc in the panel', focused, (f) => f.key === fifth && f.role === 'row');

  // `/` searches; Down from the filter goes into the (filtered) list.
  await page.keyboard.press('/');
  await expect(focused()).resolves.toMatchObject({ tag: 'input', testid: 'filter' });
  const name = fifth!.slice(fifth!.indexOf('/') + 1);
  await page.keyboard.type(name);
  await until('the filter to narrow the list', () => page.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').count(), (n) => n >= 1 && n < 10);
  // `/` typed inside the filter is text, not a jump.
  await page.keyboard.press('/');
  await expect(page.getByTestId('filter').inputValue()).resolves.toBe(`${name}/`);
  await page.keyboard.press('Backspace');
  await page.locator(`[role=grid][aria-label="Pods"] [role=row][data-key="${fifth}"]`).waitFor(wait);
  await page.keyboard.press('ArrowDown');
  await expect(focused()).resolves.toMatchObject({ role: 'row', grid: 'Pods', key: fifth });
});

test('cordonButtonsSayWhichNodeTheyActOnAndRowControlsAreOneTabStop', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await page.reload(); // a fresh document: focus starts at the top
  await page.locator('[role=grid][aria-label="Nodes"] [role=row][data-key]').first().waitFor(wait);
  // The skip link goes straight to the list.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await expect(focused()).resolves.toMatchObject({ role: 'row', grid: 'Nodes', rowIndex: 2 });
  for (const name of nodeNames()) {
    await expect(page.getByRole('button', { name: `Cordon ${name}`, exact: true }).count()).resolves.toBe(1);
  }
  const labels = await page.locator('[role=grid][aria-label="Nodes"] [data-col=action] button').evaluateAll((bs) => bs.map((b) => b.getAttribute('aria-label')));
  expect(new Set(labels).size).toBe(nodeNames().length);
  // Only the active row's button is a Tab stop: Tab from the row reaches it, then leaves the list.
  await page.locator('[role=grid][aria-label="Nodes"] [role=row][aria-rowindex="2"]').focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Tab');
  await expect(page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).resolves.toBe(`Cordon ${nodeNames()[1]}`);
  await page.keyboard.press('Tab');
  await expect(focused()).resolves.toMatchObject({ grid: null });
});

/** The relative luminance contrast of two CSS colours (rgb()/rgba() as computed styles give them). */
function contrast(a: string, b: string): number {
  const channels = (c: string) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
  const luminance = (c: string) => {
    const [r, g, bl] = channels(c).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

/** Text colour and the opaque background behind it, for the first element each selector finds. */
function colours(selectors: readonly string[]): Promise<Record<string, { color: string; background: string } | null>> {
  return page.evaluate((list) => {
    const backgroundOf = (el: Element | null): string => {
      for (let at = el; at; at = at.parentElement) {
        const bg = getComputedStyle(at).backgroundColor;
        if (bg && bg !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(bg)) return bg;
      }
      return getComputedStyle(document.documentElement).backgroundColor;
    };
    const out: Record<string, { color: string; background: string } | null> = {};
    for (const s of list) {
      const el = document.querySelector(s);
      out[s] = el ? { color: getComputedStyle(el).color, background: backgroundOf(el) } : null;
    }
    return out;
  }, selectors);
}

/** Body text, table cells, muted text, badges, the sidebar, YAML and log lines. */
const textSamples = [
  'body',
  '.toolbar h2',
  '[role=grid] [role=row][data-key] [role=gridcell]',
  '.toolbar .count',
  '.nav-item',
  '.nav-section-title',
  '.badge',
  '.top .tab',
  '[data-testid=object-yaml]',
] as const;

test('darkThemeFollowsTheSystemAndKeepsBodyTextReadable', async () => {
  const node = nodeNames()[0]!;
  const read = async (scheme: 'light' | 'dark') => {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${backend.url}#/nodes?sel=${node}`);
    await page.getByTestId('object-yaml').waitFor(wait);
    await page.waitForFunction(() => document.querySelector('[data-testid=freshness-metrics]')?.getAttribute('data-level') === 'fresh', null, wait);
    return colours(textSamples);
  };
  const light = await read('light');
  const dark = await read('dark');
  await screenshot(page, 'a11y-theme-dark-nodes');
  expect(dark.body!.background).not.toBe(light.body!.background);
  expect(dark.body!.color).not.toBe(light.body!.color);
  for (const [name, theme] of [
    ['light', light],
    ['dark', dark],
  ] as const) {
    for (const selector of textSamples) {
      const sample = theme[selector];
      expect({ theme: name, selector, found: sample !== null }).toEqual({ theme: name, selector, found: true });
      const ratio = contrast(sample!.color, sample!.background);
      expect({ theme: name, selector, ...sample, ok: ratio >= 4.5 }).toEqual({ theme: name, selector, ...sample, ok: true });
    }
  }
  // Log lines, in both themes.
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.goto(`${backend.url}#/pods`);
    await page.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').first().click();
    await page.locator('[data-testid=log-lines] .log-line').first().waitFor(wait);
    const log = (await colours(['.log-line']))['.log-line']!;
    expect({ scheme, ...log, ok: contrast(log.color, log.background) >= 4.5 }).toEqual({ scheme, ...log, ok: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
});

/** Every view, with what it opens; `ready` is what shows once it has loaded. */
const views: ReadonlyArray<{ name: string; hash: () => string; ready: string; open?: string; opened?: string }> = [
  { name: 'nodes', hash: () => '#/nodes', ready: '[role=grid][aria-label="Nodes"] [role=row][data-key]' },
  { name: 'cordon-dialog', hash: () => '#/nodes', ready: '[role=grid][aria-label="Nodes"] [role=row][data-key]', open: '[data-testid="cordon-NODE"]', opened: '[data-testid=action-dialog]' },
  { name: 'node-yaml', hash: () => `#/nodes?sel=${nodeNames()[0]}`, ready: '[data-testid=object-yaml]' },
  { name: 'workloads', hash: () => '#/workloads', ready: '[role=grid][aria-label="Workloads"] [role=row][data-key]' },
  { name: 'pods', hash: () => '#/pods', ready: '[role=grid][aria-label="Pods"] [role=row][data-key]' },
  { name: 'pod-logs', hash: () => `#/pods?sel=${runningPod()}`, ready: '[data-testid=log-lines] .log-line' },
  { name: 'configmaps', hash: () => '#/r/core/v1/configmaps', ready: '[role=grid][aria-label="ConfigMaps"] [role=row][data-key]' },
  { name: 'services', hash: () => '#/r/core/v1/services?ns=shop', ready: '[role=grid][aria-label="Services"] [role=row][data-key]' },
  { name: 'events', hash: () => '#/events', ready: '[role=grid][aria-label="Events"] [role=row][data-key]' },
  { name: 'describe', hash: () => `#/describe/apps/v1/deployments?sel=${firstDeployment()}`, ready: '[data-testid=describe-summary]' },
  { name: 'helm', hash: () => '#/helm', ready: '[role=grid][aria-label="Helm releases"] [role=row][data-key]' },
  { name: 'diagnostics', hash: () => '#/diagnostics', ready: '[data-testid=diag-domains] tbody tr[data-key]' },
];

async function openView(view: (typeof views)[number]): Promise<void> {
  await page.goto(`${backend.url}${view.hash()}`);
  await page.locator(view.ready).first().waitFor(wait);
  if (view.open && view.opened) {
    await page.locator(view.open.replace('NODE', nodeNames()[0]!)).click();
    await page.locator(view.opened).waitFor(wait);
  }
}

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: string[];
}

async function axeViolations(): Promise<Violation[]> {
  // Evaluated, not added as a <script>: the dashboard's CSP allows its own scripts only.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  return page.evaluate(async () => {
    const result = await (window as unknown as { axe: typeof import('axe-core') }).axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`) }));
  });
}

test('axeFindsNoSeriousOrCriticalViolationInAnyViewLightOrDark', async () => {
  const found: Array<Violation & { view: string; scheme: string }> = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const view of views) {
      await openView(view);
      await page.waitForTimeout(300); // badges and counts settle
      await screenshot(page, `a11y-${view.name}-${scheme}`);
      for (const v of await axeViolations()) if (v.impact === 'serious' || v.impact === 'critical') found.push({ ...v, view: view.name, scheme });
      if (view.opened) {
        await page.keyboard.press('Escape'); // the dialog's own Esc: cancelled, nothing sent
        await page.locator(view.opened).waitFor({ state: 'detached', ...wait });
      }
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  expect(found).toEqual([]);
});

test('aPhoneAt390pxScrollsNothingSidewaysAndTheSidebarIsAMenu', async () => {
  const phone = await chromium.browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, hasTouch: true });
  const narrow = await phone.newPage();
  const narrowErrors = collectPageErrors(narrow);
  try {
    const pageWidth = () => narrow.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    for (const view of views) {
      for (const scheme of ['light', 'dark'] as const) {
        await narrow.emulateMedia({ colorScheme: scheme });
        await narrow.goto(`${backend.url}${view.hash()}`);
        await narrow.locator(view.ready).first().waitFor(wait);
        const width = await pageWidth();
        expect({ view: view.name, ...width, sideways: width.scroll > width.client }).toEqual({ view: view.name, ...width, sideways: false });
        await screenshot(narrow, `a11y-390-${view.name}-${scheme}`);
      }
    }
    await narrow.emulateMedia({ colorScheme: 'light' });

    // Pods: the table is wider than the phone and scrolls sideways inside its own box, header along.
    await narrow.goto(`${backend.url}#/pods`);
    await narrow.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').first().waitFor(wait);
    const body = narrow.locator('[role=grid][aria-label="Pods"] [data-testid=vt-body]');
    const box = await body.evaluate((b) => ({ scroll: b.scrollWidth, client: b.clientWidth }));
    expect(box.scroll).toBeGreaterThan(box.client);
    await body.evaluate((b) => {
      b.scrollLeft = 200;
      b.dispatchEvent(new Event('scroll'));
    });
    await expect(narrow.locator('[role=grid][aria-label="Pods"] .vt-head').evaluate((h) => h.scrollLeft)).resolves.toBeGreaterThan(150);
    expect((await pageWidth()).scroll).toBe((await pageWidth()).client);

    // The sidebar is behind the menu button; the menu opens, navigates and closes.
    await expect(narrow.getByTestId('sidebar').isVisible()).resolves.toBe(false);
    const menu = narrow.getByTestId('menu-button');
    await expect(menu.isVisible()).resolves.toBe(true);
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    await menu.click();
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('true');
    await narrow.getByTestId('sidebar').waitFor({ state: 'visible', ...wait });
    // Focus goes into the menu, at the open entry.
    await expect(narrow.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('nav-pods');
    await screenshot(narrow, 'a11y-390-menu-open');
    await narrow.getByTestId('nav-workloads').click();
    await narrow.locator('[role=grid][aria-label="Workloads"] [role=row][data-key]').first().waitFor(wait);
    await expect(narrow.getByTestId('sidebar').isVisible()).resolves.toBe(false);
    await expect(menu.getAttribute('aria-expanded')).resolves.toBe('false');
    // Esc closes the menu and gives focus back to its button.
    await menu.click();
    await narrow.getByTestId('sidebar').waitFor({ state: 'visible', ...wait });
    await narrow.getByTestId('nav-pods').focus();
    await narrow.keyboard.press('Escape');
    await narrow.getByTestId('sidebar').waitFor({ state: 'hidden', ...wait });
    await expect(narrow.evaluate(() => document.activeElement?.getAttribute('data-testid'))).resolves.toBe('menu-button');

    // A pod opened on the phone: its panel stacks under the list, and nothing scrolls sideways.
    await narrow.goto(`${backend.url}#/pods`);
    await narrow.locator('[role=grid][aria-label="Pods"] [role=row][data-key]').first().click();
    await narrow.getByTestId('logs-panel').waitFor(wait);
    const stack = await narrow.evaluate(() => ({
      list: document.querySelector('[role=grid][aria-label="Pods"]')!.getBoundingClientRect().bottom,
      panel: document.querySelector('[data-testid=logs-panel]')!.getBoundingClientRect().top,
    }));
    expect(stack.panel).toBeGreaterThanOrEqual(stack.list);
    expect((await pageWidth()).scroll).toBe((await pageWidth()).client);
    await screenshot(narrow, 'a11y-390-pod-open');
    expect(narrowErrors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  } finally {
    await phone.close();
  }
});

test('thePageThrewNothing', () => {
  expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
});
