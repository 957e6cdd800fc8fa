/**
 * What the fuzz scripts (fuzzHttp, fuzzStream) share: whole-number options, the heap after a
 * collection, and a record of anything that escaped to the process as uncaught.
 */

export function option(argv: readonly string[], name: string, fallback: number): number {
  const index = argv.indexOf(name);
  const value = index === -1 ? fallback : Number(argv[index + 1]);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name} must be a whole number`);
  return value;
}

/** heapUsed after a full collection (run node with --expose-gc, or the reading includes garbage). */
export function heapAfterGc(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

/** Collects uncaught exceptions and rejections instead of dying of them, so a run can report them. */
export function recordUncaught(): string[] {
  if (!(globalThis as { gc?: unknown }).gc) console.warn('fuzz: run with node --expose-gc for a meaningful heap comparison');
  const uncaught: string[] = [];
  process.on('uncaughtException', (error) => uncaught.push(error.stack ?? String(error)));
  process.on('unhandledRejection', (reason) => uncaught.push(String(reason)));
  return uncaught;
}
