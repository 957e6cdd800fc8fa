/**
 * The loading mark's words and its rule, no browser: a view whose rows are still arriving says
 * how far it is ("40,000 of 150,148", "40,000 so far"), never says its held rows as the total, and
 * is `loading` (never `live`) in its badge and in the header's dot, whatever its machine says;
 * rows from real machines on a fake clock. The browser side is firstRowsLoading.test.ts.
 */
import { diagnoseSubscription } from '../../machines/diagnostics.js';
import { flush } from '../support/clock.js';
import { startSubscription } from '../support/subscriptionHarness.js';
import { badgeAge, badgeText, freshnessOf, headerStatus } from '../../ui/lib/freshness.js';
import { combineLoading, loadingNoteText, loadingProgress, loadingShare, rowCountText } from '../../ui/lib/loading.js';

const known = { received: 40_000, count: 150_148 };
const unknown = { received: 40_000, count: null };

test('progressSaysTheTotalOnlyWhenTheBackendKnowsIt', () => {
  expect(loadingProgress(known)).toBe('40,000 of 150,148');
  expect(loadingProgress(unknown)).toBe('40,000 so far');
  expect(loadingShare(known)).toBeCloseTo(40_000 / 150_148);
  expect(loadingShare(unknown)).toBeNull();
  expect(loadingNoteText('pods in all namespaces', known, false)).toBe('Loading pods in all namespaces — 40,000 of 150,148; rows are still arriving, the list is incomplete.');
  expect(loadingNoteText('pods', unknown, true)).toBe('Loading pods — 40,000 so far; rows are still arriving, the list is incomplete. Filter and sort cover only the rows received so far.');
});

test('aCountOfRowsStillArrivingIsSaidAsReceivedNeverAsTheTotal', () => {
  expect(rowCountText(12, 5000, null)).toBe('12 of 5,000');
  expect(rowCountText(0, 0, null)).toBe('');
  expect(rowCountText(40_000, 40_000, known)).toBe('40,000 of 150,148 received');
  expect(rowCountText(40_000, 40_000, unknown)).toBe('40,000 received so far');
  expect(rowCountText(12, 40_000, unknown)).toBe('12 shown of 40,000 received so far');
  expect(rowCountText(12, 40_000, known, ' in 2 clusters')).toBe('12 shown of 40,000 received (of 150,148) in 2 clusters');
});

test('clustersLoadingTogetherKnowATotalOnlyWhenEachLoadingOneKnowsItsOwn', () => {
  expect(combineLoading([null, null], 10)).toBeNull();
  // One cluster whole with 10 rows, one loading 40,000 of 150,148.
  expect(combineLoading([known, null], 10)).toEqual({ received: 40_010, count: 150_158 });
  expect(combineLoading([known, unknown], 0)).toEqual({ received: 80_000, count: null });
});

test('aViewStillLoadingIsNeverLiveInItsBadgeOrInTheHeader', async () => {
  const h = startSubscription({});
  await flush();
  h.actor.send({ type: 'STREAM.DELIVERED', kind: 'heartbeat', digestAgrees: true, upstream: { state: 'watching', healthy: true, reason: null, proofAgeMs: 100 } });
  const row = diagnoseSubscription(h.actor.getSnapshot(), h.clock.now());
  expect(freshnessOf(row).level).toBe('live');
  const loading = freshnessOf(row, known);
  expect(loading.level).toBe('loading');
  expect(badgeText(loading)).toBe('loading');
  expect(badgeAge(loading)).toBe('40,000 of 150,148');

  const open = { state: 'open', open: true, attempts: 0, connects: 1, disconnects: 0, lastCloseReason: null };
  expect(headerStatus(open, [row]).level).toBe('live');
  const header = headerStatus(open, [row], (key) => (key === row.key ? unknown : null));
  expect(header).toMatchObject({ level: 'unproven', text: 'loading: pods' });
  expect(header.title).toContain(`${row.key} 40,000 so far`);
});
