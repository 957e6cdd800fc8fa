/**
 * The snapshot-only machine keeps a domain that has no stream fresh by polling its snapshot at
 * the domain's poll interval. It reports `polling` mode: there is no stream to be healthy.
 */
import { createPollingMachine } from './pollingMachine.js';

export const snapshotOnlyMachine = createPollingMachine({
  id: 'snapshotOnly',
  mode: 'polling',
  intervalMs: (config, domain) => config.snapshotPollIntervalMs[domain],
});

export type SnapshotOnlyMachine = typeof snapshotOnlyMachine;
