/**
 * Every kind, live, in a real Chromium against a real backend on the demo cluster: the sidebar
 * lists what discovery serves, grouped; several kinds open from it with the rows and columns
 * kubectl prints; an object's YAML and its Events open from its row; a Secret's key is revealed
 * only on request, and no other frame or response ever carries a secret value; a CRD created
 * with kubectl appears in the sidebar and its objects stream, and when it is deleted it goes
 * with no error left; Back and Forward walk the kinds visited. Screenshots go to test-artifacts/.
 */
import { jest } from '@jest/globals';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startBackend, type Backend } from '../../server/serve.js';
import { clickRowUntilSelected, collectPageErrors, ensureUiBuilt, kubectlOfDemo, launchChromium, onAPodThatStays, quickConfig, screenshot, until as waitUntil, type LaunchedBrowser } from './browser.js';

const config = {
  ...quickConfig,
  // Discovery polled every second, so a CRD created or deleted shows quickly.
  snapshotPollIntervalMs: { 'api-resources': 1000 },
};

const wait = { timeout: 30_000 };

let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];
/** Every WebSocket frame and HTTP response body the page received, with where it came from. */
const received: Array<{ from: string; body: string }> = [];
/** Every HTTP answer of 400 or more the page got. */
const failed: string[] = [];

jest.setTimeout(180_000);

beforeAll(async () => {
  ensureUiBuilt();
  backend = await startBackend({ demo: { nodes: 3, pods: 80, churn: 2, seed: 7 }, port: 0, allowFaults: true, config });
  chromium = await launchChromium();
  page = await chromium.browser.newPage({ viewport: { width: 1440, height: 900 } });
  errors = collectPageErrors(page);
  page.on('websocket', (socket) => {
    socket.on('framereceived', (frame) => received.push({ from: `ws ${socket.url()}`, body: String(frame.payload) }));
  });
  page.on('response', (response) => {
    if (response.status() >= 400) failed.push(`${response.status()} ${response.request().method()} ${response.url()}`);
    void response.text().then(
      (body) => received.push({ from: `${response.request().method()} ${response.url()}`, body }),
      () => undefined,
    );
  });
});

afterAll(async () => {
  await chromium?.close();
  await backend?.stop();
});


const kubectl = (...args: string[]): Promise<string> => kubectlOfDemo(backend, ...args);

/** Rows of the visible table that carry data (the header row has no data-key). */
function dataRows(label: string) {
  return page.locator(`[role=grid][aria-label="${label}"] [role=row][data-key]`);
}

async function headers(label: string): Promise<string[]> {
  return page.locator(`[role=grid][aria-label="${label}"] [role=columnheader]`).evaluateAll((cells) => cells.map((c) => (c.textContent ?? '').replace(/[▲▼]/g, '').trim()));
}

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = wait.timeout) => waitUntil(page, what, read, ready, timeoutMs);

/** `kubectl get` as the columns and keys (namespace/name) it prints. */
async function kubectlGet(resource: string, namespace: string | null): Promise<{ columns: string[]; keys: string[] }> {
  const out = (await kubectl('get', resource, ...(namespace === null ? ['-A'] : ['-n', namespace]), '--no-headers=false')).trimEnd().split('\n');
  const head = out[0]!.split(/\s{2,}/).map((h) => h.trim());
  const nameAt = head.indexOf('NAME');
  const namespaceAt = head.indexOf('NAMESPACE');
  const keys = out.slice(1).map((line) => {
    const cells = line.split(/\s{2,}/);
    return namespaceAt >= 0 ? `${cells[namespaceAt]}/${cells[nameAt]}` : namespace ? `${namespace}/${cells[nameAt]}` : cells[nameAt]!;
  });
  return { columns: head, keys: keys.sort() };
}

async function openFromSidebar(id: string): Promise<void> {
  await page.getByTestId(`nav-${id}`).click();
}

