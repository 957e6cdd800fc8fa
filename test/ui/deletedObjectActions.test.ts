/**
 * Actions on an object the cluster deleted while its panel is open, in a real Chromium against
 * the demo cluster: the panel keeps the object shown (deletedObject.test.ts), and the buttons
 * that would act on it in the cluster stay, disabled, saying why: in text one sees beside them,
 * which is also each button's accessible description, read from Chromium's accessibility tree
 * (a `title` alone reaches neither a keyboard nor a screen reader). A confirmation already open
 * when the object goes says it will send nothing and cannot be confirmed; and what the cluster
 * holds is checked with kubectl, the truth, not with the page.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/backend.js';
import { kubectlOfDemo, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

jest.setTimeout(180_000);

let backend: Backend;
let page: Page;
let errors: string[];

// No churn: a pod it picked would be Terminating already, or its Deployment rolled under the test.
useDashboard({ demo: { nodes: 3, pods: 60, churn: 0, seed: 17 }, port: 0, config: quickConfig }, (d) => ({ backend, page, errors } = d));

const wait = { timeout: 30_000 };
const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean) => waitUntil(page, what, read, ready);

const kubectl = (...args: string[]): Promise<string> => kubectlOfDemo(backend, ...args);

/** The uid the cluster has under this name now; null once it has none (kubectl: NotFound). */
async function uidInCluster(kind: string, namespace: string, name: string): Promise<string | null> {
  try {
    return (await kubectl('get', kind, name, '-n', namespace, '-o', 'jsonpath={.metadata.uid}')).trim();
  } catch (error) {
    if (String((error as { stderr?: string }).stderr).includes('NotFound')) return null;
    throw error;
  }
}

interface Obj {
  metadata: { name: string; namespace: string; uid: string; deletionTimestamp?: string; ownerReferences?: Array<{ kind: string }> };
  status?: { phase?: string };
}

function aRunningReplicaSetPod(namespace: string, not: string[] = []): Obj {
  const pod = (backend.demo!.listObjects('pods', namespace) as Obj[]).find(
    (p) => p.metadata.ownerReferences?.[0]?.kind === 'ReplicaSet' && !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && !not.includes(p.metadata.name),
  );
  if (!pod) throw new Error(`no running ReplicaSet pod in ${namespace}`);
  return pod;
}

const deletedReason = /^\S+ was deleted from the cluster at \d\d:\d\d:\d\d: there is nothing to \w+(?:(?:, | or )\w+)*\.$/;

/**
 * The state of an action button: disabled or not, its title (for a mouse), its accessible
 * description as Chromium computes it for a screen reader (null for none), and whether the text
 * it is described by is on screen (null when it is described by nothing).
 */
async function buttonState(testId: string): Promise<{ disabled: boolean; title: string | null; description: string | null; describedByVisible: boolean | null }> {
  const button = page.getByTestId(testId);
  const cdp = await page.context().newCDPSession(page);
  try {
    const { root } = await cdp.send('DOM.getDocument', { depth: 0 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: `[data-testid="${testId}"]` });
    const { nodes } = await cdp.send('Accessibility.getPartialAXTree', { nodeId, fetchRelatives: false });
    const description = (nodes[0]?.description?.value as string | undefined) || null;
    const describedByVisible = await button.evaluate((b) => {
      const ids = b.getAttribute('aria-describedby');
      if (!ids) return null;
      return ids.split(/\s+/).every((id) => {
        const element = document.getElementById(id);
        const box = element?.getBoundingClientRect();
        return element !== null && element.checkVisibility() && box !== undefined && box.width > 0 && box.height > 0;
      });
    });
    return { disabled: await button.isDisabled(), title: await button.getAttribute('title'), description, describedByVisible };
  } finally {
    await cdp.detach();
  }
}

/** A disabled button's reason reaches everyone: seen beside it, its description, its title. */
function expectDisabledSayingWhy(state: Awaited<ReturnType<typeof buttonState>>): void {
  expect(state.disabled).toBe(true);
  expect(state.description).toMatch(deletedReason);
  expect(state.describedByVisible).toBe(true);
  expect(state.title).toBe(state.description);
}

const enabled = { disabled: false, title: null, description: null, describedByVisible: null };

