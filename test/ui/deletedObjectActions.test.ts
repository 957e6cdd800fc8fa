/**
 * Actions on an object the cluster deleted while its panel is open, in a real Chromium against
 * the demo cluster: the panel keeps the object shown (deletedObject.test.ts), and the buttons
 * that would act on it in the cluster stay, disabled, saying why. A confirmation already open
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

const deletedReason = /^\S+ was deleted from the cluster at \d\d:\d\d:\d\d: there is nothing to \w+\.$/;

/** The state of an action button: disabled or not, and its description. */
async function buttonState(testId: string): Promise<{ disabled: boolean; title: string | null }> {
  const button = page.getByTestId(testId);
  return { disabled: await button.isDisabled(), title: await button.getAttribute('title') };
}

test('theDeleteButtonOfAPodDeletedWhileItsPanelIsOpenIsDisabledSayingWhy', async () => {
  const pod = aRunningReplicaSetPod('shop');
  const { name, namespace, uid } = pod.metadata;
  await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
  // The YAML panel, which says when the pod was deleted (the logs panel of a deleted pod is logs.test.ts's).
  await page.getByTestId('panel-yaml').click(wait);
  await page.getByTestId('action-delete-pod').waitFor(wait);
  expect(await buttonState('action-delete-pod')).toEqual({ disabled: false, title: null });
  await kubectl('delete', 'pod', name, '-n', namespace, '--grace-period=1', '--wait=false');
  await until(`${name} to be gone from the cluster`, () => uidInCluster('pod', namespace, name), (now) => now === null);
  await page.getByTestId('object-deleted').waitFor(wait);
  const state = await buttonState('action-delete-pod');
  expect(state.disabled).toBe(true);
  expect(state.title).toMatch(deletedReason);
  expect(state.title).toContain(`${namespace}/${name} was deleted from the cluster at`);
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
  expect(await buttonState('action-restart')).toEqual({ disabled: false, title: null });
  expect(await buttonState('action-scale')).toEqual({ disabled: false, title: null });
  await kubectl('delete', 'deployment', name, '-n', namespace, '--wait=false');
  await until(`${name} to be gone from the cluster`, () => uidInCluster('deployment', namespace, name), (now) => now === null);
  await page.getByTestId('object-deleted').waitFor(wait);
  for (const testId of ['action-restart', 'action-scale']) {
    const state = await buttonState(testId);
    expect(state.disabled).toBe(true);
    expect(state.title).toMatch(deletedReason);
  }
  await screenshot(page, 'deleted-object-actions-deployment');
});

test('thePageThrewNothing', () => {
  expect(errors).toEqual([]);
});