test('theSidebarListsWhatTheClusterServesGroupedWithCounts', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await page.getByTestId('nav-core/v1/configmaps').waitFor(wait);
  const groups = await page.locator('[data-testid=sidebar] .nav-group-title').allTextContents();
  for (const group of ['RBAC', 'Storage', 'Config', 'CRDs', 'Network', 'Autoscaling', 'Quotas', 'Helm']) expect(groups).toContain(group);
  for (const id of ['nodes', 'workloads', 'pods', 'helm', 'core/v1/namespaces', 'core/v1/secrets', 'core/v1/services', 'rbac.authorization.k8s.io/v1/clusterroles', 'apiextensions.k8s.io/v1/customresourcedefinitions']) {
    await page.getByTestId(`nav-${id}`).waitFor(wait);
  }
  await screenshot(page, 'resources-sidebar');
  // The sidebar's namespace is the views' scope: choosing one there scopes the counts and the next view.
  await page.getByTestId('sidebar-namespace').selectOption('shop');
  await until('the namespace in the URL', async () => new URL(page.url()).hash, (h) => h.includes('ns=shop'));
  await openFromSidebar('core/v1/configmaps');
  await dataRows('ConfigMaps').first().waitFor(wait);
  expect(await dataRows('ConfigMaps').evaluateAll((rows) => rows.every((r) => (r.getAttribute('data-key') ?? '').startsWith('shop/')))).toBe(true);
  expect(await page.getByTestId('namespace-select').inputValue()).toBe('shop');
  await page.getByTestId('sidebar-namespace').selectOption('');
  // Counts arrive from /api/v1/counts.
  await page.getByTestId('count-core/v1/configmaps').waitFor(wait);
});

/** What the engine holds for a key, as namespace/name (or name), sorted. */
async function heldKeys(key: string): Promise<string[]> {
  return page.evaluate((k) => {
    const engine = (window as unknown as { kubelive: { engine: { store: { rows(key: string): Array<{ namespace?: string; name: string }> } } } }).kubelive.engine;
    return engine.store
      .rows(k)
      .map((r) => (r.namespace ? `${r.namespace}/${r.name}` : r.name))
      .sort();
  }, key);
}

/**
 * Opens a kind from the sidebar and checks it against kubectl: the same columns (kubectl prints
 * the server's Table columns, upper-cased) and, once the stream has settled, the same objects.
 */
async function expectKindAsKubectlPrintsIt(id: string, label: string, kubectlName: string): Promise<void> {
  await openFromSidebar(id);
  await page.waitForFunction((l) => document.querySelectorAll(`[role=grid][aria-label="${l}"] [role=row][data-key]`).length > 0, label, wait);
  const printed = await kubectlGet(kubectlName, null);
  expect((await headers(label)).map((h) => h.toUpperCase())).toEqual(printed.columns);
  await until(`${label} to hold what kubectl lists`, async () => ({ held: await heldKeys(`${id}:`), listed: (await kubectlGet(kubectlName, null)).keys }), (v) => JSON.stringify(v.held) === JSON.stringify(v.listed));
  await page.waitForFunction((l) => document.querySelector(`[data-testid="freshness-${l}"]`)?.getAttribute('data-level') === 'live', kubectlName.split('.')[0], wait);
}

