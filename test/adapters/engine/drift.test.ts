import { checkHeartbeat, checkSequence } from '../../../adapters/engine/drift.js';
import type { HeartbeatFrame } from '../../../adapters/protocol.js';

const heartbeat = (over: Partial<HeartbeatFrame> = {}): HeartbeatFrame => ({
  type: 'heartbeat', id: 'pods:', seq: 5, generation: 10, resourceVersion: '42', count: 3, digest: 'abc',
  upstream: { state: 'watching', healthy: true }, ...over,
});
const held = { count: 3, digest: 'abc', resourceVersion: '42', generation: 10, seq: 4 };

test('aSequenceGapIsDrift', () => {
  expect(checkSequence(4, 5, false)).toBeNull();
  expect(checkSequence(4, 6, false)).toBe('seq gap: expected 5, got 6');
  expect(checkSequence(4, 4, false)).toMatch(/seq gap/);
  expect(checkSequence(0, 1, true)).toBeNull();
});

test('aHeartbeatThatAgreesIsNotDrift', () => {
  expect(checkHeartbeat(held, heartbeat())).toEqual({ drift: false, digestAgrees: true });
});

test.each([
  [{ count: 4 }, /count 3, backend 4/],
  [{ digest: 'abd' }, /digest abc, backend abd/],
  [{ resourceVersion: '43' }, /resourceVersion 42, backend 43/],
  [{ generation: 11 }, /store at generation 10, stream at 11/],
])('aHeartbeatThatDisagrees %j is drift', (over, detail) => {
  const verdict = checkHeartbeat(held, heartbeat(over));
  expect(verdict.drift).toBe(true);
  expect(verdict.drift && verdict.detail).toMatch(detail);
});

test('aStoreAheadOfTheStreamIsNeitherDriftNorAgreement', () => {
  expect(checkHeartbeat({ ...held, generation: 12 }, heartbeat())).toEqual({ drift: false, digestAgrees: undefined });
  expect(checkHeartbeat(null, heartbeat()).drift).toBe(true);
});

test('aHeartbeatFromAnUnhealthyUpstreamGivesNoVerdict', () => {
  // Its digest describes a cache known to be behind: neither drift (no resync storm while
  // polling covers it) nor agreement (it cannot end a degraded episode).
  const stalled = { state: 'watching', healthy: false, reason: 'upstream stalled', proofAgeMs: 30_000 };
  expect(checkHeartbeat(held, heartbeat({ digest: 'zzz', count: 9, upstream: stalled }))).toEqual({ drift: false, digestAgrees: undefined });
  expect(checkHeartbeat(held, heartbeat({ upstream: stalled }))).toEqual({ drift: false, digestAgrees: undefined });
  expect(checkHeartbeat(null, heartbeat({ upstream: stalled })).drift).toBe(true);
});

test('aFreshReadHoldingTheHeartbeatsRowsJoinsTheStream', () => {
  // After a stall on a quiet cluster the fresh read is numbered above anything the recovered
  // cache will send: the rows, not the numbers, say whether they agree.
  const fresh = { ...held, generation: 12, resourceVersion: '47', source: 'api' as const };
  expect(checkHeartbeat(fresh, heartbeat())).toEqual({ drift: false, digestAgrees: true, rebase: true });
  expect(checkHeartbeat({ ...fresh, digest: 'abd' }, heartbeat())).toEqual({ drift: false, digestAgrees: undefined });
  expect(checkHeartbeat({ ...fresh, count: 2 }, heartbeat())).toEqual({ drift: false, digestAgrees: undefined });
  // A store the stream or the cache filled that is ahead stays a store ahead.
  expect(checkHeartbeat({ ...fresh, source: 'stream' }, heartbeat())).toEqual({ drift: false, digestAgrees: undefined });
});
