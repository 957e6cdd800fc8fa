/** ServingBackend is the parent's handle on the backend running in `servingBackendProcess.ts`. */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConfigOverrides } from '../machines/config.js';
import type { StreamLimits } from '../server/stream.js';
import type { BackendRequest, LoopDelay } from './servingBackendProcess.js';

export type { LoopDelay } from './servingBackendProcess.js';

export class ServingBackend {
  private nextId = 1;
  private readonly waiting = new Map<number, (reply: { ok: boolean; result?: unknown; error?: string }) => void>();
  url = '';
  /** The process's heap after GC just before its backend started: a row's baseline for the backend's growth. */
  heapBeforeStartBytes = 0;

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      this.waiting.get(reply.id)?.(reply);
      this.waiting.delete(reply.id);
    });
    child.on('exit', () => {
      for (const settle of this.waiting.values()) settle({ ok: false, error: 'the backend process exited' });
      this.waiting.clear();
    });
  }

  static async start(kubeconfigYaml: string, config: ConfigOverrides, limits: Partial<StreamLimits>): Promise<ServingBackend> {
    const path = fileURLToPath(new URL('./servingBackendProcess.js', import.meta.url));
    // KUBELIVE_BENCH_BACKEND_FLAGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the backend, which is what these rows measure.
    const extra = (process.env.KUBELIVE_BENCH_BACKEND_FLAGS ?? '').split(' ').filter((flag) => flag !== '');
    const child = fork(path, [], { execArgv: ['--expose-gc', ...extra], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const backend = new ServingBackend(child);
    const { url, heapBeforeStartBytes } = (await backend.ask({ op: 'start', kubeconfigYaml, config, limits })) as { url: string; heapBeforeStartBytes: number };
    backend.url = url;
    backend.heapBeforeStartBytes = heapBeforeStartBytes;
    return backend;
  }

  /** The loop's delay since the last restart; `restart` starts a new window. */
  loopDelay(restart: boolean): Promise<LoopDelay> {
    return this.ask({ op: 'loopDelay', restart }) as Promise<LoopDelay>;
  }

  async heapUsedBytes(): Promise<number> {
    return ((await this.ask({ op: 'heap' })) as { heapUsedBytes: number }).heapUsedBytes;
  }

  /** CPU the backend process has used so far, user + system, in microseconds: a window's cost is the difference. */
  async cpuMicros(): Promise<number> {
    return ((await this.ask({ op: 'cpu' })) as { cpuMicros: number }).cpuMicros;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    await this.ask({ op: 'stop' }).catch(() => undefined);
    await exited;
  }

  private ask(request: BackendRequest): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, (reply) => (reply.ok ? resolve(reply.result) : reject(new Error(reply.error))));
      this.child.send({ id, request });
    });
  }
}
