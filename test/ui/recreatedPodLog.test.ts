/**
 * The logs panel of a StatefulSet pod that is deleted, in a real Chromium against the demo
 * cluster. The StatefulSet brings a pod back under the same name at once: another pod, whose panel
 * opens in place of the old one's. Its lines are never the old pod's shown as its own: while the
 * backend still holds the deleted pod's lines (the new container has not started), the panel says
 * whose they are (`logs-of-deleted-pod`, from the stream's `upstream.ended`); then the new pod's
 * own log replaces them, checked against `kubectl logs --timestamps`. Every change of the page is
 * watched from inside it, so a state that lasts one frame is seen too.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/backend.js';
import { kubectlOfDemo, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

jest.setTimeout(180_000);

let backend: Backend;
let page: Page;
let errors: string[];

useDashboard({ demo: { nodes: 3, pods: 120, churn: 0, seed: 11 }, port: 0, config: quickConfig }, (d) => ({ backend, page, errors } = d));

const wait = { timeout: 30_000 };
const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean) => waitUntil(page, what, read, ready);

interface DemoPod {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; ownerReferences?: { kind: string }[] };
  spec: { containers: { name: string }[] };
  status: { phase?: string };
}

function aStatefulPod(): DemoPod {
  const pod = (backend.demo!.listObjects('pods') as DemoPod[]).find(
    (p) => p.spec.containers.length === 1 && p.status.phase === 'Running' && !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.[0]?.kind === 'StatefulSet',
  );
  if (!pod) throw new Error('the demo cluster generated no running StatefulSet pod');
  return pod;
}

/** One state of the panel of a pod other than the deleted one: its lines' first and last stamps, and whether the note was up. */
interface PanelState {
  readonly uid: string;
  readonly first: string;
  readonly last: string;
  readonly count: number;
  readonly note: boolean;
}

/** What the panel shows now: its pod's uid, and the stamp of each line. */
function panelNow(): Promise<{ uid: string; times: string[]; note: boolean }> {
  return page.evaluate(() => {
    const panel = document.querySelector<HTMLElement>('[data-testid=logs-panel]');
    return {
      uid: panel?.dataset.uid ?? '',
      times: [...(panel?.querySelectorAll<HTMLElement>('.log-line') ?? [])].map((l) => l.dataset.time ?? ''),
      note: panel?.querySelector('[data-testid=logs-of-deleted-pod]') !== null && panel !== null,
    };
  });
}

test('aPodRecreatedUnderTheNameNeverShowsTheDeletedPodsLinesAsItsOwn', async () => {
  const pod = aStatefulPod();
  const { name, namespace, uid: oldUid } = pod.metadata;
  await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
  await page.getByTestId('logs-panel').waitFor(wait);
  await until('the old pod’s lines', panelNow, (p) => p.uid === oldUid && p.times.length > 0);

  // From here on every state of the panel of another pod is recorded, in the page, as it happens.
  await page.evaluate((oldUid) => {
    const states: PanelState[] = [];
    (window as unknown as { panelStates: PanelState[] }).panelStates = states;
    const record = () => {
      const panel = document.querySelector<HTMLElement>('[data-testid=logs-panel]');
      if (!panel || panel.dataset.uid === oldUid) return;
      const times = [...panel.querySelectorAll<HTMLElement>('.log-line')].map((l) => l.dataset.time ?? '').sort();
      const state = { uid: panel.dataset.uid ?? '', first: times[0] ?? '', last: times.at(-1) ?? '', count: times.length, note: panel.querySelector('[data-testid=logs-of-deleted-pod]') !== null };
      const previous = states.at(-1);
      if (!previous || JSON.stringify(previous) !== JSON.stringify(state)) states.push(state);
    };
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  }, oldUid);
  const deletedAt = Date.now();

  await kubectlOfDemo(backend, 'delete', 'pod', name, '-n', namespace, '--grace-period=0', '--force', '--wait=false');
  const newUid = await until(
    'a new pod under the name',
    async () => {
      try {
        return (await kubectlOfDemo(backend, 'get', 'pod', name, '-n', namespace, '-o', 'jsonpath={.metadata.uid}')).trim();
      } catch {
        return '';
      }
    },
    (uid) => uid !== '' && uid !== oldUid,
  );

  // The new pod's panel, with its own lines only, and nothing said about a deleted pod.
  const shown = await until('the new pod’s own lines', panelNow, (p) => p.uid === newUid && p.times.length > 0 && p.times.every((t) => Date.parse(t) >= deletedAt) && !p.note);
  await screenshot(page, 'recreated-pod-log');

  // The truth: the new pod's log as kubectl reads it, stamps included, after what the panel showed.
  const truth = (await kubectlOfDemo(backend, 'logs', name, '-n', namespace, '--timestamps'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.slice(0, l.indexOf(' ')));
  expect(truth.length).toBeGreaterThan(0);
  const last = [...shown.times].sort().at(-1)!;
  expect([...shown.times].sort()).toEqual(truth.filter((t) => t <= last).sort());

  // Its first line was written as its container started, after the old pod was gone: every line
  // stamped before it is the deleted pod's. Never shown under the new pod unsaid, never mixed.
  // (The other way round, the new pod's first lines may sit under the note for the one frame
  // between the update that brings them and the status that takes the mark away: not checked.)
  const started = truth.sort()[0]!;
  const states = await page.evaluate(() => (window as unknown as { panelStates: PanelState[] }).panelStates);
  const oldShown = states.filter((s) => s.count > 0 && s.first < started);
  expect(oldShown.filter((s) => !s.note)).toEqual([]);
  expect(oldShown.filter((s) => s.last >= started)).toEqual([]);
});

test('thePageThrewNothing', () => {
  expect(errors).toEqual([]);
});
