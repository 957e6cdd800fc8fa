/**
 * `npm run fuzz:stream [-- --frames N --seed S]`: a backend on the embedded demo cluster takes N
 * (default 100,000) hostile WebSocket frames (bench/streamFuzzer.ts) over four connections, in
 * batches, while a bystander holds a pods subscription. Passes when every frame sent was read
 * (each batch's probe answered), nothing the backend sent was malformed, no connection was closed
 * but for frames past 1 MiB, nothing threw uncaught, the heap after collection ends within 64 MB
 * of where it stood after the first batch, and the bystander's stream still delivers heartbeats
 * at the end.
 */
import WebSocket from 'ws';
import { startBackend } from '../server/serve.js';
import { hostileFrames, runStreamFuzz } from './streamFuzzer.js';
import { heapAfterGc, option, recordUncaught, runScript, verdict } from './fuzzSupport.js';

const batchSize = 10_000;

/** A pods subscription that counts its heartbeats. */
async function bystander(base: string): Promise<{ heartbeats: () => number; errors: () => number; close: () => void }> {
  const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/stream`);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let heartbeats = 0;
  let errors = 0;
  socket.on('message', (data) => {
    const type = (JSON.parse(data.toString()) as { type: string }).type;
    if (type === 'heartbeat') heartbeats++;
    if (type === 'error') errors++;
  });
  socket.send(JSON.stringify({ type: 'subscribe', id: 'pods', domain: 'pods' }));
  return { heartbeats: () => heartbeats, errors: () => errors, close: () => socket.close() };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const total = option(argv, '--frames', 100_000);
  const seed = option(argv, '--seed', 42);
  const uncaught = recordUncaught();

  const backend = await startBackend({ demo: { nodes: 4, pods: 200, churn: 5, seed }, port: 0, config: { heartbeatIntervalMs: 1000 } });
  const base = backend.url.replace(/\/$/, '');
  const watcher = await bystander(base);
  const errors: Record<string, number> = {};
  const closes: Record<string, number> = {};
  const findings: string[] = [];
  let baseline = 0;
  let lastHeap = 0;
  const began = Date.now();
  try {
    for (let sent = 0, batch = 0; sent < total; sent += batchSize, batch++) {
      const frames = hostileFrames(Math.min(batchSize, total - sent), seed + batch);
      const report = await runStreamFuzz(base, frames);
      for (const [code, n] of Object.entries(report.errors)) errors[code] = (errors[code] ?? 0) + n;
      for (const [code, n] of Object.entries(report.closes)) closes[code] = (closes[code] ?? 0) + n;
      findings.push(...report.findings);
      const health = await fetch(`${base}/healthz`);
      if (health.status !== 200) findings.push(`healthz answered ${health.status} after ${sent + frames.length} frames`);
      lastHeap = heapAfterGc();
      if (batch === 0) baseline = lastHeap;
      console.log(`${sent + frames.length} frames, ${findings.length} findings, heap ${(lastHeap / 1e6).toFixed(1)} MB, ${((Date.now() - began) / 1000).toFixed(0)} s`);
    }
    // The bystander's stream still works: heartbeats keep arriving after the last batch.
    const before = watcher.heartbeats();
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    if (watcher.heartbeats() - before < 2) findings.push(`the bystander got ${watcher.heartbeats() - before} heartbeats in 3.5 s after the run`);
    if (watcher.errors() > 0) findings.push(`the bystander got ${watcher.errors()} error frames`);
  } finally {
    watcher.close();
    await backend.stop();
  }
  console.log(`error frames: ${JSON.stringify(errors)}`);
  console.log(`closes by the backend: ${JSON.stringify(closes)}`);
  return verdict({ baseline, lastHeap, findings, uncaught });
}

runScript(main);
