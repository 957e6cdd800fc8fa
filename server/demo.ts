/**
 * The embedded demo cluster, started in-process for `serve --demo` (or when no kubeconfig
 * exists). Only server/ may know it exists; the backend still reaches it through its generated
 * kubeconfig, exactly as it reaches a real cluster.
 */
import type { DemoCluster, DemoClusterOptions } from '../demo-cluster/index.js';

/** What `serve` passes through to the demo cluster (`--nodes --pods --churn --seed`). */
export type DemoOptions = Pick<DemoClusterOptions, 'nodes' | 'pods' | 'churn' | 'seed' | 'scenarios'>;

/** The running demo cluster: its URL and kubeconfig, its faults, its state, `stop()`. */
export type DemoHandle = DemoCluster;

export async function startDemo(options: DemoOptions): Promise<DemoHandle> {
  // Imported on demand: a backend pointed at a real cluster never loads the simulation.
  const { startDemoCluster } = await import('../demo-cluster/index.js');
  return startDemoCluster({ ...options, port: 0 });
}
