/**
 * StreamSocket is the one way the stream hub writes to a client: it wraps the ws WebSocket and
 * applies, in one place, what stands between a frame and the wire. Backpressure: after each frame
 * it checks the socket's buffer, and past `maxBufferedBytes` it is *congested* until the buffer
 * drains to a quarter of the bound. Debug faults (server/faults.ts): `stall-streams` makes it
 * refuse frames like a congested socket, `drop-next-frame` swallows the next sequenced frame,
 * `close-streams` closes it. Either way it tells its owner when it stops or starts taking frames
 * (`onWritableChange`), and the subscriptions' machines decide what that means; the code that
 * builds frames checks neither.
 *
 * A large reset goes out in pieces (docs/protocol.md, "Resets in pieces"): the reset frame with
 * its first rows at once, then `reset-piece` frames, each serialised on its own turn of the event
 * loop, so one 37 MB reset never holds the loop (and every other client's heartbeats) for the
 * time a single JSON.stringify of it takes. While pieces are owed the socket is not writable, so
 * the machines hold their changes as they do for a congested socket, and any frame that still
 * arrives waits behind the pieces: nothing of a subscription ever lands between its reset and
 * the reset's last piece. Every socket's pieces take their turns in the loop's share
 * (adapters/loopShare.ts), with the watch lines and the lists landing beside them.
 */
import { WebSocket as WebSocketState, type WebSocket } from 'ws';
import { inTurns } from '../adapters/loopShare.js';
import type { ErrorFrame, ResetFrame, ServerFrame } from '../adapters/protocol.js';
import type { StreamFaults } from './faults.js';

/** How often a congested socket's buffer is looked at: ws exposes no 'drain' of its own. */
const drainPollMs = 50;

/**
 * Rows per frame of a reset in pieces (the default of `StreamLimits.rowsPerResetPiece`): about
 * 0.4 MB of pods, a few ms to serialise, so ten clients' resets interleave without any turn of
 * the loop nearing 50 ms (bench row 14l).
 */
export const rowsPerResetPiece = 1000;

type SequencedFrame = Exclude<ServerFrame, ErrorFrame>;

/** A frame waiting its turn; a reset in pieces remembers how many rows went out. */
interface Outgoing {
  readonly frame: SequencedFrame;
  sentRows: number;
}

/** The close code of `close-streams`: 1012, "service restart", which clients reconnect after. */
export const faultCloseCode = 1012;

export class StreamSocket {
  /** The send buffer passed the bound and has not drained to a quarter of it yet. */
  congested = false;
  congestions = 0;
  peakBufferedBytes = 0;
  errorsSent = 0;
  /** Resets sent in pieces. */
  piecewiseResets = 0;
  private wasWritable: boolean;
  private drainTimer: NodeJS.Timeout | null = null;
  /** Frames owed behind a reset whose pieces are still going out; empty otherwise. */
  private readonly outgoing: Outgoing[] = [];
  private pieceWait: NodeJS.Timeout | null = null;

  constructor(
    private readonly ws: WebSocket,
    private readonly faults: StreamFaults,
    private readonly limits: { readonly maxBufferedBytes: number; readonly rowsPerResetPiece: number },
    private readonly onWritableChange: (writable: boolean) => void,
  ) {
    this.wasWritable = this.writable;
  }

