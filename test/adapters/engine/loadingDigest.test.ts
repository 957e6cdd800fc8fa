/**
 * A snapshot read as lines hashes each row once: the lines sum every line's rows for their trail
 * and hand that sum to the store with the rows, which adds it instead of hashing them again. What
 * each side checks must not change with it: the store's digest is always the digest of the rows
 * it shows (a row sent again with another version included), and the trail is checked against
 * the rows received, not against what the store holds.
 */
import fc from 'fast-check';
import { digestOf, formatDigest, sumOf } from '../../../adapters/digest.js';
import { readSnapshotLines } from '../../../adapters/engine/snapshotLines.js';
import { RowStore } from '../../../adapters/engine/store.js';
import type { Row, SnapshotBody } from '../../../adapters/protocol.js';

const key = 'core/v1/configmaps:';
const row = (id: number, version: number): Row => ({ uid: `uid-${id}`, resourceVersion: `${version}`, namespace: 'team-a', name: `config-${id}`, cells: [`config-${id}`, 1] }) as unknown as Row;
const head = { type: 'head', domain: 'core/v1/configmaps', scope: '', generatedAt: 'now', upstream: { state: 'listing', healthy: false }, source: 'api', expected: null };
const ndjson = (...values: unknown[]) => values.map((v) => `${JSON.stringify(v)}\n`).join('');

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}

function shownDigest(store: RowStore): string {
  return digestOf(store.collection(key)?.rows.values() ?? []);
}

// Pieces of rows as a cold view is shown them: ids may come again in a later piece or the same
// one (a row the store already shows, with another version), as resets in pieces and lines can.
const pieces = fc.array(fc.array(fc.record({ id: fc.integer({ min: 0, max: 30 }), version: fc.integer({ min: 1, max: 4 }) }), { maxLength: 12 }), { minLength: 1, maxLength: 6 });

test('aStoreGivenEachPiecesDigestHoldsTheDigestOfTheRowsItShowsAsOneThatHashesThemItself', () => {
  fc.assert(
    fc.property(pieces, (shown) => {
      const given = new RowStore(() => 0);
      const hashing = new RowStore(() => 0);
      for (const piece of shown) {
        const rows = piece.map(({ id, version }) => row(id, version));
        given.showLoading(key, rows, null, undefined, sumOf(rows));
        hashing.showLoading(key, rows.map((r) => ({ ...r })), null);
        expect(given.summary(key)?.digest).toBe(shownDigest(given));
        expect(given.summary(key)).toEqual(hashing.summary(key));
      }
    }),
  );
});

test('eachLinesDigestIsThatOfItsOwnRowsAndTheAppliedStoreHoldsTheDigestOfItsRows', async () => {
  const rows = Array.from({ length: 25 }, (_, i) => row(i, 100 + i));
  const trail = { type: 'trail', count: rows.length, digest: digestOf(rows), generation: 5, resourceVersion: '9', resumable: true };
  const store = new RowStore(() => 0);
  const handed: { rows: string; digest: string }[] = [];
  const body: SnapshotBody = await readSnapshotLines(
    once(ndjson(head, { type: 'rows', items: rows.slice(0, 10) }, { type: 'rows', items: rows.slice(10, 11) }, { type: 'rows', items: rows.slice(11) }, trail)),
    (shown, expected, columns, digest) => {
      handed.push({ rows: digestOf(shown), digest: formatDigest(digest) });
      store.showLoading(key, shown, expected, columns, digest);
      expect(store.summary(key)?.digest).toBe(shownDigest(store));
    },
    (status, reason) => new Error(`${status} ${reason}`),
  );
  expect(handed).toHaveLength(3);
  for (const line of handed) expect(line.digest).toBe(line.rows);
  store.applySnapshot(key, body);
  expect(store.collection(key)?.loading).toBeNull();
  expect(store.summary(key)).toMatchObject({ count: 25, digest: trail.digest, generation: 5 });
  expect(store.summary(key)?.digest).toBe(shownDigest(store));
});

test('theTrailIsCheckedAgainstTheRowsReceivedNotAgainstWhatTheStoreHolds', async () => {
  const rows = Array.from({ length: 6 }, (_, i) => row(i, 100 + i));
  // The same row twice in the answer, the second time at another version: the store shows five
  // rows, the answer holds six, and only the six add up to this trail.
  const answer = [...rows.slice(0, 3), row(1, 200), ...rows.slice(3, 5)];
  const trail = { type: 'trail', count: answer.length, digest: digestOf(answer), generation: 5, resourceVersion: '9' };
  const read = (text: string, store: RowStore) =>
    readSnapshotLines(
      once(text),
      (shown, expected, columns, digest) => void store.showLoading(key, shown, expected, columns, digest),
      (status, reason) => new Error(`${status} ${reason}`),
    );
  const store = new RowStore(() => 0);
  const body = await read(ndjson(head, { type: 'rows', items: answer.slice(0, 4) }, { type: 'rows', items: answer.slice(4) }, trail), store);
  expect(body).toMatchObject({ count: 6, digest: trail.digest });
  expect(store.collection(key)?.rows.size).toBe(5);
  expect(store.summary(key)?.digest).toBe(shownDigest(store));
  // A trail that adds up to what the store shows (five rows) is not what was received: refused.
  const held = [...(store.collection(key)?.rows.values() ?? [])];
  const storeTrail = { ...trail, count: held.length, digest: digestOf(held) };
  await expect(read(ndjson(head, { type: 'rows', items: answer.slice(0, 4) }, { type: 'rows', items: answer.slice(4) }, storeTrail), new RowStore(() => 0))).rejects.toThrow(/snapshot lines: 6 rows, trail says 5/);
  // One row's version changed on the way: the count holds, the digest does not.
  const changed = [...answer.slice(0, 5), row(5, 999)];
  await expect(read(ndjson(head, { type: 'rows', items: changed }, trail), new RowStore(() => 0))).rejects.toThrow(/snapshot lines: digest/);
});
