/**
 * Exponential backoff with "equal jitter": half the delay is fixed, half is random, so retries
 * from many clients spread out but none retries sooner than half its step. Never above the cap.
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(0, attempt), 30); // 2^30 already exceeds any cap we allow
  const step = Math.min(capMs, baseMs * 2 ** exponent);
  const r = random();
  const jitter = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
  return Math.round(step / 2 + (step / 2) * jitter);
}
