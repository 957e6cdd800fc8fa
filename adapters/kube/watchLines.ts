/**
 * What one watch line says, read once: the parse of the line and the projection of its object to
 * a row, with no effect on anything. The list-watch reads lines through `decodeLine` in the event
 * loop or, for the busy hand-made resources, on the watch decoder's worker thread
 * (watchDecoder.ts); both run this same code, so a line means the same wherever it was read.
 */
import type { ColumnDefinition, Row } from '../rows.js';
import { resourceSpecs, type ResourceName } from './resources.js';
import type { KubeObject } from './rows.js';
import { readResourceEvent } from './tableRows.js';

/** One watch event's object, read. */
export interface WatchedObject {
  readonly row: Row | null;
  readonly resourceVersion: string;
  /** Columns the event carried, when any (the first event of a Table watch). */
  readonly columns: readonly ColumnDefinition[] | null;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

/** A line read: an event, an in-stream error Status, a line that is not JSON, or a type we ignore. */
export type DecodedLine =
  | { readonly kind: 'event'; readonly type: EventType; readonly read: WatchedObject }
  | { readonly kind: 'error'; readonly code?: number; readonly reason?: string; readonly message?: string }
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'ignored' };

/**
 * Names a collection's reader so that another thread can find the same one: functions cannot
 * cross to a worker, names can. `object`: a hand-made resource's whole objects through its row
 * projection; `table`: a resource domain's Table events.
 */
export type EventReaderName = { readonly kind: 'object'; readonly resource: ResourceName } | { readonly kind: 'table' };

export type EventReader = (type: string, object: unknown) => WatchedObject;

/** A whole-object collection's reader: the projection's row, none for a bookmark. */
export function objectEventReader(project: (object: KubeObject) => Row | null): EventReader {
  return (type, object) => {
    const kubeObject = (object ?? {}) as KubeObject;
    return { row: type === 'BOOKMARK' ? null : project(kubeObject), resourceVersion: kubeObject.metadata?.resourceVersion ?? '', columns: null };
  };
}

export function eventReaderNamed(name: EventReaderName): EventReader {
  if (name.kind === 'table') return (type, object) => readResourceEvent(type, object);
  return objectEventReader(resourceSpecs[name.resource].project);
}

interface WatchLine {
  type?: string;
  object?: { code?: number; message?: string; reason?: string };
}

export function decodeLine(text: string, read: EventReader): DecodedLine {
  let line: WatchLine;
  try {
    line = JSON.parse(text) as WatchLine;
  } catch {
    return { kind: 'invalid', message: 'watch sent a line that is not JSON' };
  }
  const object = line?.object ?? {};
  switch (line?.type) {
    case 'ADDED':
    case 'MODIFIED':
    case 'DELETED':
    case 'BOOKMARK':
      try {
        return { kind: 'event', type: line.type, read: read(line.type, object) };
      } catch (error) {
        // The projections read defensively and should not throw; if one does, the line is bad input.
        return { kind: 'invalid', message: `watch sent an object that could not be read: ${error instanceof Error ? error.message : String(error)}` };
      }
    case 'ERROR':
      return {
        kind: 'error',
        ...(typeof object.code === 'number' ? { code: object.code } : {}),
        ...(typeof object.reason === 'string' ? { reason: object.reason } : {}),
        ...(typeof object.message === 'string' ? { message: object.message } : {}),
      };
    default:
      return { kind: 'ignored' };
  }
}

/**
 * Splits a byte stream into lines: bytes are kept until their line is complete, so a multi-byte
 * character cut between two chunks is decoded whole. Empty lines are skipped.
 */
export class LineSplitter {
  private pending: Buffer[] = [];

  /** The complete lines `chunk` finishes, in order. */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let from = 0;
    for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, from)) {
      const piece = chunk.subarray(from, newline);
      const text = this.pending.length > 0 ? Buffer.concat([...this.pending, piece]).toString('utf8') : piece.toString('utf8');
      this.pending = [];
      if (text.length > 0) lines.push(text);
      from = newline + 1;
    }
    if (from < chunk.length) this.pending.push(chunk.subarray(from));
    return lines;
  }

  /** What is left after the last newline (a last line without one), or null. */
  finish(): string | null {
    const text = this.pending.length > 0 ? Buffer.concat(this.pending).toString('utf8') : '';
    this.pending = [];
    return text.length > 0 ? text : null;
  }
}
