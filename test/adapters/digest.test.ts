import fc from 'fast-check';
import { addItem, addItemToBoth, digestOf, emptyDigest, formatDigest, removeItem, removeItemFromBoth } from '../../adapters/digest.js';

const item = fc.record({ uid: fc.string({ maxLength: 40 }), resourceVersion: fc.string({ maxLength: 12 }) });

describe('digest', () => {
  test('does not depend on the order of items', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 50 }), (items) => {
        expect(digestOf([...items].reverse())).toBe(digestOf(items));
      }),
    );
  });

  test('a running sum updated item by item equals the digest recomputed from scratch', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), fc.array(item, { maxLength: 30 }), (kept, dropped) => {
        const sum = emptyDigest();
        for (const i of [...dropped, ...kept]) addItem(sum, i.uid, i.resourceVersion);
        for (const i of dropped) removeItem(sum, i.uid, i.resourceVersion);
        expect(formatDigest(sum)).toBe(digestOf(kept));
      }),
    );
  });

  test('two digests kept by adding and removing each item once, from a start of their own, each equal the digest recomputed from scratch', () => {
    fc.assert(
      fc.property(fc.array(item, { maxLength: 20 }), fc.array(item, { maxLength: 30 }), fc.array(item, { maxLength: 30 }), (onlyFirst, kept, dropped) => {
        const first = emptyDigest();
        const second = emptyDigest();
        for (const i of onlyFirst) addItem(first, i.uid, i.resourceVersion);
        for (const i of [...dropped, ...kept]) addItemToBoth(first, second, i.uid, i.resourceVersion);
        for (const i of dropped) removeItemFromBoth(first, second, i.uid, i.resourceVersion);
        expect(formatDigest(first)).toBe(digestOf([...onlyFirst, ...kept]));
        expect(formatDigest(second)).toBe(digestOf(kept));
      }),
    );
  });

  test('changes when one resourceVersion changes, and is the empty digest for no items', () => {
    const before = digestOf([{ uid: 'a', resourceVersion: '1' }, { uid: 'b', resourceVersion: '2' }]);
    const after = digestOf([{ uid: 'a', resourceVersion: '1' }, { uid: 'b', resourceVersion: '3' }]);
    expect(after).not.toBe(before);
    expect(digestOf([])).toBe('0000000000000000');
    expect(before).toMatch(/^[0-9a-f]{16}$/);
  });

  test('two copies of an item do not cancel out (a sum, not XOR)', () => {
    const one = { uid: 'a', resourceVersion: '1' };
    expect(digestOf([one, one])).not.toBe(digestOf([]));
  });
});
