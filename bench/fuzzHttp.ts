/**
 * `npm run fuzz:http [-- --requests N --seed S]`: a backend on the embedded demo cluster takes N
 * (default 100,000) random requests (bench/httpFuzzer.ts) in batches. Passes when no request was
 * answered 500 or not at all, the backend still answers /healthz after every batch, nothing threw
 * uncaught, and the heap after collection ends within 64 MB of where it stood after the first
 * batch (bounded memory, not a leak per request).
 */
import { startBackend } from '../server/serve.js';
import { fuzzRequests, runFuzz } from './httpFuzzer.js';
import { heapAfterGc, option, recordUncaught, runScript, verdict } from './fuzzSupport.js';

const batchSize = 10_000;

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const total = option(argv, '--requests', 100_000);
  const seed = option(argv, '--seed', 42);
  const uncaught = recordUncaught();

  const backend = await startBackend({ demo: { nodes: 4, pods: 200, churn: 5, seed }, port: 0, allowFaults: true });
  const statuses: Record<string, number> = {};
  const findings: string[] = [];
  let baseline = 0;
  let lastHeap = 0;
  const began = Date.now();
  try {
    for (let sent = 0, batch = 0; sent < total; sent += batchSize, batch++) {
      const requests = fuzzRequests(backend.port, Math.min(batchSize, total - sent), seed + batch);
      const report = await runFuzz(backend.port, requests);
      for (const [status, n] of Object.entries(report.statuses)) statuses[status] = (statuses[status] ?? 0) + n;
      findings.push(...report.findings);
      await fetch(`${backend.url}_debug/faults`, { method: 'DELETE' });
      const health = await fetch(`${backend.url}healthz`);
      if (health.status !== 200) findings.push(`healthz answered ${health.status} after ${sent + requests.length} requests`);
      lastHeap = heapAfterGc();
      if (batch === 0) baseline = lastHeap;
      console.log(`${sent + requests.length} requests, ${findings.length} findings, heap ${(lastHeap / 1e6).toFixed(1)} MB, ${((Date.now() - began) / 1000).toFixed(0)} s`);
    }
  } finally {
    await backend.stop();
  }
  console.log(`statuses: ${JSON.stringify(statuses)}`);
  return verdict({ baseline, lastHeap, findings, uncaught });
}

runScript(main);
