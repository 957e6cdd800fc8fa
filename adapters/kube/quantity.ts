/**
 * Kubernetes resource quantities ("250m", "1.5", "128Mi", "1e9", "2G") turned into numbers: CPU
 * in millicores, memory in bytes. Returns null for anything it cannot read rather than guessing.
 */
const suffixes: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const quantityPattern = /^([+-]?\d+(?:\.\d*)?|[+-]?\.\d+)(?:[eE]([+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/;

export function parseQuantity(text: unknown): number | null {
  if (typeof text === 'number') return Number.isFinite(text) ? text : null;
  if (typeof text !== 'string') return null;
  const match = quantityPattern.exec(text.trim());
  if (!match) return null;
  const base = Number(match[1]);
  const value = match[2] !== undefined ? base * 10 ** Number(match[2]) : base * (suffixes[match[3] ?? ''] ?? 1);
  return Number.isFinite(value) ? value : null;
}

/**
 * CPU in whole nanocores, metrics-server's own unit ("2603404666n"). Sums are made in these and
 * rounded once, at the end, as kubectl rounds them: whole millicores per container ("44082177n"
 * read as 44m) put up to half a millicore of error into each term (a 7-pod Deployment was shown
 * 295m for 297.3m).
 */
export function cpuNanocores(text: unknown): number | null {
  const cores = parseQuantity(text);
  return cores === null ? null : Math.round(cores * 1e9);
}

/**
 * CPU in millicores, to the nanocore: 2603404666n is 2603.404666, not 2603. Rounding here to whole
 * millicores made the figure disagree with `kubectl top`, which rounds the exact value up (2604m).
 */
export function cpuMillicores(text: unknown): number | null {
  const nanocores = cpuNanocores(text);
  return nanocores === null ? null : nanocores / 1e6;
}

export function memoryBytes(text: unknown): number | null {
  const bytes = parseQuantity(text);
  return bytes === null ? null : Math.round(bytes);
}
