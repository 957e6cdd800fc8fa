/**
 * The figures the Nodes and Pods views show are the ones `kubectl top` prints for the same
 * sample: CPU exactly (kubectl rounds a Quantity's millicores up), each node's CPU% and MEMORY%
 * exactly (kubectl cuts the percentage of allocatable to a whole number), and memory to the
 * precision each prints (kubectl in whole Mi, cut; the dashboard in three significant figures).
 * The reference is the real kubectl binary's output against the demo cluster, parsed here, never
 * a figure computed with kubelive's own code.
 *
 * The demo's metrics resolution is an hour, so one sample stands for the whole test; kubectl is
 * still read before and after the page, and a reading is only compared when both agree.
 */
import { jest } from '@jest/globals';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { kubectl, requireKubectlInCi, kubectlPath } from '../demo-cluster/client.js';
import { shownMemory } from '../support/shownFigures.js';
import { quickConfig, screenshot, until, useDashboard } from './browser.js';

jest.setTimeout(180_000);

let backend: Backend;
let page: Page;
let errors: string[];

requireKubectlInCi();
const withKubectl = kubectlPath ? describe : describe.skip;

useDashboard(
  { demo: { nodes: 5, pods: 80, churn: 0, seed: 31, metricsResolutionMs: 3_600_000 }, port: 0, config: { ...quickConfig, metricsIntervalMs: 1000 } },
  (dashboard) => ({ backend, page, errors } = dashboard),
  { viewport: { width: 1600, height: 1000 } },
);

