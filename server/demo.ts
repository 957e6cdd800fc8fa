/**
 * The embedded demo cluster, started in-process for `serve --demo` (or when no kubeconfig
 * exists). Only server/ may know it exists; the backend still reaches it through its generated
 * kubeconfig, exactly as it reaches a real cluster.
 */
import type { DemoCluster, DemoClusterOptions } from '../demo-cluster/index.js';

/** What `serve` passes through to the demo cluster (`--nodes --pods --churn --seed`), and the metrics resolution a test may hold still. */
export type DemoOptions = Pick<DemoClusterOptions, 'nodes' | 'pods' | 'churn' | 'seed' | 'scenarios' | 'watchList' | 'metricsResolutionMs' | 'podGcQuarantineMs'> & {
  /** Start this many demo clusters of different sizes behind one kubeconfig (`--demo-clusters`); the first is the default cluster. */
  clusters?: number;
};

/**
 * The running demo cluster: its URL and kubeconfig, its faults, its state, `stop()`. With several,
 * the first stands for all (its faults and state, the kubeconfig holding every cluster's
 * contexts, a stop that stops them all) and `clusters` holds each one's own handle, first
 * included, so a test can fault or stop one of them.
 */
export type DemoHandle = DemoCluster & { readonly clusters: readonly DemoCluster[] };

export async function startDemo(options: DemoOptions): Promise<DemoHandle> {
  // Imported on demand: a backend pointed at a real cluster never loads the simulation.
  const { startDemoCluster, startDemoClusters } = await import('../demo-cluster/index.js');
  const { clusters = 1, ...cluster } = options;
  if (clusters <= 1) {
    const only = await startDemoCluster({ ...cluster, port: 0 });
    return { ...only, clusters: [only] };
  }
  const demos = await startDemoClusters(clusters, { ...cluster, port: 0 });
  const first = demos.clusters[0]!;
  return { ...first, kubeconfigPath: demos.kubeconfigPath, kubeconfigYaml: demos.kubeconfigYaml, stop: () => demos.stop(), clusters: demos.clusters };
}
