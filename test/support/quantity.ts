/**
 * Kubernetes quantities read by the tests themselves, sharing no code with kubelive's parser
 * (adapters/kube/quantity.ts), so a figure on the page is checked against the cluster and not
 * against our own reading of it. Exact: BigInt arithmetic, no floats.
 */

/** Each suffix as a fraction, numerator over denominator, of the plain unit. */
const suffixes: Record<string, readonly [bigint, bigint]> = {
  '': [1n, 1n],
  n: [1n, 1_000_000_000n],
  u: [1n, 1_000_000n],
  m: [1n, 1000n],
  k: [1000n, 1n],
  M: [1_000_000n, 1n],
  G: [1_000_000_000n, 1n],
  Ki: [1024n, 1n],
  Mi: [1024n ** 2n, 1n],
  Gi: [1024n ** 3n, 1n],
  Ti: [1024n ** 4n, 1n],
};

/**
 * A quantity as a whole number of 1/`scale` of its unit: `quantityIn('250m', 10n ** 9n)` is
 * 250,000,000 nanocores, `quantityIn('2Ki', 1n)` 2048 bytes. Throws on a form it does not read
 * or on a value that is not a whole number of 1/`scale`, rather than rounding.
 */
export function quantityIn(text: string, scale: bigint): bigint {
  const match = /^(\d+)(?:\.(\d+))?(n|u|m|k|M|G|Ki|Mi|Gi|Ti)?$/.exec(text);
  if (!match) throw new Error(`not a quantity the tests read: ${JSON.stringify(text)}`);
  const [, whole, fraction = '', suffix = ''] = match;
  const [numerator, denominator] = suffixes[suffix]!;
  // "1.5Gi": 15 / 10 × 1024³ / 1, times the scale.
  const top = BigInt(whole! + fraction) * numerator * scale;
  const bottom = denominator * 10n ** BigInt(fraction.length);
  if (top % bottom !== 0n) throw new Error(`${text} is not a whole number of 1/${scale}`);
  return top / bottom;
}