test('severalKindsOpenFromTheSidebarWithTheRowsAndColumnsKubectlPrints', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await expectKindAsKubectlPrintsIt('core/v1/configmaps', 'ConfigMaps', 'configmaps');
  await screenshot(page, 'resources-configmaps');
  // Sorted by a number column as numbers, biggest first on the first click; by Age, youngest first.
  const column = (id: string) => dataRows('ConfigMaps').evaluateAll((rows, c) => rows.map((r) => r.querySelector(`[data-col="${c}"]`)?.textContent ?? ''), id);
  await page.locator('[role=grid][aria-label="ConfigMaps"] [role=columnheader][data-col=Data] button').click();
  await until('ConfigMaps by Data, biggest first', () => column('Data'), (cells) => cells.map(Number).every((n, i, all) => i === 0 || all[i - 1]! >= n));
  await page.locator('[role=grid][aria-label="ConfigMaps"] [role=columnheader][data-col=Age] button').click();
  const seconds = (age: string) => [...age.matchAll(/(\d+)([ydhms])/g)].reduce((sum, [, n, u]) => sum + Number(n) * { y: 31_536_000, d: 86_400, h: 3600, m: 60, s: 1 }[u as 'y']!, 0);
  await until('ConfigMaps by Age, youngest first', () => column('Age'), (cells) => cells.map(seconds).every((n, i, all) => i === 0 || all[i - 1]! <= n));
  await expectKindAsKubectlPrintsIt('core/v1/services', 'Services', 'services');
  await screenshot(page, 'resources-services');
  // Wide adds the columns `kubectl get -o wide` adds.
  await page.getByTestId('wide').check();
  await until('the wide columns', () => headers('Services'), (h) => h.join() === 'Namespace,Name,Type,Cluster-IP,External-IP,Port(s),Age,Selector');
  expect(new URL(page.url()).hash).toContain('wide=1');
  await expectKindAsKubectlPrintsIt('rbac.authorization.k8s.io/v1/clusterroles', 'ClusterRoles', 'clusterroles');
  await expectKindAsKubectlPrintsIt('example.com/v1/widgets', 'Widgets', 'widgets.example.com');
  await screenshot(page, 'resources-widgets');
  // Events as a kind of their own, and Diagnostics with every kind's subscription.
  await openFromSidebar('events');
  await dataRows('Events').first().waitFor(wait);
  await screenshot(page, 'resources-events');
  await page.getByTestId('tab-diagnostics').click();
  await page.locator('[data-testid="diag-events:"]').waitFor(wait);
  await screenshot(page, 'resources-diagnostics');
  // Diagnostics is in the sidebar too, and marked as the page shown.
  expect(await page.getByTestId('nav-diagnostics').getAttribute('aria-current')).toBe('page');
  await openFromSidebar('core/v1/services');
  await dataRows('Services').first().waitFor(wait);
});

interface Meta {
  metadata: { name: string; namespace?: string; uid: string; deletionTimestamp?: string };
}
interface EventObject extends Meta {
  involvedObject: { kind: string; name: string; namespace?: string; uid?: string };
}

test('anObjectsYamlAndTheEventsAboutItOpenFromItsRowAndFromALink', async () => {
  // From a row: a ConfigMap's YAML, with the route naming it.
  await page.goto(`${backend.url}#/r/core/v1/configmaps?ns=shop`);
  const first = dataRows('ConfigMaps').first();
  await first.waitFor(wait);
  const name = (await first.getAttribute('data-key'))!.split('/')[1]!;
  await first.click();
  await page.getByTestId('object-yaml').waitFor(wait);
  expect(await page.getByTestId('object-yaml').textContent()).toContain(`name: ${name}`);
  expect(new URL(page.url()).hash).toContain(`sel=shop%2F${name}`);
  await page.getByTestId('object-events').waitFor(wait);

  // From a link: a pod the demo cluster has events about, opened in the generic view. The cluster
  // churns, and the events about a pod it replaced stay: the first Pod event in the cluster's order
  // was about a pod already gone 20-40 s after the start (seed 7), and the pod looked up for it was
  // undefined. So the pod is one the cluster has and is not deleting, and another is chosen if
  // churn deletes it during the check.
  await onAPodThatStays(
    backend,
    () => {
      const standing = new Map((backend.demo!.listObjects('pods') as Meta[]).filter((p) => !p.metadata.deletionTimestamp).map((p) => [p.metadata.uid, p]));
      const about = (backend.demo!.listObjects('events') as EventObject[]).find((e) => e.involvedObject.kind === 'Pod' && standing.has(e.involvedObject.uid ?? ''));
      if (!about) throw new Error('no event is about a pod the cluster has');
      return standing.get(about.involvedObject.uid!)!;
    },
    async (pod) => {
      const events = (backend.demo!.listObjects('events') as EventObject[]).filter((e) => e.involvedObject.uid === pod.metadata.uid);
      const expected = events.length;
      try {
        await page.goto(`${backend.url}#/r/core/v1/pods?ns=${pod.metadata.namespace}&sel=${pod.metadata.namespace}/${pod.metadata.name}`);
        // Waited for, not read once: the panel of the object shown before may not have gone yet.
        await until(`the YAML of ${pod.metadata.name}`, async () => (await page.getByTestId('object-yaml').textContent().catch(() => null)) ?? '', (yaml) => yaml.includes(`uid: ${pod.metadata.uid}`));
        await until(
          `the ${expected} events about ${pod.metadata.name}`,
          () => page.getByTestId('object-event').count(),
          (n) => n >= expected,
        );
        expect(await page.getByTestId('object-events').textContent()).toContain((events[0] as unknown as { reason: string }).reason);
      } catch (error) {
        // Gone: what the page asked about it meanwhile may have failed, rightly.
        if (!(backend.demo!.listObjects('pods') as Meta[]).some((p) => p.metadata.uid === pod.metadata.uid)) forgive((line) => line.includes(pod.metadata.name));
        throw error;
      }
    },
  );
  await screenshot(page, 'resources-yaml-events');
  // Esc is not required here; Close takes the object out of the route.
  await page.getByTestId('close-panel').click();
  expect(new URL(page.url()).hash).not.toContain('sel=');
});