/** `kubectl top ARGS --no-headers`, one array of columns per line. */
async function top(args: string[]): Promise<string[][]> {
  const result = await kubectl(backend.demo!.kubeconfigPath, ['top', ...args, '--no-headers']);
  if (result.code !== 0) throw new Error(`kubectl top ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

/** kubectl's millicores as the dashboard writes them: millicores below ten cores, else cores to a tenth. */
function asShown(kubectlCpu: string): string {
  const millicores = Number(/^(\d+)m$/.exec(kubectlCpu)?.[1] ?? Number.NaN);
  if (!Number.isInteger(millicores)) throw new Error(`kubectl printed CPU "${kubectlCpu}"`);
  return millicores < 10_000 ? `${millicores}m` : `${(millicores / 1000).toFixed(1)} cores`;
}

/**
 * Whether the dashboard's memory figure (e.g. "4.91Gi") and kubectl's ("5031Mi", whole Mi cut)
 * can be one amount of bytes: the ranges each figure stands for overlap.
 */
function sameMemory(shown: string, kubectlMemory: string): boolean {
  // Before its first sample the page shows a dash (or nothing, mid-render): not the same yet, and
  // the wait goes on; a figure that never reads as memory fails the wait, named in its message.
  if (!/^\d/.test(shown)) return false;
  const page = shownMemory(shown);
  const cli = /^(\d+)Mi$/.exec(kubectlMemory);
  if (!cli) return false;
  const cliLow = Number(cli[1]) * 2 ** 20;
  return page.value - page.tolerance < cliLow + 2 ** 20 && cliLow <= page.value + page.tolerance;
}

interface Shown {
  readonly key: string;
  readonly cpu: string;
  readonly cpuShare: string;
  readonly memory: string;
  readonly memoryShare: string;
}

/** Every row of a view's table, read by scrolling it through (it renders only what is in view). */
function shownRows(label: string): Promise<Shown[]> {
  return page.evaluate(async (label) => {
    const body = document.querySelector<HTMLElement>(`[role=grid][aria-label="${label}"] [data-testid=vt-body]`);
    const rows = new Map<string, Shown>();
    // No table yet (the view still says it is loading): nothing shown, read again.
    if (!body) return [];
    const frame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
    // A usage cell holds a sparkline, the figure and (nodes only) its share; a pod's cell is the figure alone.
    const figure = (cell: Element | null) => (cell?.querySelector('.usage') ? (cell.querySelector('.usage > span:not(.share)')?.textContent ?? '') : (cell?.textContent ?? ''));
    for (let at = 0; ; at += body.clientHeight) {
      body.scrollTop = at;
      await frame();
      for (const row of body.querySelectorAll<HTMLElement>('[role=row][data-key]')) {
        const cpu = row.querySelector('[data-col=cpu]');
        const memory = row.querySelector('[data-col=memory]');
        rows.set(row.dataset.key!, {
          key: row.dataset.key!,
          cpu: figure(cpu),
          cpuShare: cpu?.querySelector('.share')?.textContent ?? '',
          memory: figure(memory),
          memoryShare: memory?.querySelector('.share')?.textContent ?? '',
        });
      }
      if (at + body.clientHeight >= body.scrollHeight) break;
    }
    body.scrollTop = 0;
    return [...rows.values()];
  }, label);
}

/**
 * Waits until the page and kubectl agree on one sample: kubectl read before and after the page
 * printed the same, and `differences` finds nothing between that and the page. Fails naming what
 * still differs.
 */
async function agreesWithKubectl(what: string, args: string[], label: string, differences: (cli: string[][], shown: Shown[]) => string[]): Promise<string[][]> {
  const reading = await until(
    page,
    what,
    async () => {
      const before = await top(args);
      const shown = await shownRows(label);
      const after = await top(args);
      const steady = JSON.stringify(before) === JSON.stringify(after);
      return { steady, cli: after, differences: steady ? differences(after, shown) : ['kubectl read two samples'] };
    },
    (r) => r.steady && r.differences.length === 0,
    60_000,
  );
  return reading.cli;
}

withKubectl('the dashboard shows what kubectl top prints', () => {
  test('nodesShowKubectlTopNodesCpuSharesAndMemory', async () => {
    await page.goto(`${backend.url}#/nodes`);
    const cli = await agreesWithKubectl("the Nodes view to show kubectl top nodes' figures", ['nodes'], 'Nodes', (cli, shown) => {
      const byName = new Map(shown.map((row) => [row.key, row]));
      const found: string[] = [];
      if (shown.length !== cli.length) found.push(`the page shows ${shown.length} nodes, kubectl ${cli.length}`);
      for (const [name, cpu, cpuShare, memory, memoryShare] of cli) {
        const row = byName.get(name!);
        if (!row) {
          found.push(`${name} is not shown`);
          continue;
        }
        if (row.cpu !== asShown(cpu!)) found.push(`${name}: CPU ${row.cpu}, kubectl ${cpu}`);
        if (row.cpuShare !== cpuShare) found.push(`${name}: CPU% ${row.cpuShare}, kubectl ${cpuShare}`);
        if (!sameMemory(row.memory, memory!)) found.push(`${name}: memory ${row.memory}, kubectl ${memory}`);
        if (row.memoryShare !== memoryShare) found.push(`${name}: MEMORY% ${row.memoryShare}, kubectl ${memoryShare}`);
      }
      return found;
    });
    expect(cli).toHaveLength(5);
    await screenshot(page, 'nodes-as-kubectl-top');
    expect(errors).toEqual([]);
  });

  test('podsShowKubectlTopPodsCpuAndMemory', async () => {
    await page.goto(`${backend.url}#/pods`);
    const cli = await agreesWithKubectl("the Pods view to show kubectl top pods' figures", ['pods', '-A'], 'Pods', (cli, shown) => {
      const byKey = new Map(shown.map((row) => [row.key, row]));
      const found: string[] = [];
      for (const [namespace, name, cpu, memory] of cli) {
        const row = byKey.get(`${namespace}/${name}`);
        if (!row) found.push(`${namespace}/${name} is not shown`);
        else if (row.cpu !== asShown(cpu!) || !sameMemory(row.memory, memory!)) found.push(`${namespace}/${name}: ${row.cpu} ${row.memory}, kubectl ${cpu} ${memory}`);
      }
      return found;
    });
    // kubectl top lists the running pods, with a sample: most of the demo's 80.
    expect(cli.length).toBeGreaterThan(40);
    expect(errors).toEqual([]);
  });
});
