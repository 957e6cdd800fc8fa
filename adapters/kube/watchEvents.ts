/**
 * A watch's events, whichever encoding the API server answered in: lines of JSON, or
 * length-delimited protobuf frames where kubelive asked for protobuf (adapters/kube/protobuf.ts).
 * Either way each event reaches `onEvent` as the JSON line would parse; an event that cannot be
 * read ends the stream with an error saying so, and nothing after it is handed on.
 */
import type { LineStream } from './client.js';
import type { WatchLine } from './listWatch.js';
import { readWatchFrame } from './protobuf.js';

export function readWatchEvents(stream: LineStream, onEvent: (event: WatchLine) => void, onEnd: (error?: Error) => void): void {
  if (stream.protobuf) {
    stream.readFrames((frame) => onEvent(readWatchFrame(frame)), onEnd);
    return;
  }
  stream.read((text) => onEvent(parseLine(text)), onEnd);
}

function parseLine(text: string): WatchLine {
  let line: unknown;
  try {
    line = JSON.parse(text);
  } catch {
    throw new Error('watch sent a line that is not JSON');
  }
  if (typeof line !== 'object' || line === null || Array.isArray(line)) throw new Error('watch sent a line that is not an event');
  return line as WatchLine;
}