interface SecretObject extends Meta {
  type?: string;
  data?: Record<string, string>;
}

/**
 * Keys of a service-account token Secret that are public by design: its namespace's name and the
 * cluster's CA certificate (also in every namespace's kube-root-ca.crt ConfigMap).
 */
const publicKeys = new Set(['namespace', 'ca.crt']);

/**
 * Every secret value the demo cluster holds, base64 as stored and decoded, long enough not to
 * turn up by chance in other text (a short value like "true" would be found everywhere).
 */
function secretValues(): Map<string, string> {
  const values = new Map<string, string>();
  for (const secret of backend.demo!.listObjects('secrets') as SecretObject[]) {
    for (const [key, encoded] of Object.entries(secret.data ?? {})) {
      if (publicKeys.has(key)) continue;
      const where = `${secret.metadata.namespace}/${secret.metadata.name}:${key}`;
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      if (encoded.length >= 12) values.set(encoded, where);
      if (decoded.length >= 8) values.set(decoded, where);
    }
  }
  return values;
}

/** What the page received that holds a secret value: `{from, key}` for each. */
function leaks(values: Map<string, string>, skip: (from: string) => boolean): Array<{ from: string; key: string }> {
  const found: Array<{ from: string; key: string }> = [];
  for (const { from, body } of received) {
    if (skip(from)) continue;
    for (const [value, key] of values) if (body.includes(value)) found.push({ from, key });
  }
  return found;
}

