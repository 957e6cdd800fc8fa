/**
 * The Workloads view's CPU, memory and "Pods measured", as Chromium shows them, against the
 * cluster's own API: PodMetrics from metrics.k8s.io, summed by hand over the pods each workload
 * owns, found by walking ownerReferences read from the API (pod → ReplicaSet → Deployment,
 * pod → StatefulSet / DaemonSet, pod → Job → CronJob). Quantities are parsed here, not by
 * kubelive's parser, so the page is checked against the cluster and never against ourselves.
 *
 * Every kind the view lists is compared: Deployments, StatefulSets, DaemonSets, Jobs, CronJobs.
 *
 * The demo cluster's usage is a pure function of the sample number, so it holds still for one
 * resolution (5 s here) and then moves. Each reading is the cluster, the page, the cluster again:
 * when both cluster reads carry the same sample timestamp, that sample is the only one the
 * cluster served while the page was read, so the page can show only it or an older sample. Once
 * the page has shown one sample exactly, every later reading must equal one of the samples the
 * test saw served since (the page may lag by a poll, never go back, and may show a mix of two
 * samples only briefly: straddledReadGraceMs). A reading whose window held a sample the test did
 * not see (a loaded machine) proves nothing and is skipped. The test passes after the page has matched three samples, so the tracker's
 * re-credit on a metrics tick is checked twice, not only its first full sum.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import { call, kubectl, kubectlPath } from '../demo-cluster/client.js';
import { quantityIn } from '../support/quantity.js';
import { shownCpu, shownMemory } from '../support/shownFigures.js';
import { startStack, type Stack } from '../server/support.js';
import { collectPageErrors, ensureUiBuilt, launchChromium, screenshot, type LaunchedBrowser } from './browser.js';

jest.setTimeout(150_000);

/** Long enough for a reading (two API reads and a page read) to fit inside one sample on a loaded machine. */
const metricsResolutionMs = 5000;
/** Samples the page must match; the first is its full sum, the others re-credits on a tick. */
const samplesToMatch = 3;
/**
 * How long the page may show no sample at all once it has shown one. The cluster times each
 * pod's sample as it lists it, so a backend read that straddles the turn of a sample holds some
 * pods of each, and sums that are neither until the next read (one metrics interval, 1 s here).
 * A tracker that sums wrongly stays wrong for good, through this and through every later sample.
 */
const straddledReadGraceMs = metricsResolutionMs;

let stack: Stack;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

beforeAll(async () => {
  ensureUiBuilt();
  // Still (no churn): the pods, and so the attribution, do not move; only the samples do. The
  // stack's config polls metrics every second, so the page follows a new sample within about one.
  stack = await startStack({ demo: { nodes: 3, pods: 30, churn: 0, seed: 7, metricsResolutionMs } });
  chromium = await launchChromium();
  // Tall enough that every workload row is rendered (the table renders only the rows in view).
  page = await chromium.browser.newPage({ viewport: { width: 1440, height: 2400 } });
  errors = collectPageErrors(page);
  await page.goto(`${stack.base}/#/workloads`);
});

afterAll(async () => {
  await chromium?.close();
  await stack?.stop();
});

// ---- The reference: the cluster's API, read and summed here ----

interface KubeObject {
  metadata: { name: string; namespace?: string; uid: string; ownerReferences?: { kind: string; name: string; uid: string; controller?: boolean }[] };
}

interface PodMetricsItem {
  metadata: { name: string; namespace: string };
  timestamp: string;
  containers: { name: string; usage: { cpu: string; memory: string } }[];
}

const listedKinds = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'] as const;
const listPaths: Record<string, string> = {
  Deployment: '/apis/apps/v1/deployments',
  StatefulSet: '/apis/apps/v1/statefulsets',
  DaemonSet: '/apis/apps/v1/daemonsets',
  ReplicaSet: '/apis/apps/v1/replicasets',
  Job: '/apis/batch/v1/jobs',
  CronJob: '/apis/batch/v1/cronjobs',
  Pod: '/api/v1/pods',
};

interface Usage {
  nanocores: bigint;
  bytes: bigint;
  pods: number;
  /** The pods credited, namespace/name. */
  podNames: string[];
}

interface Truth {
  /**
   * The sample timestamp every PodMetrics item carried; null when a list straddled the turn of a
   * sample (the demo cluster, like metrics-server, times each pod's sample on its own).
   */
  timestamp: string | null;
  /** Usage by `namespace/Kind/name`, for every workload of a listed kind (zero pods when none measured). */
  usage: Map<string, Usage>;
}

async function list<T>(path: string): Promise<T[]> {
  const reply = await call(stack.demo, path);
  if (reply.status !== 200) throw new Error(`GET ${path}: ${reply.status}`);
  return reply.json<{ items: T[] }>().items;
}

const keyOf = (namespace: string | undefined, kind: string, name: string) => `${namespace ?? ''}/${kind}/${name}`;

