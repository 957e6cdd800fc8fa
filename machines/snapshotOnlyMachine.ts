/**
 * The snapshot-only machine keeps a domain that has no stream fresh by polling its snapshot at
 * the domain's poll interval. It reports `polling` mode: there is no stream to be healthy.
 */
import { pollIntervalMs } from './config.js';
import { createPollingMachine } from './pollingMachine.js';

export const snapshotOnlyMachine = createPollingMachine({
  id: 'snapshotOnly',
  mode: 'polling',
  intervalMs: (config, domain) => pollIntervalMs(config, domain),
});

export type SnapshotOnlyMachine = typeof snapshotOnlyMachine;
