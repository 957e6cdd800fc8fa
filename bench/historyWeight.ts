/**
 * What the demo cluster's pods history weighs, and what its collections cost: the cluster at the
 * churn rows' size (10,000 pods, a watch window of 102,400) in this process, one raw watch on all
 * pods (every pod ADDED, then each change) read by a child process, so the watch's JSON is made
 * as in rows 2 and 3 and the reader's garbage is not in this heap; then the load source's changes
 * at a set rate or as fast as it goes. It prints the live heap after a forced collection before
 * and after, every major GC pause on the way, the CPU per change, and (up to 125,000 changes, all
 * still in the window) what a watch resuming from before the churn costs the cluster to replay.
 * Not part of the bench's report (docs/development.md, "The demo's pods history made light").
 *
 *   node --expose-gc dist/bench/historyWeight.js [--rate 5000|max] [--seconds 30]
 */
import { spawn } from 'node:child_process';
import { get as httpsGet } from 'node:https';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import { startDemoCluster } from '../demo-cluster/index.js';
import { sleep } from './support.js';

const { values } = parseArgs({ options: { rate: { type: 'string', default: '5000' }, seconds: { type: 'string', default: '30' } } });
const rate = values.rate === 'max' ? Infinity : Number(values.rate);
const seconds = Number(values.seconds);
const collect = (globalThis as { gc?: () => void }).gc;
if (!collect) throw new Error('run with --expose-gc: the live heap is read after a forced collection');

function liveHeapMb(): number {
  collect!();
  collect!();
  return getHeapStatistics().used_heap_size / 1e6;
}

/**
 * Reads a watch and throws it away: bytes and lines counted, nothing parsed. From RV when set
 * (a replay), telling the parent once LINES lines have come.
 */
const readerSource = `
const https = require('node:https');
const from = process.env.RV ? '&resourceVersion=' + process.env.RV : '';
const req = https.get(process.env.URL + '/api/v1/pods?watch=true&allowWatchBookmarks=true' + from,
  { ca: process.env.CA, headers: { authorization: 'Bearer ' + process.env.TOKEN } }, (res) => {
    let bytes = 0;
    let lines = 0;
    const wanted = Number(process.env.LINES || Infinity);
    res.on('data', (d) => {
      bytes += d.length;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      if (lines >= wanted) { process.send({ lines }); process.exit(0); }
    });
    process.on('message', () => process.send(bytes));
  });
req.on('error', (e) => { console.error(e); process.exit(1); });
process.on('disconnect', () => process.exit(0));`;

const cluster = await startDemoCluster({ nodes: 50, pods: 10_000, namespaces: 10, seed: 8, watchWindow: 102_400, churn: 0 });
try {
  const readWatch = (env: Record<string, string> = {}) =>
    spawn(process.execPath, ['-e', readerSource], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, URL: cluster.url, TOKEN: cluster.token, CA: cluster.caPem, ...env } });
  const reader = readWatch();
  const startRevision = await new Promise<string>((resolve, reject) => {
    httpsGet(`${cluster.url}/api/v1/pods?limit=1`, { ca: cluster.caPem, headers: { authorization: `Bearer ${cluster.token}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve((JSON.parse(text) as { metadata: { resourceVersion: string } }).metadata.resourceVersion));
    }).on('error', reject);
  });
  await sleep(2000);
  // After the reader's initial events: the current pods' JSON is made, only the history is to come.
  const before = liveHeapMb();

  const majors: number[] = [];
  let otherMs = 0;
  const observer = new PerformanceObserver((entries) => {
    for (const entry of entries.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) majors.push(entry.duration);
      else otherMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let made = 0;
  await new Promise<void>((resolve) => {
    if (rate === Infinity) {
      // As fast as it goes, yielding every 1,000 so the watch is written to meanwhile.
      const step = () => {
        made += cluster.load(1000);
        if (performance.now() - started < seconds * 1000) setImmediate(step);
        else resolve();
      };
      step();
      return;
    }
    // The bench's churn driver: a 10 ms tick making up whatever time it missed.
    let budget = 0;
    let last = started;
    const timer = setInterval(() => {
      const now = performance.now();
      budget = Math.min(budget + ((now - last) * rate) / 1000, rate);
      last = now;
      const n = Math.floor(budget);
      budget -= n;
      if (n > 0) made += cluster.load(n);
      if (now - started >= seconds * 1000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const elapsedS = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await sleep(500);
  observer.disconnect();
  const bytes = await new Promise<number>((resolve) => {
    reader.once('message', (m) => resolve(m as number));
    reader.send('bytes');
  });
  reader.disconnect();
  const after = liveHeapMb();
  const cpuUs = cpu.user + cpu.system;

  // A watch resuming from before the churn: every change replayed from the history.
  let replay: { changes: number; ms: number; cpuMs: number } | null = null;
  if (made <= 125_000) {
    const replayCpu = process.cpuUsage();
    const replayStarted = performance.now();
    const resumed = readWatch({ RV: startRevision, LINES: String(made) });
    await new Promise((resolve) => resumed.once('message', resolve));
    const used = process.cpuUsage(replayCpu);
    replay = { changes: made, ms: Math.round(performance.now() - replayStarted), cpuMs: Math.round((used.user + used.system) / 1000) };
  }
  console.log(
    JSON.stringify({
      rate: values.rate,
      seconds: Number(elapsedS.toFixed(1)),
      made,
      madePerSecond: Math.round(made / elapsedS),
      cpuUsPerChange: Number((cpuUs / made).toFixed(1)),
      cpuCores: Number((cpuUs / 1e6 / elapsedS).toFixed(2)),
      liveHeapMbBefore: Math.round(before),
      liveHeapMbAfter: Math.round(after),
      historyBytesPerChange: Math.round(((after - before) * 1e6) / Math.min(made, 128_000)),
      majorGcs: majors.length,
      majorGcMs: majors.map((ms) => Math.round(ms)),
      majorGcTotalMs: Math.round(majors.reduce((a, b) => a + b, 0)),
      otherGcTotalMs: Math.round(otherMs),
      watchMb: Math.round(bytes / 1e6),
      replay,
    }),
  );
} finally {
  await cluster.stop();
}
