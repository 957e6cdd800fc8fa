/**
 * StreamSocket is the one way the stream hub writes to a client: it wraps the ws WebSocket and
 * applies, in one place, what stands between a frame and the wire. Backpressure: after each frame
 * it checks the socket's buffer, and past `maxBufferedBytes` it is *congested* until the buffer
 * drains to a quarter of the bound. Debug faults (server/faults.ts): `stall-streams` makes it
 * refuse frames like a congested socket, `drop-next-frame` swallows the next sequenced frame,
 * `close-streams` closes it. Either way it tells its owner when it stops or starts taking frames
 * (`onWritableChange`), and the subscriptions' machines decide what that means; the code that
 * builds frames checks neither.
 */
import type { WebSocket } from 'ws';
import type { ErrorFrame, ServerFrame } from '../adapters/protocol.js';
import type { StreamFaults } from './faults.js';

/** How often a congested socket's buffer is looked at: ws exposes no 'drain' of its own. */
const drainPollMs = 50;

/** The close code of `close-streams`: 1012, "service restart", which clients reconnect after. */
export const faultCloseCode = 1012;

export class StreamSocket {
  /** The send buffer passed the bound and has not drained to a quarter of it yet. */
  congested = false;
  congestions = 0;
  peakBufferedBytes = 0;
  errorsSent = 0;
  private wasWritable: boolean;
  private drainTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly faults: StreamFaults,
    private readonly maxBufferedBytes: number,
    private readonly onWritableChange: (writable: boolean) => void,
  ) {
    this.wasWritable = this.writable;
  }

  /** Whether frames may be queued now: not congested, and streams not stalled by a fault. */
  get writable(): boolean {
    return !this.congested && !this.faults.stalled;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Queues one sequenced frame. Its seq is already taken, so it is always queued (or swallowed by
   * `drop-next-frame`, which is the point of that fault): the subscriptions' machines stop asking
   * once told the socket is not writable, which may be one step late (the frame that crossed the
   * bound, and one more from the same step), hence "the bound plus a frame".
   */
  sendFrame(frame: Exclude<ServerFrame, ErrorFrame>): void {
    if (this.faults.dropNext) {
      // Counted by the hub, not delivered: the client sees a gap in seq.
      this.faults.dropNext = false;
      return;
    }
    this.ws.send(JSON.stringify(frame));
    this.checkBuffer();
  }

  /** Sends an error frame unless the socket is not writable: a client that does not read cannot make us buffer. */
  sendError(frame: ErrorFrame): boolean {
    if (!this.writable) return false;
    this.errorsSent++;
    this.ws.send(JSON.stringify(frame));
    this.checkBuffer();
    return true;
  }

  /** A debug fault was set or lifted: close, or stop or resume taking frames. */
  faultsChanged(): void {
    if (this.faults.closing) this.ws.close(faultCloseCode, 'closed by debug fault');
    this.noticeWritable();
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /** Not a polite close: a client that stopped reading would hold it open for ws's 30 s. */
  terminate(): void {
    this.stopDrainPoll();
    this.ws.terminate();
  }

  /** The socket is gone: no more polling. */
  dispose(): void {
    this.stopDrainPoll();
  }

  private checkBuffer(): void {
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.peakBufferedBytes) this.peakBufferedBytes = buffered;
    if (this.congested || buffered <= this.maxBufferedBytes) return;
    this.congested = true;
    this.congestions++;
    this.drainTimer = setInterval(() => this.pollDrain(), drainPollMs);
    this.drainTimer.unref();
    this.noticeWritable();
  }

  private pollDrain(): void {
    if (this.ws.bufferedAmount > this.maxBufferedBytes / 4) return;
    this.congested = false;
    this.stopDrainPoll();
    this.noticeWritable();
  }

  private stopDrainPoll(): void {
    if (this.drainTimer) clearInterval(this.drainTimer);
    this.drainTimer = null;
  }

  private noticeWritable(): void {
    const writable = this.writable;
    if (writable === this.wasWritable) return;
    this.wasWritable = writable;
    this.onWritableChange(writable);
  }
}
