/**
 * The embedded demo cluster, started in-process for `serve --demo` (or when no kubeconfig
 * exists). Only server/ may know it exists; the backend still reaches it through its generated
 * kubeconfig, exactly as it reaches a real cluster.
 */
export interface DemoOptions {
  readonly nodes?: number;
  readonly pods?: number;
  /** Simulated changes per second; 0 keeps the cluster still. */
  readonly churn?: number;
  readonly seed?: number;
}

/** The part of the demo cluster's in-process API the backend uses. */
export interface DemoHandle {
  readonly url: string;
  readonly kubeconfigPath: string;
  readonly kubeconfigYaml: string;
  stop(): Promise<void>;
}

interface DemoModule {
  startDemoCluster(options: DemoOptions & { port: number }): Promise<DemoHandle>;
}

export async function startDemo(options: DemoOptions): Promise<DemoHandle> {
  // Imported on demand: a backend pointed at a real cluster never loads the simulation.
  const module = (await import('../demo-cluster/index.js')) as unknown as DemoModule;
  return module.startDemoCluster({ ...options, port: 0 });
}