test('aSecretKeyIsRevealedOnlyOnRequestAndNoOtherFrameOrResponseCarriesASecretValue', async () => {
  const secrets = (backend.demo!.listObjects('secrets') as SecretObject[]).filter((s) => s.type === 'Opaque' && Object.keys(s.data ?? {}).length > 0);
  const secret = secrets[0]!;
  const [key, encoded] = Object.entries(secret.data!)[0]!;
  const value = Buffer.from(encoded, 'base64').toString('utf8');
  const { namespace, name } = secret.metadata;

  await page.goto(`${backend.url}#/nodes`);
  await openFromSidebar('core/v1/secrets');
  await dataRows('Secrets').first().waitFor(wait);
  // Rows show type and key count, as kubectl does.
  expect(await headers('Secrets')).toEqual(['Namespace', 'Name', 'Type', 'Data', 'Age']);
  await page.getByTestId('namespace-select').selectOption(namespace!);
  const row = page.locator(`[role=grid][aria-label="Secrets"] [role=row][data-key="${namespace}/${name}"]`);
  await row.waitFor(wait);
  expect(await row.locator('[data-col=Data]').textContent()).toBe(String(Object.keys(secret.data!).length));
  await clickRowUntilSelected(page, row, 'secrets-row');
  await page.getByTestId('object-yaml').waitFor(wait);
  await page.getByTestId(`secret-key-${key}`).waitFor(wait);
  const yaml = (await page.getByTestId('object-yaml').textContent())!;
  expect(yaml).toContain(`name: ${name}`);
  expect(yaml).not.toContain(encoded);

  // Nothing so far carried a value: not the stream, not a snapshot, not the object.
  const values = secretValues();
  expect(values.size).toBeGreaterThan(0);
  expect(leaks(values, () => false)).toEqual([]);

  // Reveal asks first; only the confirmation fetches.
  await page.getByTestId(`reveal-${key}`).click();
  expect(received.some((r) => r.from.includes('/api/v1/secret-key'))).toBe(false);
  await page.getByTestId(`confirm-reveal-${key}`).click();
  await page.getByTestId(`secret-value-${key}`).waitFor(wait);
  expect(await page.getByTestId(`secret-value-${key}`).textContent()).toBe(value);
  await screenshot(page, 'resources-secret-revealed');

  // The value stays out of the engine.
  const inEngine = await page.evaluate((v) => {
    const engine = (window as unknown as { kubelive: { engine: { store: { keys(): string[]; rows(k: string): unknown[] } } } }).kubelive.engine;
    return engine.store.keys().some((k) => JSON.stringify(engine.store.rows(k)).includes(v));
  }, value);
  expect(inEngine).toBe(false);

  // Closing the panel forgets it.
  await page.getByTestId('close-panel').click();
  await clickRowUntilSelected(page, row, 'secrets-row-again');
  await page.getByTestId(`reveal-${key}`).waitFor(wait);
  expect(await page.getByTestId(`secret-value-${key}`).count()).toBe(0);

  // Let the stream and polls run a while longer, then look at everything once more: only the reveal carried a value.
  await page.waitForTimeout(2000);
  const found = leaks(values, (from) => from.startsWith('POST ') && from.includes('/api/v1/secret-key'));
  expect(found).toEqual([]);
  const reveals = received.filter((r) => r.from.includes('/api/v1/secret-key'));
  expect(reveals).toHaveLength(1);
  expect(reveals[0]!.body).toContain(JSON.stringify(value).slice(1, -1));
});

const gizmoCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gizmos.lab.example.org' },
  spec: {
    group: 'lab.example.org',
    scope: 'Namespaced',
    names: { plural: 'gizmos', singular: 'gizmo', kind: 'Gizmo' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        additionalPrinterColumns: [
          { name: 'Colour', type: 'string', jsonPath: '.spec.colour' },
          { name: 'Teeth', type: 'integer', jsonPath: '.spec.teeth' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
      },
    ],
  },
};

function gizmo(name: string, colour: string, teeth: number) {
  return { apiVersion: 'lab.example.org/v1', kind: 'Gizmo', metadata: { name, namespace: 'shop' }, spec: { colour, teeth } };
}

/** `kubectl create -f` of one object, written to a file as a user would. */
async function kubectlCreate(object: object): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kubelive-crd-'));
  const file = join(dir, 'object.json');
  writeFileSync(file, JSON.stringify(object));
  await kubectl('create', '-f', file);
}

