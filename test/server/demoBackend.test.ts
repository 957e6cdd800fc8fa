/**
 * `startBackend({ demo })`, as the engine's CLI and tests use it: the demo cluster in-process,
 * reached through its kubeconfig, with its faults at hand and the stream faults enabled.
 */
import { startBackend } from '../../server/serve.js';
import { getJson } from './support.js';

test('startBackendWithDemoRunsOnItThroughItsKubeconfigAndExposesItsFaults', async () => {
  const backend = await startBackend({ demo: { nodes: 2, pods: 10, seed: 5 }, port: 0, config: { upstreamIdleGraceMs: 200 } });
  try {
    expect(backend.demo).not.toBeNull();
    expect(backend.kube.server).toBe(backend.demo!.url);
    expect(backend.faults).not.toBeNull(); // --demo enables the stream faults
    const nodes = await getJson(`${backend.url}api/v1/snapshot/nodes`);
    expect(nodes.body.count).toBe(2);
    backend.demo!.faults.set({ fault: 'forbid', resource: 'pods' });
    const pods = await getJson(`${backend.url}api/v1/snapshot/pods`);
    expect(pods.status).toBe(403);
  } finally {
    await backend.stop();
  }
});
