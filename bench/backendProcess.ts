/**
 * The backend in a child process, for the rate rows: in production the backend runs on a server
 * and the engine in a browser, each on its own event loop. Measured in one process, the engine's
 * parse and the backend's decode would queue behind each other and the latency would be neither
 * production's nor either side's.
 *
 * The parent (`BackendChild` below) sends one `start` with the kubeconfig and config and gets the
 * backend's URL; `stop` ends it. A parent that goes away takes the backend with it.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { ConfigOverrides } from '../machines/config.js';
import { startBackend, type Backend } from '../server/backend.js';
import type { Upstream } from '../server/upstreams.js';
import WebSocket from 'ws';
import { gcPauses, gcTimeline, wallNow, type GcPause } from './support.js';
import { mainThreadSchedstat } from './heldLoop.js';

type BackendRequest =
  | { op: 'start'; kubeconfigYaml: string; config: ConfigOverrides }
  | { op: 'stats' }
  | { op: 'traceDeletes'; uids: readonly string[] }
  | { op: 'tracedDeletes' }
  | { op: 'stop' };
type BackendReply = { ok: true; url: string } | { ok: false; error: string };

/** The backend process's cost so far, read at both ends of a window. */
export interface BackendStats {
  /** CPU time used, user + system, in microseconds. */
  readonly cpuMicros: number;
  /** The longest its event loop was held up since the previous stats, in milliseconds. */
  readonly loopDelayMaxMs: number;
  /** The 99th percentile of that delay, in milliseconds. */
  readonly loopDelayP99Ms: number;
  /**
   * The event loop's busy time so far, in milliseconds (`eventLoopUtilization().active`): over a
   * window, busy / wall near 1 means the loop itself is the limit, whatever the process's CPU.
   */
  readonly loopBusyMs: number;
  /** CPU time of the event loop's own thread, in microseconds (Linux; null elsewhere): the rest went to V8's and libuv's helper threads (garbage collection, TLS). */
  readonly mainThreadCpuMicros: number | null;
  /** How long the event loop's thread was ready to run and waited for a core, in microseconds (Linux; null elsewhere). */
  readonly mainThreadWaitingMicros: number | null;
  /**
   * The pods upstream's counts so far (null before it exists): lists (the first and every
   * relist), watches opened, stalls, and the upstream proof's failed probes and lapses
   * (docs/backend.md, "Freshness, end to end"). A window's difference says whether the upstream
   * fell behind and started over.
   */
  /** Its garbage collections since the previous stats: the longest pause and the sum, in ms. */
  readonly gcMaxMs: number;
  readonly gcTotalMs: number;
  readonly podsUpstream: { readonly lists: number; readonly watches: number; readonly stalls: number; readonly proofFailures: number; readonly lapses: number } | null;
}

/** Counts of a window: `after` less `before`, field by field (null when either is unknown). */
export function upstreamDelta(before: BackendStats | null, after: BackendStats | null): BackendStats['podsUpstream'] {
  const a = before?.podsUpstream;
  const b = after?.podsUpstream;
  if (!a || !b) return null;
  return { lists: b.lists - a.lists, watches: b.watches - a.watches, stalls: b.stalls - a.stalls, proofFailures: b.proofFailures - a.proofFailures, lapses: b.lapses - a.lapses };
}

/** A traced deletion in the backend: applied to the pods cache, then sent in an update frame (null: not seen sent). */
export interface BackendTrace {
  readonly appliedAt: number;
  readonly sentAt: number | null;
}

export interface BackendTraced {
  readonly deletes: Record<string, BackendTrace>;
  readonly gc: readonly GcPause[];
}