test('aCrdCreatedWhileThePageIsOpenAppearsAndStreamsAndWhenDeletedGoesWithNoErrorLeft', async () => {
  const domain = 'lab.example.org/v1/gizmos';
  await page.goto(`${backend.url}#/r/core/v1/configmaps`);
  await dataRows('ConfigMaps').first().waitFor(wait);
  expect(await page.getByTestId(`nav-${domain}`).count()).toBe(0);

  await kubectlCreate(gizmoCrd);
  await kubectlCreate(gizmo('sprocket', 'teal', 12));
  // Within one discovery poll, under its API group, in the namespace section.
  await page.getByTestId(`nav-${domain}`).waitFor(wait);
  expect(await page.getByTestId('nav-group-namespace:custom:lab.example.org').textContent()).toContain('Gizmos');
  await openFromSidebar(domain);
  await dataRows('Gizmos').first().waitFor(wait);
  expect(await headers('Gizmos')).toEqual(['Namespace', 'Name', 'Colour', 'Teeth', 'Age']);
  const printed = await kubectlGet('gizmos.lab.example.org', null);
  expect(printed.columns).toEqual(['NAMESPACE', 'NAME', 'COLOUR', 'TEETH', 'AGE']);

  // Its objects stream: one created now shows without a reload.
  await kubectlCreate(gizmo('cog', 'amber', 30));
  const cog = page.locator('[role=grid][aria-label="Gizmos"] [role=row][data-key="shop/cog"]');
  await cog.waitFor(wait);
  expect(await cog.locator('[data-col=Colour]').textContent()).toBe('amber');
  expect(await cog.locator('[data-col=Teeth]').textContent()).toBe('30');
  await page.waitForFunction(() => document.querySelector('[data-testid="freshness-gizmos"]')?.getAttribute('data-level') === 'live', null, wait);
  await screenshot(page, 'resources-crd-created');

  // Deleted: gone from the sidebar, the open view says so, and nothing keeps failing for it.
  await kubectl('delete', 'crd', 'gizmos.lab.example.org');
  await page.getByTestId('kind-gone').waitFor(wait);
  await until('the sidebar to drop Gizmos', () => page.getByTestId(`nav-${domain}`).count(), (n) => n === 0);
  await until(
    'the engine to let go of the gizmos subscription',
    () => page.evaluate((d) => (window as unknown as { kubelive: { engine: { diagnostics(): { rows: Array<{ domain: string }> } } } }).kubelive.engine.diagnostics().rows.filter((r) => r.domain === d).length, domain),
    (n) => n === 0,
  );
  expect(await page.locator('.problem-error, [role=alert]').count()).toBe(0);
  await page.waitForFunction(() => document.querySelector('[data-testid=connection]')?.getAttribute('data-level') === 'live', null, wait);
  await screenshot(page, 'resources-crd-deleted');
  // Between the deletion and discovery saying so, the view's polls may find the kind gone (404):
  // those, and only those, and none once the view let go.
  const gone = (line: string) => line.includes('/api/v1/snapshot/lab.example.org/v1/gizmos');
  const before = failed.length;
  await page.waitForTimeout(2000);
  expect(failed.slice(before)).toEqual([]);
  expect(failed.filter((f) => !f.startsWith('404 GET ') && gone(f))).toEqual([]);
  forgive(gone);
});

test('backAndForwardWalkTheKindsVisitedAndAReloadOpensTheSameScreen', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await openFromSidebar('core/v1/configmaps');
  await dataRows('ConfigMaps').first().waitFor(wait);
  await openFromSidebar('core/v1/services');
  await dataRows('Services').first().waitFor(wait);
  // A sort from the header is a screen of its own too.
  await page.locator('[role=grid][aria-label="Services"] [role=columnheader][data-col=Name] button').click();
  await until('the sort in the URL', async () => new URL(page.url()).hash, (h) => h.includes('sort=Name'));
  await openFromSidebar('rbac.authorization.k8s.io/v1/clusterroles');
  await dataRows('ClusterRoles').first().waitFor(wait);

  await page.goBack();
  await dataRows('Services').first().waitFor(wait);
  expect(new URL(page.url()).hash).toContain('sort=Name');
  expect(await page.locator('[role=grid][aria-label="Services"] [role=columnheader][data-col=Name]').getAttribute('aria-sort')).toBe('ascending');
  await page.goBack();
  await page.goBack();
  await dataRows('ConfigMaps').first().waitFor(wait);
  await page.goForward();
  await dataRows('Services').first().waitFor(wait);

  // A filter and a selected object survive a reload.
  const services = (await dataRows('Services').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-key')!))).filter((k) => k.startsWith('shop/'));
  await page.getByTestId('filter').fill('shop');
  await until('the filter in the URL', async () => new URL(page.url()).hash, (h) => h.includes('q=shop'));
  await clickRowUntilSelected(page, page.locator(`[role=grid][aria-label="Services"] [role=row][data-key="${services[0]}"]`), 'services-shop');
  await page.getByTestId('object-yaml').waitFor(wait);
  await page.reload();
  await page.getByTestId('object-yaml').waitFor(wait);
  expect(await page.getByTestId('filter').inputValue()).toBe('shop');
  expect(await page.locator('[role=grid][aria-label="Services"] [role=row][aria-selected=true]').getAttribute('data-key')).toBe(services[0]);
  expect(await dataRows('Services').evaluateAll((rows) => rows.every((r) => (r.getAttribute('data-key') ?? '').startsWith('shop/')))).toBe(true);
  // The existing routes still open their views, and now carry their sort and open object too.
  // The cluster churns: a pod chosen may be replaced before it is checked, and its row rightly goes.
  const selected = page.locator('[role=grid][aria-label="Pods"] [role=row][aria-selected=true]');
  await onAPodThatStays(
    backend,
    () => (backend.demo!.listObjects('pods', 'shop') as Meta[])[0]!,
    async (pod) => {
      const stillThere = () => (backend.demo!.listObjects('pods', 'shop') as Meta[]).some((p) => p.metadata.uid === pod.metadata.uid);
      await page.goto(`${backend.url}#/pods?ns=shop&sort=-restarts&sel=shop/${pod.metadata.name}`);
      await page.getByTestId('logs-panel').waitFor(wait);
      expect(await page.locator('[role=grid][aria-label="Pods"] [role=columnheader][data-col=restarts]').getAttribute('aria-sort')).toBe('descending');
      await until('the pod selected, or gone from the cluster', async () => (await selected.count()) > 0 || !stillThere(), (ready) => ready);
      if ((await selected.count()) === 0) {
        // Gone: what the page asked about it meanwhile may have failed, rightly.
        forgive((line) => line.includes(pod.metadata.name));
        throw new Error(`shop/${pod.metadata.name} left the cluster before it was checked`);
      }
      expect(await selected.getAttribute('data-key')).toBe(`shop/${pod.metadata.name}`);
    },
  );
  const node = (backend.demo!.listObjects('nodes') as Meta[])[0]!.metadata.name;
  await page.goto(`${backend.url}#/nodes?sel=${node}&q=${node}`);
  await page.getByTestId('object-yaml').waitFor(wait);
  expect(await page.getByTestId('object-yaml').textContent()).toContain(`name: ${node}`);
  expect(await dataRows('Nodes').count()).toBe(1);
});

