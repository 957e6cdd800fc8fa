import { inSlices } from '../../../adapters/engine/slices.js';

describe('inSlices', () => {
  test('withoutAPauseTheWorkRunsAsOneRangeAtOnce', () => {
    const ranges: [number, number][] = [];
    void inSlices(10_000, (from, to) => ranges.push([from, to]));
    // Synchronously, before any await: Node's callers see the work done as before slicing.
    expect(ranges).toEqual([[0, 10_000]]);
  });

  test('coversEveryItemOnceInOrderAndPausesWhenASliceRunsOverItsBudget', async () => {
    let clock = 0;
    const ranges: [number, number][] = [];
    let pauses = 0;
    // Each range of work costs 3 ms on this clock: a 4 ms budget fits two ranges a slice.
    await inSlices(3000, (from, to) => {
      ranges.push([from, to]);
      clock += 3;
    }, async () => void pauses++, () => clock, 4);
    expect(ranges[0]).toEqual([0, 512]);
    expect(ranges.map((r) => r[1]).at(-1)).toBe(3000);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1]);
    expect(ranges).toHaveLength(6);
    expect(pauses).toBe(2);
  });

  test('nothingToDoIsNoPause', async () => {
    let pauses = 0;
    const ranges: [number, number][] = [];
    await inSlices(0, (from, to) => ranges.push([from, to]), async () => void pauses++);
    expect(ranges).toEqual([]);
    expect(pauses).toBe(0);
  });
});
