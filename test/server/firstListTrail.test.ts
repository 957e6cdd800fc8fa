/**
 * A cold view's lines end when the first list's last page is read, not when the list has landed
 * in the cache: the rows sent are a whole list then. A list of thousands lands over many turns
 * (here one piece a turn), and the trail must not wait for them; a page after the read belongs
 * to no trail.
 */
import { addItem, digestOf, emptyDigest, formatDigest } from '../../adapters/digest.js';
import { parseSnapshotLine, type PodRow, type Row, type SnapshotLine } from '../../adapters/protocol.js';
import { GenerationCounter, ResourceCache } from '../../server/cache.js';
import { writeFirstListLines, type FirstListLines } from '../../server/snapshotLines.js';

function pod(uid: string, resourceVersion: string): PodRow {
  return { uid, name: uid, namespace: 'ns', resourceVersion, phase: 'Running', ready: '1/1', restarts: 0, nodeName: null, owner: null, createdAt: null, deleting: false, containers: ['c'] };
}

function coldView() {
  const generations = new GenerationCounter();
  // Budget 0: the landing takes a turn per piece of rows.
  const cache = new ResourceCache('pods', generations, { ringSize: 100_000, landingBudgetMs: 0 });
  const lines: SnapshotLine[] = [];
  const write = async (text: string) => {
    for (const line of text.split('\n').filter((l) => l !== '')) {
      const parsed = parseSnapshotLine(line);
      if (!parsed.ok) throw new Error(parsed.reason);
      lines.push(parsed.line);
    }
  };
  const plan: FirstListLines = { head: { domain: 'pods', scope: '', generatedAt: new Date(0).toISOString(), upstream: { state: 'listing', healthy: false } }, withColumns: false, generation: generations.next(), cache, namespace: null, listSettled: new Promise(() => undefined), lastFailure: () => ({ status: null, message: null }) };
  return { cache, lines, write, plan };
}

const rowsOf = (lines: SnapshotLine[]): Row[] => lines.flatMap((l) => (l.type === 'rows' ? [...l.items] : []));

describe("a cold view's trail", () => {
  test('goes out when the last page is read, while the list is still landing, and adds up to the list', async () => {
    const { cache, lines, write, plan } = coldView();
    const rows = Array.from({ length: 6_000 }, (_, i) => pod(`u${i}`, String(i + 1)));
    cache.listPage(rows.slice(0, 3_000), false, null);
    const served = writeFirstListLines(write, () => false, () => undefined, plan);
    cache.listPage(rows.slice(3_000), false, null);
    cache.listRead('6000');
    const landed = cache.land(rows, '6000');
    let landedFirst = false;
    void landed.then(() => (landedFirst = true));
    expect(await served).toBe(true);
    expect(landedFirst).toBe(false);
    expect(cache.landingList).toBe(true);
    const trail = lines.at(-1);
    if (trail?.type !== 'trail') throw new Error(`last line is ${trail?.type}`);
    expect({ count: trail.count, digest: trail.digest, resourceVersion: trail.resourceVersion }).toEqual({ count: 6_000, digest: digestOf(rows), resourceVersion: '6000' });
    expect(digestOf(rowsOf(lines))).toBe(digestOf(rows));
    await landed;
  });

  test('a follower that comes after the read gets the rows and the trail without waiting for the landing', async () => {
    const { cache, lines, write, plan } = coldView();
    const rows = Array.from({ length: 4_000 }, (_, i) => pod(`u${i}`, '7'));
    cache.listPage(rows, false, null);
    cache.listRead('7');
    const landed = cache.land(rows, '7');
    expect(await writeFirstListLines(write, () => false, () => undefined, plan)).toBe(true);
    expect(cache.landingList).toBe(true);
    const trail = lines.at(-1);
    if (trail?.type !== 'trail') throw new Error(`last line is ${trail?.type}`);
    expect(trail.count).toBe(4_000);
    await landed;
  });

  test("a page of another list after the read is not counted in the read list's trail", async () => {
    const { cache, lines, write, plan } = coldView();
    const first = Array.from({ length: 10 }, (_, i) => pod(`a${i}`, '1'));
    const served = writeFirstListLines(write, () => false, () => undefined, plan);
    cache.listPage(first, false, null);
    cache.listRead('1');
    // The first list's landing was given up and a new list began: its pages start a new listing.
    cache.listPage([pod('b0', '2')], false, null);
    await served;
    const trail = lines.at(-1);
    if (trail?.type !== 'trail') throw new Error(`last line is ${trail?.type}`);
    const digest = emptyDigest();
    for (const row of first) addItem(digest, row.uid, row.resourceVersion);
    expect({ count: trail.count, digest: trail.digest }).toEqual({ count: 10, digest: formatDigest(digest) });
    expect(rowsOf(lines).map((r) => r.uid)).toEqual(first.map((r) => r.uid));
  });
});