test('helmReleasesShowEachReleaseAtItsNewestRevisionWithItsHistory', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await openFromSidebar('helm');
  await dataRows('Helm releases').first().waitFor(wait);
  expect(await headers('Helm releases')).toEqual(['Name', 'Namespace', 'Revision', 'Chart', 'Chart version', 'App version', 'Status', 'Updated', 'Description']);
  // Each release's newest revision in the cluster now. The churn upgrades a release now and then
  // (a new revision Secret), so what a release shows is compared with the cluster at each look,
  // not with a revision read once before.
  const newestRevisions = () => {
    const newest = new Map<string, number>();
    for (const s of backend.demo!.listObjects('secrets') as Array<SecretObject & { metadata: { labels?: Record<string, string> } }>) {
      if (s.type !== 'helm.sh/release.v1') continue;
      const id = `${s.metadata.namespace}/${s.metadata.labels?.name}`;
      newest.set(id, Math.max(newest.get(id) ?? 0, Number(s.metadata.labels?.version)));
    }
    return newest;
  };
  const newest = newestRevisions();
  await until('one line per release', () => dataRows('Helm releases').count(), (n) => n === newest.size);
  const [id] = [...newest].find(([, v]) => v > 1)!;
  const line = page.locator(`[role=grid][aria-label="Helm releases"] [role=row][data-key="${id}"]`);
  await until(
    `${id} at its newest revision`,
    async () => ({ shown: await line.locator('[data-col=revision]').textContent(), cluster: String(newestRevisions().get(id)) }),
    ({ shown, cluster }) => shown === cluster,
  );
  await line.click();
  await until(
    'its history under it',
    async () => ({ lines: await dataRows('Helm releases').count(), revision: newestRevisions().get(id)! }),
    ({ lines, revision }) => lines === newest.size + revision - 1,
  );
  await screenshot(page, 'resources-helm');
});

/** Failed requests and the console errors they logged that a test expected (see the CRD test). */
function forgive(expected: (line: string) => boolean): void {
  for (const list of [failed, errors]) {
    const kept = list.filter((line) => !expected(line));
    list.splice(0, list.length, ...kept);
  }
}