  /** Whether frames may be queued now: not congested, no reset's pieces owed, and streams not stalled by a fault. */
  get writable(): boolean {
    return !this.congested && this.outgoing.length === 0 && !this.faults.stalled;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  /**
   * Queues one sequenced frame. Its seq is already taken, so it is always queued (or swallowed by
   * `drop-next-frame`, which is the point of that fault): the subscriptions' machines stop asking
   * once told the socket is not writable, which may be one step late (the frame that crossed the
   * bound, and one more from the same step), hence "the bound plus a frame". A reset of more
   * than `rowsPerResetPiece` rows goes out in pieces, an update of as many changes whole but in
   * its turn; frames given meanwhile wait behind them.
   */
  sendFrame(frame: SequencedFrame): void {
    if (this.faults.dropNext) {
      // Counted by the hub, not delivered: the client sees a gap in seq.
      this.faults.dropNext = false;
      return;
    }
    // A large frame waits its turn among the pieces: ten clients' updates of 10,000 changes each,
    // flushed by timers that fire together, would otherwise be serialised in one turn.
    const perPiece = this.limits.rowsPerResetPiece;
    const large = frame.type === 'reset' ? frame.items.length > perPiece : frame.type === 'update' && frame.changes.length > perPiece;
    if (this.outgoing.length === 0 && !large) {
      this.ws.send(JSON.stringify(frame));
      this.checkBuffer();
      return;
    }
    this.outgoing.push({ frame, sentRows: 0 });
    if (this.outgoing.length === 1) inTurns(() => this.sendOwed());
    this.noticeWritable();
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
    this.dispose();
    this.ws.terminate();
  }

  /** The socket is gone: no more polling, and the owed pieces (and the rows they hold) are let go. */
  dispose(): void {
    this.stopDrainPoll();
    this.stopPieces();
    this.outgoing.length = 0;
  }

  /**
   * Sends the next owed piece (the rest of a reset in pieces, then the frames that waited behind
   * it), in its turn among every socket's pieces; true while more is owed. A full buffer or a
   * stall fault waits out of turn; a closed socket ends it.
   */
  private sendOwed(): boolean {
    if (this.outgoing.length === 0) return false;
    if (this.ws.readyState !== WebSocketState.OPEN) {
      this.dispose();
      return false;
    }
    // A client that reads slowly is congested between pieces as between frames, and counted so.
    this.checkBuffer();
    if (this.faults.stalled || this.congested) {
      this.pieceWait = setTimeout(() => {
        this.pieceWait = null;
        inTurns(() => this.sendOwed());
      }, drainPollMs);
      this.pieceWait.unref();
      return false;
    }
    const head = this.outgoing[0]!;
    const perPiece = this.limits.rowsPerResetPiece;
    if (head.frame.type === 'reset' && head.frame.items.length > perPiece) {
      this.ws.send(resetPiece(head.frame, head.sentRows, perPiece));
      head.sentRows += perPiece;
      if (head.sentRows >= head.frame.items.length) {
        this.outgoing.shift();
        this.piecewiseResets++;
      }
    } else {
      this.ws.send(JSON.stringify(head.frame));
      this.outgoing.shift();
    }
    if (this.outgoing.length > 0) return true;
    this.checkBuffer();
    this.noticeWritable();
    return false;
  }

  private stopPieces(): void {
    if (this.pieceWait) clearTimeout(this.pieceWait);
    this.pieceWait = null;
  }

  private checkBuffer(): void {
    const buffered = this.ws.bufferedAmount;
    if (buffered > this.peakBufferedBytes) this.peakBufferedBytes = buffered;
    if (this.congested || buffered <= this.limits.maxBufferedBytes) return;
    this.congested = true;
    this.congestions++;
    this.drainTimer = setInterval(() => this.pollDrain(), drainPollMs);
    this.drainTimer.unref();
    this.noticeWritable();
  }

  private pollDrain(): void {
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes / 4) return;
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

/**
 * The text of one frame of a reset in pieces: the reset itself (with `pieces`) for the first
 * rows, a `reset-piece` for the rest.
 */
function resetPiece(frame: ResetFrame, from: number, perPiece: number): string {
  const items = frame.items.slice(from, from + perPiece);
  if (from === 0) return JSON.stringify({ ...frame, pieces: Math.ceil(frame.items.length / perPiece), items });
  return JSON.stringify({ type: 'reset-piece', id: frame.id, seq: frame.seq, piece: from / perPiece, items });
}
