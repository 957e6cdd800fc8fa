/**
 * What the fuzz scripts (fuzzHttp, fuzzStream) share: whole-number options, the heap after a
 * collection, a record of anything that escaped to the process as uncaught, and the verdict.
 */

/** Caches and the resume ring settle during the first batch; growth past this after it is a leak. */
export const heapGrowthBoundBytes = 64 * 1024 * 1024;

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

/** Prints the heap, the findings and what escaped, then PASS or FAIL; returns the exit code. */
export function verdict(run: { baseline: number; lastHeap: number; findings: readonly string[]; uncaught: readonly string[] }): number {
  console.log(`heap after the first batch ${(run.baseline / 1e6).toFixed(1)} MB, at the end ${(run.lastHeap / 1e6).toFixed(1)} MB`);
  for (const finding of run.findings.slice(0, 20)) console.log(`finding: ${finding}`);
  for (const error of run.uncaught.slice(0, 5)) console.log(`uncaught: ${error}`);
  const passed = run.findings.length === 0 && run.uncaught.length === 0 && run.lastHeap - run.baseline < heapGrowthBoundBytes;
  console.log(passed ? 'PASS' : 'FAIL');
  return passed ? 0 : 1;
}

/** Runs a fuzz script's main and exits with its code; a crash of the script itself exits 1. */
export function runScript(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
