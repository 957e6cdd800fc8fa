/**
 * Metrics answers read in a Worker (metricsWorker.ts): a FetchLike for the engine's metrics polls
 * (`metricsFetch`) whose response's `json()` unpacks what the Worker parsed. The page's main
 * thread then only unpacks the samples and merges them, instead of reading, decoding and parsing
 * 8 MB of JSON for 50,000 pods (about 110 ms, bench row 9s).
 */
import type { FetchLike } from '../../adapters/engine/snapshots.js';
import type { Pause } from '../../adapters/engine/slices.js';
import { unpackMetricsInSlices, type PackedMetrics } from '../lib/packedMetrics.js';

export type WorkerAsk = { readonly id: number; readonly url: string; readonly headers: Record<string, string> } | { readonly id: number; readonly abort: true };

export type WorkerAnswer =
  | { readonly id: number; readonly failed: string }
  | {
      readonly id: number;
      readonly status: number;
      readonly headers: Readonly<Record<string, string | null>>;
      readonly packed?: PackedMetrics;
      readonly body?: unknown;
      readonly notJson?: string;
    };

/**
 * A Worker that fails (its script blocked or missing, or an error inside it) answers nothing: its
 * polls in flight fail with the reason, and later ones are fetched on the page (`fallback`), so
 * metrics never stop without a word. `pause`: how the unpacking hands the page's frames the
 * thread between slices (adapters/engine/slices.ts).
 */
export function metricsFetchIn(worker: Worker, fallback: FetchLike, pause?: Pause): FetchLike {
  let nextId = 0;
  let broken: string | null = null;
  const waiting = new Map<number, (answer: WorkerAnswer) => void>();
  worker.addEventListener('message', (event: MessageEvent<WorkerAnswer>) => {
    const settle = waiting.get(event.data.id);
    waiting.delete(event.data.id);
    settle?.(event.data);
  });
  const failed = (event: Event) => {
    broken = `the metrics Worker failed: ${(event as ErrorEvent).message || event.type}`;
    for (const [id, settle] of waiting) settle({ id, failed: broken });
    waiting.clear();
  };
  worker.addEventListener('error', failed);
  worker.addEventListener('messageerror', failed);
  return (url, init) =>
    broken !== null ? fallback(url, init) : new Promise((resolve, reject) => {
      const id = nextId++;
      const signal = init?.signal;
      const aborted = () => {
        waiting.delete(id);
        worker.postMessage({ id, abort: true } satisfies WorkerAsk);
        reject(new DOMException('The request was aborted.', 'AbortError'));
      };
      if (signal?.aborted) return aborted();
      signal?.addEventListener('abort', aborted, { once: true });
      waiting.set(id, (answer) => {
        signal?.removeEventListener('abort', aborted);
        if ('failed' in answer) return reject(new TypeError(answer.failed));
        const json = async (): Promise<unknown> => {
          if (answer.packed) return unpackMetricsInSlices(answer.packed, pause);
          if (answer.notJson !== undefined) throw new SyntaxError(answer.notJson);
          return answer.body;
        };
        resolve({
          status: answer.status,
          ok: answer.status >= 200 && answer.status < 300,
          headers: { get: (name) => answer.headers[name.toLowerCase()] ?? null },
          json,
          text: async () => JSON.stringify(await json()),
        });
      });
      worker.postMessage({ id, url, headers: init?.headers ?? {} } satisfies WorkerAsk);
    });
}
