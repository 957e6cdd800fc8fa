/**
 * WatchDecoder reads watch streams on a worker thread: the bytes go there as they arrive, and the
 * rows come back a chunk at a time, so the backend's event loop only merges them. At 10,000 pod
 * changes a second `JSON.parse` of whole pods was 40 % of that loop's time and what kept it from
 * keeping up (docs/development.md, Measured limits); a row is a tenth of a pod, cheap to pass.
 *
 * Order is kept: one worker, one queue each way, and a stream's end is told only after every line
 * before it. The worker holds at most `highWaterBytes` of a stream at a time: past that the caller
 * pauses its socket, so a decoder that falls behind slows the API server's watch as a slow reader
 * would, instead of queueing without bound. If the worker dies, its open streams end with an
 * error (their watches restart) and later streams are read in the event loop.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DecodedLine, EventReaderName } from './watchLines.js';

export type DecoderRequest =
  | { readonly op: 'open'; readonly id: number; readonly reader: EventReaderName }
  | { readonly op: 'chunk'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly op: 'end'; readonly id: number }
  | { readonly op: 'close'; readonly id: number };

export interface DecoderReply {
  readonly id: number;
  readonly lines: readonly DecodedLine[];
  /** Bytes of the stream the worker has taken off its queue with this reply. */
  readonly bytes: number;
  readonly ended: boolean;
}

/** One stream's side of the decoder. */
export interface DecodedStream {
  /** Hands over a chunk of the response; false when the caller should stop reading until `onDrain`. */
  push(chunk: Buffer): boolean;
  /** The response ended (with an error when broken): told to `onEnd` after the lines before it. */
  end(error?: Error): void;
  /** Nothing more is wanted: pending lines are dropped, `onEnd` is not called. */
  close(): void;
}

interface OpenStream {
  readonly onLines: (lines: readonly DecodedLine[]) => void;
  readonly onEnd: (error?: Error) => void;
  readonly onDrain: () => void;
  queued: number;
  paused: boolean;
  endError: Error | undefined;
}

/** Where the worker's code is, and how to start it. */
export interface WorkerEntry {
  readonly url: URL;
  readonly execArgv?: readonly string[];
}

/** 4 MB: over a second of pod events at 1,000/s, and far under the demo's 32 MB slow-reader bound. */
const highWaterBytes = 4 * 1024 * 1024;
const lowWaterBytes = highWaterBytes / 4;

export class WatchDecoder {
  private worker: Worker | null = null;
  /** Why the worker cannot be used (it died, or there is none to start); null while it can. */
  private unusable: string | null;
  private nextId = 1;
  private readonly open = new Map<number, OpenStream>();

  constructor(private readonly entry: WorkerEntry | null) {
    this.unusable = entry ? null : 'no worker entry';
  }

  /** Whether streams are decoded on the worker (false: the caller reads them in the event loop). */
  get available(): boolean {
    return this.unusable === null;
  }

  /** Opens a stream on the worker; null when the caller must read it in the event loop. */
  stream(reader: EventReaderName, onLines: (lines: readonly DecodedLine[]) => void, onEnd: (error?: Error) => void, onDrain: () => void): DecodedStream | null {
    const worker = this.started();
    if (!worker) return null;
    const id = this.nextId++;
    const state: OpenStream = { onLines, onEnd, onDrain, queued: 0, paused: false, endError: undefined };
    this.open.set(id, state);
    this.post({ op: 'open', id, reader });
    let ending = false;
    return {
      push: (chunk) => {
        if (ending || !this.open.has(id)) return true;
        // A copy the worker can own: a socket's chunk may be a view into a larger pooled buffer.
        const bytes = new Uint8Array(chunk);
        state.queued += bytes.byteLength;
        this.post({ op: 'chunk', id, bytes }, [bytes.buffer]);
        state.paused = state.queued > highWaterBytes;
        return !state.paused;
      },
      end: (error) => {
        if (ending || !this.open.has(id)) return;
        ending = true;
        state.endError = error;
        this.post({ op: 'end', id });
      },
      close: () => {
        ending = true;
        if (this.open.delete(id)) this.post({ op: 'close', id });
      },
    };
  }

  /** Stops the worker (the backend is stopping); open streams end with an error. */
  stop(): void {
    const worker = this.worker;
    this.worker = null;
    this.failAll('the watch decoder stopped');
    void worker?.terminate();
  }

  private started(): Worker | null {
    if (this.unusable !== null) return null;
    if (this.worker) return this.worker;
    try {
      const worker = new Worker(this.entry!.url, { execArgv: [...(this.entry!.execArgv ?? [])] });
      // It must not keep a process alive that has nothing else to do.
      worker.unref();
      worker.on('message', (reply: DecoderReply) => this.receive(reply));
      worker.on('error', (error) => this.died(worker, error.message));
      worker.on('exit', (code) => this.died(worker, `exited with code ${code}`));
      this.worker = worker;
      return worker;
    } catch (error) {
      this.unusable = `could not start: ${error instanceof Error ? error.message : String(error)}`;
      return null;
    }
  }

  private post(request: DecoderRequest, transfer: ArrayBuffer[] = []): void {
    this.worker?.postMessage(request, transfer);
  }

  private receive(reply: DecoderReply): void {
    const state = this.open.get(reply.id);
    if (!state) return;
    state.queued -= reply.bytes;
    if (reply.lines.length > 0) state.onLines(reply.lines);
    if (reply.ended) {
      if (this.open.delete(reply.id)) state.onEnd(state.endError);
      return;
    }
    if (state.paused && state.queued <= lowWaterBytes && this.open.has(reply.id)) {
      state.paused = false;
      state.onDrain();
    }
  }

  private died(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    this.unusable = `the worker ${why}`;
    this.failAll(`the watch decoder's worker ${why}`);
  }

  private failAll(message: string): void {
    const streams = [...this.open.values()];
    this.open.clear();
    for (const state of streams) state.onEnd(new Error(message));
  }
}

/** The compiled worker beside this module; absent when running from the TypeScript sources (tests). */
function builtEntry(): WorkerEntry | null {
  const url = new URL('./watchDecoderWorker.js', import.meta.url);
  return url.protocol === 'file:' && existsSync(fileURLToPath(url)) ? { url } : null;
}

/** The process's decoder, shared by every watch. */
export const watchDecoder = new WatchDecoder(builtEntry());