test('theDeleteButtonOfAPodDeletedWhileItsPanelIsOpenIsDisabledSayingWhy', async () => {
  const pod = aRunningReplicaSetPod('shop');
  const { name, namespace, uid } = pod.metadata;
  await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
  // The YAML panel, which says when the pod was deleted (the logs panel of a deleted pod is logs.test.ts's).
  await page.getByTestId('panel-yaml').click(wait);
  await page.getByTestId('action-delete-pod').waitFor(wait);
  expect(await buttonState('action-delete-pod')).toEqual(enabled);
  await kubectl('delete', 'pod', name, '-n', namespace, '--grace-period=1', '--wait=false');
  await until(`${name} to be gone from the cluster`, () => uidInCluster('pod', namespace, name), (now) => now === null);
  await page.getByTestId('object-deleted').waitFor(wait);
  const state = await buttonState('action-delete-pod');
  expectDisabledSayingWhy(state);
  expect(state.description).toContain(`${namespace}/${name} was deleted from the cluster at`);
  expect(state.description).toMatch(/nothing to delete\.$/);
  // Still the deleted pod's panel, and its name still on the button, so the operator knows what was meant.
  expect(await page.getByTestId('action-delete-pod').getAttribute('aria-label')).toBe(`Delete pod ${namespace}/${name}`);
  expect(uid).not.toBe('');
  await screenshot(page, 'deleted-object-actions-pod');
});

test('aDeleteDialogOpenWhenItsPodIsDeletedSaysItSendsNothingAndCannotBeConfirmed', async () => {
  const pod = aRunningReplicaSetPod('shop');
  const { name, namespace } = pod.metadata;
  await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
  await page.getByTestId('panel-yaml').click(wait);
  await page.getByTestId('action-delete-pod').click(wait);
  const dialog = page.getByTestId('action-dialog');
  await dialog.waitFor(wait);
  await until('the dialog to be ready to confirm', () => page.getByTestId('action-confirm').isEnabled(), (enabled) => enabled);
  expect(await page.getByTestId('action-stale').count()).toBe(0);

  // Someone else deletes it while the operator reads the dialog.
  await kubectl('delete', 'pod', name, '-n', namespace, '--grace-period=1', '--wait=false');
  await until(`${name} to be gone from the cluster`, () => uidInCluster('pod', namespace, name), (now) => now === null);
  await page.getByTestId('object-deleted').waitFor(wait);
  await page.getByTestId('action-stale').waitFor(wait);
  expect(await dialog.getAttribute('data-phase')).toBe('confirming');
  expect(await page.getByTestId('action-confirm').isDisabled()).toBe(true);
  expect(await page.getByTestId('action-stale').textContent()).toMatch(new RegExp(`^${namespace}/${name} was deleted from the cluster at \\d\\d:\\d\\d:\\d\\d, after this was opened\\. Nothing was sent\\.$`));
  await screenshot(page, 'deleted-object-actions-dialog');
  await page.getByTestId('action-cancel').click();
  expect(await buttonState('action-delete-pod')).toMatchObject({ disabled: true });
});

test('aDeploymentDeletedWhileItsPanelIsOpenHasItsRestartAndScaleDisabledSayingWhy', async () => {
  const deployment = (backend.demo!.listObjects('deployments', 'shop') as Obj[])[0]!;
  const { name, namespace } = deployment.metadata;
  await page.goto(`${backend.url}#/workloads?ns=${namespace}&sel=${namespace}/${name}&of=Deployment`);
  await page.getByTestId('action-restart').waitFor(wait);
  expect(await buttonState('action-restart')).toEqual(enabled);
  expect(await buttonState('action-scale')).toEqual(enabled);
  await kubectl('delete', 'deployment', name, '-n', namespace, '--wait=false');
  await until(`${name} to be gone from the cluster`, () => uidInCluster('deployment', namespace, name), (now) => now === null);
  await page.getByTestId('object-deleted').waitFor(wait);
  for (const testId of ['action-restart', 'action-scale']) {
    const state = await buttonState(testId);
    expectDisabledSayingWhy(state);
    expect(state.description).toMatch(new RegExp(`^${namespace}/${name} was deleted .*: there is nothing to restart or scale\\.$`));
  }
  // One sentence for both buttons, not one each.
  expect(await page.getByTestId('action-reason').count()).toBe(1);
  await screenshot(page, 'deleted-object-actions-deployment');
});

test('thePageThrewNothing', () => {
  expect(errors).toEqual([]);
});
