/**
 * Row 2g: the load source alone. Before rows 2 and 3 measure the consumers at a rate, this asks
 * whether the cluster can make that rate at all: the cluster process churns (load.ts) with one
 * raw watch on all pods open, counting lines and nothing else, as the only consumer. The rate
 * made is counted in the cluster process on its own clock; the watch shows its fan-out kept up
 * when it received every change within a moment of the window's end.
 */
import { request } from 'node:https';
import type { ChildCluster } from './cluster.js';
import { apiAgent, apiRequest, type ApiAccess } from './clients.js';
import { sleep, waitUntil } from './support.js';

export interface LoadSourceResult {
  readonly targetPerSecond: number;
  /** Changes the cluster recorded per second, on its own clock. */
  readonly madePerSecond: number;
  /** The cluster process's CPU seconds per second meanwhile (1 = one core). */
  readonly clusterCpu: number;
  /** Watch events one raw watch received per second of the window. */
  readonly watchPerSecond: number;
  /** Changes made (from the first to the last) that the raw watch had not received 2 s after the last. */
  readonly watchBehind: number;
}

/** How long the raw watch may take after the window to catch up before it counts as behind. */
const drainMs = 2000;

/** A watch on every pod from `resourceVersion` that counts event lines and parses none of them. */
function countingWatch(api: ApiAccess, resourceVersion: string): { readonly lines: number; stop(): void } {
  const state = { lines: 0 };
  const req = request(new URL(`/api/v1/pods?watch=true&allowWatchBookmarks=false&resourceVersion=${resourceVersion}`, api.url), { headers: { authorization: `Bearer ${api.token}` }, ca: api.caPem }, (res) => {
    res.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) state.lines++;
    });
    res.on('error', () => undefined);
  });
  req.on('error', () => undefined);
  req.end();
  return {
    get lines() {
      return state.lines;
    },
    stop: () => req.destroy(),
  };
}

export async function loadSourceRun(cluster: ChildCluster, api: ApiAccess, perSecond: number, seconds: number): Promise<LoadSourceResult> {
  const agent = apiAgent(api);
  const { body } = await apiRequest(api, agent, 'GET', '/api/v1/pods?limit=1');
  agent.destroy();
  const watch = countingWatch(api, (JSON.parse(body.toString('utf8')) as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
  await sleep(200);
  const idle = watch.lines;
  const before = await cluster.stats();
  await cluster.setChurn(perSecond, 'load');
  await sleep(500); // past the first ticks: the window measures the sustained rate
  const start = await cluster.stats();
  const watchedAtStart = watch.lines;
  await sleep(seconds * 1000);
  const end = await cluster.stats();
  const watchedAtEnd = watch.lines;
  await cluster.setChurn(0);
  const stopped = await cluster.stats();
  const windowS = (end.atMs - start.atMs) / 1000;
  const made = stopped.churnOps - before.churnOps;
  await waitUntil(() => watch.lines - idle >= made, drainMs, 20);
  const behind = Math.max(0, made - (watch.lines - idle));
  watch.stop();
  return {
    targetPerSecond: perSecond,
    madePerSecond: (end.churnOps - start.churnOps) / windowS,
    clusterCpu: (end.cpuMicros - start.cpuMicros) / 1e6 / windowS,
    watchPerSecond: (watchedAtEnd - watchedAtStart) / windowS,
    watchBehind: behind,
  };
}
