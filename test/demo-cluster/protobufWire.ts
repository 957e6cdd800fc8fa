/**
 * A small protobuf walker for tests, written apart from demo-cluster/podProtobuf.ts so the two
 * can disagree: it splits a message into its fields by the wire format alone (varints, lengths,
 * field numbers) and knows nothing of the Pod schema. Tests name the field numbers they read.
 */
import { request } from 'node:https';
import type { DemoCluster } from '../../demo-cluster/index.js';

export interface WireField {
  no: number;
  wireType: number;
  /** Varint fields: the value (as a bigint, to keep 10-byte negatives exact). */
  int?: bigint;
  /** Length-delimited fields: the bytes. */
  bytes?: Buffer;
}

function readVarint(buf: Buffer, at: number): [bigint, number] {
  let value = 0n;
  let shift = 0n;
  for (let i = at; i < buf.length; i++) {
    const byte = buf[i]!;
    value |= BigInt(byte & 0x7f) << shift;
    shift += 7n;
    if (byte < 0x80) return [value, i + 1];
  }
  throw new Error('a varint runs past the end');
}

export function walk(buf: Buffer): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const [key, next] = readVarint(buf, at);
    at = next;
    const no = Number(key >> 3n);
    const wireType = Number(key & 7n);
    if (wireType === 0) {
      const [int, after] = readVarint(buf, at);
      fields.push({ no, wireType, int });
      at = after;
    } else if (wireType === 2) {
      const [length, after] = readVarint(buf, at);
      const end = after + Number(length);
      if (end > buf.length) throw new Error(`field ${no} runs past the end`);
      fields.push({ no, wireType, bytes: buf.subarray(after, end) });
      at = end;
    } else throw new Error(`unexpected wire type ${wireType} for field ${no}`);
  }
  return fields;
}

/** The message of a walked buffer, read by field number. */
export class Msg {
  readonly fields: WireField[];
  constructor(readonly buf: Buffer) {
    this.fields = walk(buf);
  }
  all(no: number): WireField[] {
    return this.fields.filter((f) => f.no === no);
  }
  has(no: number): boolean {
    return this.all(no).length > 0;
  }
  str(no: number): string | undefined {
    return this.all(no).at(-1)?.bytes?.toString('utf8');
  }
  strs(no: number): string[] {
    return this.all(no).map((f) => f.bytes!.toString('utf8'));
  }
  int(no: number): number | undefined {
    const v = this.all(no).at(-1)?.int;
    return v === undefined ? undefined : Number(BigInt.asIntN(64, v));
  }
  msg(no: number): Msg | undefined {
    const b = this.all(no).at(-1)?.bytes;
    return b === undefined ? undefined : new Msg(b);
  }
  msgs(no: number): Msg[] {
    return this.all(no).map((f) => new Msg(f.bytes!));
  }
  /** A map field: repeated entries of key = 1, value = 2. */
  map(no: number): Record<string, string> {
    return Object.fromEntries(this.msgs(no).map((e) => [e.str(1) ?? '', e.str(2) ?? '']));
  }
}

/** magic + runtime.Unknown: the type it names and the raw bytes it carries. */
export function unwrap(body: Buffer): { apiVersion: string; kind: string; raw: Buffer; unknown: Msg } {
  if (!body.subarray(0, 4).equals(Buffer.from([0x6b, 0x38, 0x73, 0x00]))) throw new Error('no k8s magic');
  const unknown = new Msg(body.subarray(4));
  const typeMeta = unknown.msg(1)!;
  return { apiVersion: typeMeta.str(1) ?? '', kind: typeMeta.str(2) ?? '', raw: unknown.all(2)[0]?.bytes ?? Buffer.alloc(0), unknown };
}

/** Seconds of a metav1.Time message (undefined for the zero time, an empty message). */
export function seconds(time: Msg | undefined): number | undefined {
  if (!time || time.buf.length === 0) return undefined;
  return time.int(1);
}

export interface ProtoReply {
  status: number;
  contentType: string;
  body: Buffer;
}

export const protobufAccept = 'application/vnd.kubernetes.protobuf,application/json';

export function getProtobuf(cluster: Pick<DemoCluster, 'url' | 'caPem' | 'token'>, path: string, accept = protobufAccept): Promise<ProtoReply> {
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.url}${path}`, { ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.token}`, Accept: accept } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface ProtoEvent {
  type: string;
  apiVersion: string;
  kind: string;
  object: Msg;
}

export interface ProtoWatch {
  status: number;
  contentType: string;
  events: ProtoEvent[];
  ended: Promise<void>;
  waitFor(match: (e: ProtoEvent) => boolean, timeoutMs?: number): Promise<ProtoEvent>;
  close(): void;
}

/** A protobuf watch: 4-byte big-endian frame lengths, each frame a metav1.WatchEvent (type = 1, object = 2 RawExtension{raw = 1}). */
export function watchProtobuf(cluster: Pick<DemoCluster, 'url' | 'caPem' | 'token'>, path: string): Promise<ProtoWatch> {
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.url}${path}`, { ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.token}`, Accept: protobufAccept } }, (res) => {
      const events: ProtoEvent[] = [];
      let pending = Buffer.alloc(0);
      let endResolve: () => void = () => undefined;
      const ended = new Promise<void>((r) => (endResolve = r));
      res.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 4 && pending.length >= 4 + pending.readUInt32BE(0)) {
          const frame = pending.subarray(4, 4 + pending.readUInt32BE(0));
          pending = pending.subarray(4 + frame.length);
          const event = new Msg(frame);
          const embedded = unwrap(event.msg(2)!.all(1)[0]!.bytes!);
          events.push({ type: event.str(1) ?? '', apiVersion: embedded.apiVersion, kind: embedded.kind, object: new Msg(embedded.raw) });
        }
      });
      res.on('end', () => endResolve());
      res.on('close', () => endResolve());
      resolve({
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
        events,
        ended,
        async waitFor(match, timeoutMs = 20_000) {
          const deadline = Date.now() + timeoutMs;
          for (;;) {
            const found = events.find(match);
            if (found) return found;
            if (Date.now() > deadline) throw new Error(`no matching protobuf watch event after ${timeoutMs} ms (${events.length} events)`);
            await new Promise((r) => setTimeout(r, 20));
          }
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', (e) => {
      if ((e as { code?: string }).code !== 'ECONNRESET') reject(e);
    });
    req.end();
  });
}
