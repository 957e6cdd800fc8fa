/**
 * The watch decoder's worker thread (watchDecoder.ts starts it): for each open watch it splits
 * the bytes it is sent into lines and reads each with `decodeLine`, replying once per chunk with
 * what the chunk completed and how many bytes it took, so the event loop can hold the socket
 * while too much waits here.
 */
import { parentPort } from 'node:worker_threads';
import { decodeLine, eventReaderNamed, LineSplitter, type EventReader } from './watchLines.js';
import type { DecoderReply, DecoderRequest } from './watchDecoder.js';

const streams = new Map<number, { readonly splitter: LineSplitter; readonly read: EventReader }>();

function serve(request: DecoderRequest): DecoderReply | null {
  switch (request.op) {
    case 'open':
      streams.set(request.id, { splitter: new LineSplitter(), read: eventReaderNamed(request.reader) });
      return null;
    case 'chunk': {
      const stream = streams.get(request.id);
      if (!stream) return null;
      const bytes = Buffer.from(request.bytes.buffer, request.bytes.byteOffset, request.bytes.byteLength);
      return { id: request.id, lines: stream.splitter.push(bytes).map((text) => decodeLine(text, stream.read)), bytes: bytes.length, ended: false };
    }
    case 'end': {
      const stream = streams.get(request.id);
      streams.delete(request.id);
      const last = stream?.splitter.finish();
      return { id: request.id, lines: stream && last ? [decodeLine(last, stream.read)] : [], bytes: 0, ended: true };
    }
    case 'close':
      streams.delete(request.id);
      return null;
  }
}

parentPort?.on('message', (request: DecoderRequest) => {
  const reply = serve(request);
  if (reply) parentPort!.postMessage(reply);
});
