/**
 * A domain's status for the views, from its actor's snapshot: the same DiagnosticsRow the
 * Diagnostics tab shows (machines/diagnostics.ts), so a view's badge and the Diagnostics tab
 * can never disagree.
 */
import type { DiagnosticsRow } from '../../machines/diagnostics.js';
import { diagnosePolling, diagnoseSubscription } from '../../machines/diagnostics.js';
import type { SubscriptionEntry } from '../../machines/orchestratorMachine.js';
import type { PollingContext } from '../../machines/pollingMachine.js';
import type { SubscriptionContext } from '../../machines/subscriptionMachine.js';

interface SnapshotLike<C> {
  readonly value: unknown;
  readonly context: C;
  readonly status: string;
}

export function statusRow(
  retrieval: SubscriptionEntry['retrieval'],
  snapshot: unknown,
  now: number,
  holders = 1,
): DiagnosticsRow {
  if (retrieval === 'stream') return diagnoseSubscription(snapshot as SnapshotLike<SubscriptionContext>, now, holders);
  return diagnosePolling(snapshot as SnapshotLike<PollingContext>, now, retrieval === 'metrics' ? 'metrics' : 'snapshotOnly', holders);
}