function controllerOf(o: KubeObject) {
  return o.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** One reading of the cluster: metrics, then the objects, attributed by owner references. */
async function readCluster(): Promise<Truth> {
  const metrics = await list<PodMetricsItem>('/apis/metrics.k8s.io/v1beta1/pods');
  const [pods, replicaSets, jobs, ...workloadLists] = await Promise.all([
    list<KubeObject>(listPaths.Pod!),
    list<KubeObject>(listPaths.ReplicaSet!),
    list<KubeObject>(listPaths.Job!),
    ...listedKinds.map((kind) => list<KubeObject>(listPaths[kind]!)),
  ]);
  const usage = new Map<string, Usage>();
  listedKinds.forEach((kind, i) => {
    for (const w of workloadLists[i]!) usage.set(keyOf(w.metadata.namespace, kind, w.metadata.name), { nanocores: 0n, bytes: 0n, pods: 0, podNames: [] });
  });
  // ReplicaSets and Jobs by uid, to follow the second hop (to a Deployment, to a CronJob).
  const middle = new Map<string, KubeObject>([...replicaSets, ...jobs].map((o) => [o.metadata.uid, o]));
  const podByName = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const timestamps = new Set(metrics.map((m) => m.timestamp));
  for (const item of metrics) {
    const pod = podByName.get(`${item.metadata.namespace}/${item.metadata.name}`);
    const owner = pod && controllerOf(pod);
    if (!owner) continue;
    const credited = [keyOf(item.metadata.namespace, owner.kind, owner.name)];
    const parent = middle.get(owner.uid);
    const grand = parent && controllerOf(parent);
    if (grand) credited.push(keyOf(item.metadata.namespace, grand.kind, grand.name));
    let nanocores = 0n;
    let bytes = 0n;
    for (const c of item.containers) {
      nanocores += quantityIn(c.usage.cpu, 1_000_000_000n);
      bytes += quantityIn(c.usage.memory, 1n);
    }
    for (const key of credited) {
      const u = usage.get(key);
      if (!u) continue; // a ReplicaSet: not listed, its pods count on its Deployment
      u.nanocores += nanocores;
      u.bytes += bytes;
      u.pods++;
      u.podNames.push(`${item.metadata.namespace}/${item.metadata.name}`);
    }
  }
  return { timestamp: timestamps.size === 1 ? [...timestamps][0]! : null, usage };
}

// ---- The page ----

interface ShownRow {
  key: string;
  pods: string;
  cpu: string;
  memory: string;
}

/** Every workload row the page shows, in one synchronous read of the DOM (one rendered frame). */
async function readPage(): Promise<ShownRow[]> {
  return page.evaluate(() => {
    const cell = (r: Element, col: string) => r.querySelector(`[data-col="${col}"]`)?.textContent ?? '';
    return [...document.querySelectorAll('[role=grid][aria-label="Workloads"] [role=row][data-key]')].map((r) => ({
      key: `${cell(r, 'namespace')}/${cell(r, 'kind')}/${cell(r, 'name')}`,
      pods: cell(r, 'pods'),
      cpu: cell(r, 'cpu'),
      memory: cell(r, 'memory'),
    }));
  });
}

// ---- Comparing at the precision the page shows ----

/** Where one shown row and its workload's usage in one sample disagree, in words. */
function rowDisagreements(row: ShownRow, u: Usage): string[] {
  const out: string[] = [];
  if (row.pods !== String(u.pods)) out.push(`${row.key}: ${row.pods} pods measured, cluster ${u.pods}`);
  if (u.pods === 0) {
    if (row.cpu !== '—' || row.memory !== '—') out.push(`${row.key}: ${row.cpu} / ${row.memory} for no measured pod`);
    return out;
  }
  // A dash before the first sample lands (or a cell mid-render) is a disagreement to wait out, not a parse error.
  if (!/^\d/.test(row.cpu) || !/^\d/.test(row.memory)) {
    out.push(`${row.key}: ${row.cpu} / ${row.memory} for ${u.pods} measured pods`);
    return out;
  }
  const cpu = shownCpu(row.cpu);
  // 1e-9: the float division of an exact nanocore sum, not a rounding allowance.
  if (Math.abs(Number(u.nanocores) / 1e6 - cpu.value) > cpu.tolerance + 1e-9) out.push(`${row.key}: CPU ${row.cpu}, cluster ${u.nanocores}n`);
  const memory = shownMemory(row.memory);
  if (Math.abs(Number(u.bytes) - memory.value) > memory.tolerance) out.push(`${row.key}: memory ${row.memory}, cluster ${u.bytes} bytes`);
  return out;
}

/** Where the page and one sample disagree, in words; empty when it lists every workload and each row agrees. */
function disagreements(shown: ShownRow[], truth: Truth): string[] {
  const expected = [...truth.usage.keys()].sort();
  const listed = shown.map((r) => r.key).sort();
  const out = JSON.stringify(listed) === JSON.stringify(expected) ? [] : [`rows ${JSON.stringify(listed)}, cluster has ${JSON.stringify(expected)}`];
  for (const row of shown) {
    const u = truth.usage.get(row.key);
    if (u) out.push(...rowDisagreements(row, u));
  }
  return out;
}

const sampleIndex = (timestamp: string) => Math.round(Date.parse(timestamp) / metricsResolutionMs);

test('everyWorkloadRowShowsTheUsageTheClusterReportsForItsPods', async () => {
  await page.locator('[role=grid][aria-label="Workloads"] [role=row][data-key]').first().waitFor({ timeout: 60_000 });

  /** Every sample the test saw the cluster serve, by index. */
  const seen = new Map<number, Truth>();
  /** The newest sample the page has shown exactly; the page may show it or any later one seen. */
  let lastMatched: number | null = null;
  const matched = new Set<number>();
  /** Since when the page, having caught up, has shown none of the samples it could show. */
  let lostSince: number | null = null;
  const wrong: string[] = [];
  let lastMismatch: string[] = [];
  const deadline = Date.now() + 90_000;
  while (matched.size < samplesToMatch && Date.now() < deadline) {
    const before = await readCluster();
    const shown = await readPage();
    const after = await readCluster();
    for (const truth of [before, after]) if (truth.timestamp !== null) seen.set(sampleIndex(truth.timestamp), truth);
    // The sample moved while the page was read: no one sample to hold it to.
    if (after.timestamp === null || before.timestamp !== after.timestamp) continue;
    const now = sampleIndex(after.timestamp);
    const from = lastMatched ?? now;
    const candidates: number[] = [];
    let complete = true;
    for (let i = from; i <= now; i++) {
      if (seen.has(i)) candidates.push(i);
      else complete = false;
    }
    const fits = candidates.find((i) => disagreements(shown, seen.get(i)!).length === 0);
    if (fits !== undefined) {
      lastMatched = fits;
      matched.add(fits);
      lostSince = null;
    } else if (lastMatched === null) {
      // Still loading, or the first samples not yet in: wait for the page to catch up once.
      lastMismatch = disagreements(shown, after);
    } else if (complete) {
      // Caught up before, every sample since was seen, and the page shows none of them.
      lostSince ??= Date.now();
      if (Date.now() - lostSince > straddledReadGraceMs) {
        wrong.push(`page during sample ${after.timestamp}: ${candidates.map((i) => disagreements(shown, seen.get(i)!).join('; ')).join(' | or | ')}`);
        break;
      }
    }
    await page.waitForTimeout(200);
  }
  await screenshot(page, 'workload-usage-truth');
  expect(wrong).toEqual([]);
  if (matched.size < samplesToMatch) {
    throw new Error(`the page matched ${matched.size} of ${samplesToMatch} samples in 90 s; last disagreement: ${lastMismatch.join('; ') || '(none seen)'}`);
  }
  expect(errors).toEqual([]);
});

test('oneDeploymentAgreesWithKubectlTopSummedByHand', async () => {
  if (!kubectlPath) throw new Error('kubectl is needed for this check (/usr/bin/kubectl)');
  const deploymentKey = 'default/Deployment/frontend';
  // As above: the page and kubectl read within one sample, else read again.
  const reading = await (async () => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const before = await readCluster();
      const top = await kubectl(stack.demo.kubeconfigPath, ['top', 'pod', '-n', 'default', '--no-headers']);
      if (top.code !== 0) throw new Error(`kubectl top failed: ${top.stderr}`);
      const shown = await readPage();
      const after = await readCluster();
      const row = shown.find((r) => r.key === deploymentKey);
      // The page showing this very sample (it may still show the one before), checked as above.
      const usage = after.usage.get(deploymentKey);
      const current = row !== undefined && usage !== undefined && rowDisagreements(row, usage).length === 0;
      if (after.timestamp !== null && before.timestamp === after.timestamp && current) return { truth: after, top: top.stdout, row };
      await page.waitForTimeout(200);
    }
    throw new Error(`in 60 s, no reading within one sample where the page showed that sample for ${deploymentKey}`);
  })();
  const pods = reading.truth.usage.get(deploymentKey)?.podNames.map((n) => n.split('/')[1]!) ?? [];
  expect(pods.length).toBeGreaterThan(1);
  expect(reading.row).toBeDefined();
  // kubectl top prints each pod as whole millicores and whole Mi: summed by hand here.
  const printed = new Map(
    reading.top
      .trim()
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .map(([name, cpu, memory]) => [name!, { cpu: quantityIn(cpu!, 1000n), memory: quantityIn(memory!, 1n) }]),
  );
  let cpuMilli = 0;
  let memoryBytes = 0;
  for (const name of pods) {
    const p = printed.get(name);
    if (!p) throw new Error(`kubectl top does not list ${name}: ${reading.top}`);
    cpuMilli += Number(p.cpu);
    memoryBytes += Number(p.memory);
  }
  // Each printed pod is less than one unit (1m, 1Mi) from its exact usage (kubectl 1.3x rounds
  // CPU up and memory down; either way is allowed); the page's figure is within half its last digit.
  const cpu = shownCpu(reading.row!.cpu);
  expect(Math.abs(cpuMilli - cpu.value)).toBeLessThanOrEqual(pods.length * 1 + cpu.tolerance);
  const memory = shownMemory(reading.row!.memory);
  expect(Math.abs(memoryBytes - memory.value)).toBeLessThanOrEqual(pods.length * 1024 ** 2 + memory.tolerance);
});
