/**
 * The Worker that reads metrics answers for the page (workerFetch.ts): it fetches, reads and
 * parses the body off the main thread and posts it back packed (lib/packedMetrics.ts), its typed
 * arrays transferred rather than copied.
 */
import { packMetrics } from '../lib/packedMetrics.js';
import type { WorkerAnswer, WorkerAsk } from './workerFetch.js';

const running = new Map<number, AbortController>();

function answer(message: WorkerAnswer, transfer: Transferable[] = []): void {
  (self as unknown as { postMessage(message: unknown, transfer: Transferable[]): void }).postMessage(message, transfer);
}

async function fetchFor(ask: Extract<WorkerAsk, { url: string }>, controller: AbortController): Promise<void> {
  let response: Response;
  try {
    response = await fetch(ask.url, { headers: ask.headers, signal: controller.signal });
  } catch (error) {
    answer({ id: ask.id, failed: error instanceof Error ? error.message : String(error) });
    return;
  }
  const head = { id: ask.id, status: response.status, headers: { etag: response.headers.get('etag'), 'content-type': response.headers.get('content-type') } };
  if (response.status === 304) return answer(head);
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    if (controller.signal.aborted) return answer({ id: ask.id, failed: 'aborted' });
    return answer({ ...head, notJson: error instanceof Error ? error.message : String(error) });
  }
  const packed = response.ok ? packMetrics(body) : null;
  if (packed) answer({ ...head, packed }, [packed.cpu.buffer, packed.memory.buffer, packed.namespaces.at.buffer, packed.timestamps.at.buffer, packed.windows.at.buffer]);
  else answer({ ...head, body });
}

self.addEventListener('message', (event: MessageEvent<WorkerAsk>) => {
  const ask = event.data;
  if ('abort' in ask) {
    running.get(ask.id)?.abort();
    running.delete(ask.id);
    return;
  }
  const controller = new AbortController();
  running.set(ask.id, controller);
  void fetchFor(ask, controller).finally(() => running.delete(ask.id));
});
