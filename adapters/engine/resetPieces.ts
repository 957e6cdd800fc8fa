/**
 * ResetAssembly puts a reset sent in pieces back together (docs/protocol.md, "Resets in pieces"):
 * the `reset` frame with `pieces` opens it, its `reset-piece` frames add rows in order, and the
 * last one completes it, once its rows are as many as the reset's `count` and their digest is
 * the reset's `digest`. Until then nothing reaches the machines. A piece out of order, rows past
 * the count, or a sequenced frame of the subscription before the last piece breaks the assembly:
 * the rows gathered are dropped, the store keeps what it held, and the engine resyncs.
 */
import { digestOf } from '../digest.js';
import type { ResetFrame, ResetPieceFrame, Row } from '../protocol.js';

export type PieceOutcome =
  | { readonly status: 'incomplete'; readonly rowsSoFar: number }
  | { readonly status: 'complete'; readonly frame: ResetFrame }
  | { readonly status: 'broken'; readonly reason: string };

interface Open {
  readonly head: ResetFrame;
  readonly pieces: number;
  readonly rows: Row[];
  next: number;
}

export class ResetAssembly {
  private readonly open = new Map<string, Open>();

  /** Starts a reset in pieces (its `pieces` at least 2), dropping any earlier one of the subscription. */
  begin(frame: ResetFrame & { readonly pieces: number }): PieceOutcome {
    if (frame.items.length > frame.count) return this.broken(frame.id, `reset ${frame.seq}: ${frame.items.length} rows in its first piece, count ${frame.count}`);
    this.open.set(frame.id, { head: frame, pieces: frame.pieces, rows: [...frame.items], next: 1 });
    return { status: 'incomplete', rowsSoFar: frame.items.length };
  }

  /** Adds one piece; the last completes the reset only if its count and digest hold. */
  add(piece: ResetPieceFrame): PieceOutcome {
    const open = this.open.get(piece.id);
    if (!open) return { status: 'broken', reason: `reset-piece ${piece.piece} of seq ${piece.seq}: no reset in pieces is open` };
    if (piece.seq !== open.head.seq || piece.piece !== open.next) {
      return this.broken(piece.id, `reset-piece ${piece.piece} of seq ${piece.seq}: expected piece ${open.next} of seq ${open.head.seq}`);
    }
    if (open.rows.length + piece.items.length > open.head.count) {
      return this.broken(piece.id, `reset ${open.head.seq}: more rows than its count ${open.head.count}`);
    }
    for (const row of piece.items) open.rows.push(row);
    open.next++;
    if (open.next < open.pieces) return { status: 'incomplete', rowsSoFar: open.rows.length };
    this.open.delete(piece.id);
    if (open.rows.length !== open.head.count) return { status: 'broken', reason: `reset ${open.head.seq}: ${open.rows.length} rows, count ${open.head.count}` };
    const digest = digestOf(open.rows);
    if (digest !== open.head.digest) return { status: 'broken', reason: `reset ${open.head.seq}: digest ${digest}, expected ${open.head.digest}` };
    const { pieces: _pieces, ...whole } = open.head;
    return { status: 'complete', frame: { ...whole, items: open.rows } };
  }

  /** Whether a reset of this subscription is still waiting for pieces. */
  isOpen(id: string): boolean {
    return this.open.has(id);
  }

  /** Rows gathered so far of an open reset (for a cold view to show at once), or null. */
  rowsSoFar(id: string): readonly Row[] | null {
    return this.open.get(id)?.rows ?? null;
  }

  /** The reset frame that opened this subscription's assembly, or null. */
  head(id: string): ResetFrame | null {
    return this.open.get(id)?.head ?? null;
  }

  /** Drops an open reset: another frame of the subscription came first, or it ended. */
  cancel(id: string): boolean {
    return this.open.delete(id);
  }

  /** Drops every open reset (the socket closed); answers whose they were. */
  clear(): string[] {
    const ids = [...this.open.keys()];
    this.open.clear();
    return ids;
  }

  private broken(id: string, reason: string): PieceOutcome {
    this.open.delete(id);
    return { status: 'broken', reason };
  }
}
