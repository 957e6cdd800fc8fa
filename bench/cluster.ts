/**
 * ChildCluster is the parent's handle on the demo cluster running in `clusterProcess.ts`: the
 * same things a test reaches in-process (faults, churn, `listObjects`), over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { domainResources } from '../adapters/kube/resources.js';
import type { DemoClusterOptions, FaultName } from '../demo-cluster/index.js';
import { parseResourceDomain } from '../machines/domains.js';
import type { ChurnSource, ClusterRequest, ClusterStats, PodRef, TracedDelete } from './clusterProcess.js';

export type { ChurnSource, PodRef, ClusterStats, TracedDelete } from './clusterProcess.js';

export class ChildCluster {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  url = '';
  kubeconfigYaml = '';
  token = '';
  caPem = '';

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (message: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error));
    });
    child.on('exit', () => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('the demo cluster process exited'));
      this.pending.clear();
    });
  }

  static async start(options: DemoClusterOptions): Promise<ChildCluster> {
    const path = fileURLToPath(new URL('./clusterProcess.js', import.meta.url));
    // `KUBELIVE_BENCH_CLUSTER_PROFILE_DIR=DIR`: a CPU profile of each cluster process, written
    // when it exits, for `longTurns.js` to find what held its loop (1 ms samples).
    const profileDir = process.env.KUBELIVE_BENCH_CLUSTER_PROFILE_DIR;
    const execArgv = profileDir ? [...process.execArgv, '--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=1000'] : process.execArgv;
    const child = fork(path, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv });
    const cluster = new ChildCluster(child);
    const started = (await cluster.call({ op: 'start', options })) as { url: string; kubeconfigYaml: string; token: string; caPem: string };
    Object.assign(cluster, started);
    return cluster;
  }

  private call(request: ClusterRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, request });
    });
  }

  /** Churn at `perSecond` from the simulation (the default) or the load source; 0 stops it. */
  setChurn(perSecond: number, source: ChurnSource = 'simulation'): Promise<unknown> {
    return this.call({ op: 'setChurn', perSecond, source });
  }

  fault(fault: FaultName, resource?: string, ms?: number): Promise<unknown> {
    return this.call({ op: 'fault', fault, ...(resource ? { resource } : {}), ...(ms !== undefined ? { ms } : {}) });
  }

  clearFaults(): Promise<unknown> {
    return this.call({ op: 'clearFaults' });
  }

  /** `uid@resourceVersion` of every object behind a domain, narrowed to a namespace when scoped. */
  versions(domain: string, namespace?: string): Promise<string[]> {
    // The same resources the backend's view of the domain is made of: a resource domain is one
    // resource, which the demo cluster keys `plural.group` (`plural` for the core group).
    const gvr = parseResourceDomain(domain);
    const resources = gvr ? [gvr.group ? `${gvr.resource}.${gvr.group}` : gvr.resource] : (domainResources as Record<string, readonly string[] | undefined>)[domain];
    if (!resources) throw new Error(`no resources known for ${domain}`);
    return this.call({ op: 'versions', resources, ...(namespace ? { namespace } : {}) }) as Promise<string[]>;
  }

  names(resource: string): Promise<string[]> {
    return this.call({ op: 'names', resource }) as Promise<string[]>;
  }

  pickPods(count: number): Promise<PodRef[]> {
    return this.call({ op: 'pickPods', count }) as Promise<PodRef[]>;
  }

  /** Times these pods' deletions in the cluster (`tracedDeletes` reads them). */
  traceDeletes(uids: readonly string[]): Promise<unknown> {
    return this.call({ op: 'traceDeletes', uids });
  }

  /** The traced deletions so far, by uid, and an end to tracing. */
  tracedDeletes(): Promise<Record<string, TracedDelete>> {
    return this.call({ op: 'tracedDeletes' }) as Promise<Record<string, TracedDelete>>;
  }

  /** Adds `count` ConfigMaps at once (before anyone watches them); resolves with how many the cluster holds. */
  fillConfigMaps(count: number): Promise<number> {
    return this.call({ op: 'fillConfigMaps', count }) as Promise<number>;
  }

  stats(): Promise<ClusterStats> {
    return this.call({ op: 'stats' }) as Promise<ClusterStats>;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.call({ op: 'stop' }).catch(() => undefined);
    await exited;
  }
}