test('eventsCountTheirAgeUpLiveAndOpenTheObjectTheyAreAbout', async () => {
  await page.goto(`${backend.url}#/nodes`);
  await openFromSidebar('events');
  const newest = dataRows('Events').first();
  await newest.waitFor(wait);
  const uid = (await newest.getAttribute('data-key'))!;
  const seen = page.locator(`[role=grid][aria-label="Events"] [role=row][data-key="${uid}"] [data-col=seen]`);
  const first = await seen.textContent();
  // Newest first, and seconds old: its Last Seen moves on its own, with no new frame for it.
  await until('Last Seen to count up', () => seen.textContent(), (text) => text !== first, 5000);
  // An event about a pod the cluster still runs, not being replaced: the churn's Killing event is
  // about a pod about to go, and the panel (rightly) shows no events about a pod deleted meanwhile
  // and re-created under its name. ReplicaSet pods' names are never reused. Churn can still delete
  // the chosen pod before its panel opens (CI run of stop 27): then another is chosen
  // (onAPodThatStays), and a pod still in the cluster whose panel shows no YAML fails the test.
  const events = page.url();
  await onAPodThatStays(
    backend,
    async () => {
      if (page.url() !== events) {
        await page.goto(events);
        await dataRows('Events').first().waitFor(wait);
      }
      const pods = (backend.demo!.listObjects('pods') as Array<{ metadata: { uid: string; name: string; deletionTimestamp?: string; ownerReferences?: Array<{ kind: string }> } }>).filter(
        (pod) => !pod.metadata.deletionTimestamp && pod.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet',
      );
      const objects = await page.locator('[role=grid][aria-label="Events"] [role=row][data-key] [data-col=object]').allTextContents();
      const names = objects.map((text) => text.trim()).filter((text) => text.startsWith('pod/')).map((text) => text.slice('pod/'.length));
      const pod = pods.find((p) => names.includes(p.metadata.name));
      if (!pod) throw new Error(`no event on screen is about a standing ReplicaSet pod: ${objects.join(', ')}`);
      return pod;
    },
    async (pod) => {
      const object = pod.metadata.name;
      const aboutPod = page.locator('[role=grid][aria-label="Events"] [role=row][data-key]', { has: page.locator('[data-col=object]', { hasText: `pod/${object}` }) }).first();
      await aboutPod.click(wait);
      // Its YAML; a pod gone from the cluster meanwhile ends the wait early, and the check fails.
      const inCluster = () => (backend.demo!.listObjects('pods') as Array<{ metadata: { uid: string } }>).some((p) => p.metadata.uid === pod.metadata.uid);
      await until('its YAML, or the pod gone', async () => (await page.getByTestId('object-yaml').count()) > 0 || !inCluster(), (done) => done);
      await page.getByTestId('object-yaml').waitFor({ timeout: 1000 });
      expect(new URL(page.url()).hash).toMatch(new RegExp(`^#/r/core/v1/pods\\?ns=[a-z0-9-]+&sel=[a-z0-9-]+%2F${object}$`));
      expect(await page.getByTestId('object-yaml').textContent()).toContain(`name: ${object}`);
      await page.getByTestId('object-event').first().waitFor(wait);
    },
  );
});

test('aRowOpensFromTheKeyboardEscClosesItSlashFiltersAndANarrowScreenStacksTheSidebar', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.goto(`${backend.url}#/r/core/v1/configmaps?ns=shop`);
    const row = dataRows('ConfigMaps').first();
    await row.waitFor(wait);
    await screenshot(page, 'resources-narrow');
    // The page does not scroll sideways: the view fits the viewport's width.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await row.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('object-yaml').waitFor(wait);
    expect(new URL(page.url()).hash).toContain('sel=shop%2F');
    await page.keyboard.press('Escape');
    await until('the panel to close', () => page.getByTestId('object-panel').count(), (n) => n === 0);
    expect(new URL(page.url()).hash).not.toContain('sel=');
    // `/` goes to the filter.
    await page.locator('body').focus();
    await page.keyboard.press('/');
    await page.keyboard.type('kube-root');
    await until('the filter from the keyboard', async () => new URL(page.url()).hash, (h) => h.includes('q=kube-root'));
    expect(await dataRows('ConfigMaps').count()).toBe(1);
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});

test('thePageThrewNothing', () => {
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
});
