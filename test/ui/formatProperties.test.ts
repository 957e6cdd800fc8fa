/**
 * Formatters against a reference, not against themselves: every memory figure the dashboard
 * prints is read back as a Kubernetes quantity by the parser below (written here, independent
 * of kubelive's) and must be the bytes it came from to within the three significant figures it
 * promises. 270Mi once printed as "27Mi": a tenfold error in about one value in ten.
 */
import fc from 'fast-check';
import { formatBytes } from '../../ui/lib/format.js';

const powers: Record<string, number> = { B: 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5 };

/** A binary-suffixed Kubernetes quantity, as `kubectl` and the API accept them: "270Mi", "1.5Gi". */
function parseQuantity(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(B|Ki|Mi|Gi|Ti|Pi)$/.exec(text);
  if (!m) throw new Error(`"${text}" is not a binary quantity`);
  return Number(m[1]) * powers[m[2]!]!;
}

test('every memory figure reads back as the quantity it came from, to three significant figures', () => {
  fc.assert(
    fc.property(fc.double({ min: 0, max: 2 ** 52, noNaN: true }), (bytes) => {
      const text = formatBytes(bytes);
      const back = parseQuantity(text);
      // Three significant figures, rounded: at most half a unit in the third place, i.e. 0.5 %
      // of the value (and whole bytes below a KiB).
      const allowed = bytes < 1024 ? 0.5 : Math.max(back, bytes) * 0.005 + 1e-9;
      expect({ text, error: Math.abs(back - bytes) <= allowed }).toEqual({ text, error: true });
    }),
    { numRuns: 20_000, seed: 15 },
  );
});

test('round figures keep their zeros', () => {
  expect(formatBytes(270 * 1024 ** 2)).toBe('270Mi');
  expect(formatBytes(100 * 1024 ** 2)).toBe('100Mi');
  expect(formatBytes(10 * 1024 ** 3)).toBe('10Gi');
  expect(formatBytes(2 * 1024)).toBe('2Ki');
  expect(formatBytes(1.5 * 1024 ** 3)).toBe('1.5Gi');
});