/** The parent's handle on a backend running in its own process. */
export class BackendChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(kubeconfigYaml: string, config: ConfigOverrides): Promise<BackendChild> {
    // KUBELIVE_BENCH_BACKEND_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the backend (as servingBackend.ts does): the profile covers the process's life.
    const extra = (process.env.KUBELIVE_BENCH_BACKEND_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
    const child = fork(fileURLToPath(import.meta.url), [], { serialization: 'advanced', execArgv: [...process.execArgv, ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const reply = await new Promise<BackendReply>((resolve, reject) => {
      child.once('message', (message: BackendReply) => resolve(message));
      child.once('exit', (code) => reject(new Error(`the backend process exited (${code}) before it started`)));
      child.send({ op: 'start', kubeconfigYaml, config } satisfies BackendRequest);
    });
    if (!reply.ok) throw new Error(`the backend process could not start: ${reply.error}`);
    child.removeAllListeners('exit');
    return new BackendChild(child, reply.url);
  }

  /** CPU so far (a window's cost is the difference) and the loop's delay since the previous call. */
  stats(): Promise<BackendStats> {
    return this.ask({ op: 'stats' });
  }

  /** Times these pods' deletions as the backend's pods cache applies them (`tracedDeletes` reads them). */
  traceDeletes(uids: readonly string[]): Promise<unknown> {
    return this.ask({ op: 'traceDeletes', uids });
  }

  /**
   * When the cache applied each traced deletion and when the frame that carries it was sent to
   * the engine (wall-clock ms, as `wallNow`), by uid, and the backend's GC pauses meanwhile; ends
   * the tracing.
   */
  tracedDeletes(): Promise<BackendTraced> {
    return this.ask({ op: 'tracedDeletes' });
  }

  /** One request at a time: the reply is the next message. */
  private ask<T>(request: BackendRequest): Promise<T> {
    return new Promise((resolve) => {
      this.child.once('message', (message: T) => resolve(message));
      this.child.send(request);
    });
  }

  /** Resolves once the process has exited (it stops its backend first). */
  stop(): Promise<void> {
    if (this.child.exitCode !== null) return Promise.resolve();
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.send({ op: 'stop' } satisfies BackendRequest);
    return exited;
  }
}

/** The child's side: runs only when this file is the forked process's entry point. */
function serveParent(): void {
  let backend: Backend | null = null;
  const tracing = new Set<string>();
  const traced = new Map<string, { appliedAt: number; sentAt: number | null }>();
  /** Applied, not yet seen in a frame sent: what each frame sent is searched for. */
  const unsent = new Set<string>();
  const gcTimes = gcTimeline();
  // The stream hub's frames all leave through ws's send: a frame naming an applied deletion's uid
  // is the one that carries it to the engine, so its send ends the batch stage.
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (this: WebSocket, data: unknown, ...rest: unknown[]) {
    if (unsent.size > 0 && typeof data === 'string') {
      const now = wallNow();
      for (const uid of unsent) {
        if (!data.includes(uid)) continue;
        unsent.delete(uid);
        traced.get(uid)!.sentAt = now;
      }
    }
    return (send as (...args: unknown[]) => void).call(this, data, ...rest);
  } as typeof WebSocket.prototype.send;
  let tracedUpstream: Upstream | null = null;
  /** The default cluster's pods upstream, once a view has asked for it. */
  const podsUpstream = (): Upstream | null => {
    if (!backend) return null;
    const runtime = backend.clusters.hold(null);
    backend.clusters.release(runtime);
    return runtime.upstreams.get('pods') ?? null;
  };
  // 1 ms resolution: the delays that matter here are tens of milliseconds.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const gc = gcPauses();
  process.on('message', (request: BackendRequest) => {
    if (request.op === 'start') {
      startBackend({ kubeconfigYaml: request.kubeconfigYaml, port: 0, config: request.config }).then(
        (started) => {
          backend = started;
          process.send!({ ok: true, url: started.url } satisfies BackendReply);
        },
        (error: unknown) => process.send!({ ok: false, error: error instanceof Error ? error.message : String(error) } satisfies BackendReply),
      );
    } else if (request.op === 'traceDeletes') {
      for (const uid of request.uids) tracing.add(uid);
      const upstream = podsUpstream();
      if (upstream && upstream !== tracedUpstream) {
        tracedUpstream = upstream;
        // Told as the cache applies a watch event (or a relist's difference), before the stream
        // hub batches it into a frame.
        upstream.onChanges((changes) => {
          if (tracing.size === 0) return;
          for (const { change } of changes) {
            if (change.op === 'delete' && tracing.delete(change.uid)) {
              traced.set(change.uid, { appliedAt: wallNow(), sentAt: null });
              unsent.add(change.uid);
            }
          }
        });
      }
      process.send!({ ok: true });
    } else if (request.op === 'tracedDeletes') {
      const times = [...traced.values()].flatMap((t) => [t.appliedAt, t.sentAt ?? t.appliedAt]);
      const gc = times.length === 0 ? [] : gcTimes.between(Math.min(...times) - 1000, Math.max(...times));
      process.send!({ deletes: Object.fromEntries(traced), gc } satisfies BackendTraced);
      traced.clear();
      unsent.clear();
      tracing.clear();
    } else if (request.op === 'stats') {
      const cpu = process.cpuUsage();
      const thread = mainThreadSchedstat();
      const upstream = podsUpstream()?.diagnostics(Date.now());
      const pauses = gc.take();
      process.send!({
        cpuMicros: cpu.user + cpu.system,
        loopDelayMaxMs: loopDelay.max / 1e6,
        loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
        loopBusyMs: performance.eventLoopUtilization().active,
        mainThreadCpuMicros: thread && thread.onCpuNs / 1000,
        mainThreadWaitingMicros: thread && thread.waitingNs / 1000,
        gcMaxMs: pauses.maxMs,
        gcTotalMs: pauses.totalMs,
        podsUpstream: upstream ? { lists: upstream.lists, watches: upstream.watches, stalls: upstream.stalls, proofFailures: upstream.proof.failed, lapses: upstream.proof.lapses } : null,
      } satisfies BackendStats);
      loopDelay.reset();
    } else {
      void (backend?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
    }
  });
  // The parent going away must not leave a backend running.
  process.on('disconnect', () => process.exit(0));
}

if (process.send && process.argv[1] === fileURLToPath(import.meta.url)) serveParent();
