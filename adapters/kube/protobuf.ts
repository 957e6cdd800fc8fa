/**
 * Reads Pod watch events in Kubernetes' protobuf encoding, keeping only what a pod row needs.
 *
 * Why: at 20,000 changes a second `JSON.parse` of whole Pod events was 40 % of the backend's CPU
 * (docs/development.md, "Row 2"), and JSON cannot be skipped without being read. Protobuf fields
 * carry their length, so a reader jumps over a pod's volumes, env, images, IPs and managed fields
 * without looking at them. kube-apiserver serves every built-in kind this way to a client that asks
 * (`Accept: application/vnd.kubernetes.protobuf, application/json`, as client-go's typed clients
 * do).
 *
 * The wire format, from apimachinery's serializer (pkg/runtime/serializer/codec_factory.go and
 * protobuf/protobuf.go) and the generated.proto files of k8s.io/api core/v1 and apimachinery
 * meta/v1 and runtime: a watch's Content-Type is `application/vnd.kubernetes.protobuf;stream=watch`,
 * each event is a 4-byte big-endian length and a bare `WatchEvent {type = 1, object = 2
 * RawExtension {raw = 1}}`; the raw object is the full encoding, the magic `k8s\0` then a
 * `runtime.Unknown {typeMeta = 1 {apiVersion = 1, kind = 2}, raw = 2, contentEncoding = 3,
 * contentType = 4}` whose raw bytes are the object's message. An in-stream error is a `Status`
 * the same way.
 *
 * What comes out is the JSON shape of the fields the row projection reads (adapters/kube/rows.ts
 * `podRow`), so a pod read from protobuf and the same pod read from JSON give the same row
 * (test/adapters/kube/protobuf.test.ts checks that on every pod of the demo cluster). Any other
 * kind is refused: kubelive asks for protobuf only where it has a reader.
 *
 * Input comes from the network: a length past its message's end, a wire type the format does not
 * use, a varint longer than 10 bytes or an unknown envelope is an error, never a wrong row.
 */
import type { KubeObject } from './rows.js';
import type { WatchLine } from './listWatch.js';

/** The media type kubelive asks for where it can read protobuf; JSON stays acceptable, for servers (or kinds) without it. */
export const protobufAccept = 'application/vnd.kubernetes.protobuf, application/json';

export function isProtobufMediaType(contentType: string | undefined): boolean {
  return typeof contentType === 'string' && contentType.startsWith('application/vnd.kubernetes.protobuf');
}

/** A watch event larger than this is refused: a pod is a few KB, a stream that claims 64 MB is broken. */
export const maxFrameBytes = 64 * 1024 * 1024;

export class ProtobufError extends Error {}

const magic0 = 0x6b;
const magic1 = 0x38;
const magic2 = 0x73;

// The read position. Every reader below runs synchronously over one frame, so one cursor serves
// them all and no reader allocates a pair to return a value and a position.
let pos = 0;

function varint(buf: Buffer, end: number): number {
  if (pos >= end) throw new ProtobufError('a varint runs past the end of its message');
  let byte = buf[pos++]!;
  if (byte < 0x80) return byte;
  let value = byte & 0x7f;
  let scale = 0x80;
  for (let i = 1; i < 10; i++) {
    if (pos >= end) throw new ProtobufError('a varint runs past the end of its message');
    byte = buf[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value;
    scale *= 0x80;
  }
  throw new ProtobufError('a varint is longer than 10 bytes');
}

/** An int32 field: a negative one is written as ten bytes of two's complement, so only the low 32 bits count. */
function int32(buf: Buffer, end: number): number {
  let low = 0;
  for (let i = 0; i < 10; i++) {
    if (pos >= end) throw new ProtobufError('a varint runs past the end of its message');
    const byte = buf[pos++]!;
    if (i < 5) low |= (byte & 0x7f) << (7 * i);
    if (byte < 0x80) return low | 0;
  }
  throw new ProtobufError('a varint is longer than 10 bytes');
}

/** The end of the length-delimited field that starts at `pos`, checked against its parent's end. */
function lengthEnd(buf: Buffer, end: number): number {
  const length = varint(buf, end);
  const fieldEnd = pos + length;
  if (fieldEnd > end) throw new ProtobufError('a field runs past the end of its message');
  return fieldEnd;
}

function skip(buf: Buffer, wire: number, end: number): void {
  switch (wire) {
    case 0:
      varint(buf, end);
      return;
    case 1:
      pos += 8;
      break;
    case 2:
      pos = lengthEnd(buf, end);
      return;
    case 5:
      pos += 4;
      break;
    default:
      throw new ProtobufError(`wire type ${wire} is not one Kubernetes writes`);
  }
  if (pos > end) throw new ProtobufError('a field runs past the end of its message');
}

function text(buf: Buffer, end: number): string {
  const fieldEnd = lengthEnd(buf, end);
  const value = buf.toString('utf8', pos, fieldEnd);
  pos = fieldEnd;
  return value;
}

function bool(buf: Buffer, end: number): boolean {
  return varint(buf, end) !== 0;
}

// A pod's times repeat in every event about it: each second is formatted once (bounded).
const formattedTimes = new Map<number, string>();
const maxFormattedTimes = 8192;

/** A `metav1.Time` {seconds = 1, nanos = 2} as its JSON form: RFC 3339 to the second, as the API writes it. */
function time(buf: Buffer, end: number): string {
  const fieldEnd = lengthEnd(buf, end);
  let seconds = 0;
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === 0x08) seconds = varint(buf, fieldEnd);
    else skip(buf, key & 7, fieldEnd);
  }
  pos = fieldEnd;
  // A negative int64 arrives as a huge unsigned value; no Kubernetes time is before 1970.
  if (seconds > 253402300799) throw new ProtobufError('a time is out of range');
  let formatted = formattedTimes.get(seconds);
  if (formatted === undefined) {
    formatted = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
    if (formattedTimes.size >= maxFormattedTimes) formattedTimes.clear();
    formattedTimes.set(seconds, formatted);
  }
  return formatted;
}

/** Calls `field` for each field of the message from `pos` to `end`; `field` reads its value or returns false to have it skipped. */
function eachField(buf: Buffer, end: number, field: (no: number, wire: number) => boolean): void {
  while (pos < end) {
    const key = varint(buf, end);
    if (!field(key >>> 3, key & 7)) skip(buf, key & 7, end);
  }
  pos = end;
}

interface Owner {
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

function ownerReference(buf: Buffer, end: number): Owner {
  const fieldEnd = lengthEnd(buf, end);
  const owner: Owner = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire === 2 && no === 1) owner.kind = text(buf, fieldEnd);
    else if (wire === 2 && no === 3) owner.name = text(buf, fieldEnd);
    else if (wire === 2 && no === 4) owner.uid = text(buf, fieldEnd);
    else if (wire === 0 && no === 6) owner.controller = bool(buf, fieldEnd);
    else return false;
    return true;
  });
  return owner;
}

function stringMapEntry(buf: Buffer, end: number, into: Record<string, string>): void {
  const fieldEnd = lengthEnd(buf, end);
  let key = '';
  let value = '';
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire === 2 && no === 1) key = text(buf, fieldEnd);
    else if (wire === 2 && no === 2) value = text(buf, fieldEnd);
    else return false;
    return true;
  });
  into[key] = value;
}

type Metadata = NonNullable<KubeObject['metadata']> & { annotations?: Record<string, string> };

/** ObjectMeta: the fields a row reads (annotations only for a bookmark, which says with one that it ends the initial events). */
function objectMeta(buf: Buffer, end: number, withAnnotations: boolean): Metadata {
  const fieldEnd = lengthEnd(buf, end);
  const meta: { -readonly [K in keyof Metadata]: Metadata[K] } = {};
  let owners: Owner[] | undefined;
  let annotations: Record<string, string> | undefined;
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire !== 2) return false;
    switch (no) {
      case 1:
        meta.name = text(buf, fieldEnd);
        return true;
      case 3:
        meta.namespace = text(buf, fieldEnd);
        return true;
      case 5:
        meta.uid = text(buf, fieldEnd);
        return true;
      case 6:
        meta.resourceVersion = text(buf, fieldEnd);
        return true;
      case 8:
        meta.creationTimestamp = time(buf, fieldEnd);
        return true;
      case 9:
        meta.deletionTimestamp = time(buf, fieldEnd);
        return true;
      case 12:
        if (!withAnnotations) return false;
        stringMapEntry(buf, fieldEnd, (annotations ??= {}));
        return true;
      case 13:
        (owners ??= []).push(ownerReference(buf, fieldEnd));
        return true;
      default:
        return false;
    }
  });
  if (owners) meta.ownerReferences = owners;
  if (annotations) meta.annotations = annotations;
  return meta;
}

/** A Container: its name, and its restartPolicy (`Always` makes an init container a sidecar). */
function container(buf: Buffer, end: number): { name?: string; restartPolicy?: string } {
  const fieldEnd = lengthEnd(buf, end);
  const out: { name?: string; restartPolicy?: string } = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire === 2 && no === 1) out.name = text(buf, fieldEnd);
    else if (wire === 2 && no === 24) out.restartPolicy = text(buf, fieldEnd);
    else return false;
    return true;
  });
  return out;
}

function podSpec(buf: Buffer, end: number): Record<string, unknown> {
  const fieldEnd = lengthEnd(buf, end);
  const spec: { containers?: unknown[]; initContainers?: unknown[]; nodeName?: string } = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire !== 2) return false;
    if (no === 2) (spec.containers ??= []).push(container(buf, fieldEnd));
    else if (no === 20) (spec.initContainers ??= []).push(container(buf, fieldEnd));
    else if (no === 10) spec.nodeName = text(buf, fieldEnd);
    else return false;
    return true;
  });
  return spec;
}

function condition(buf: Buffer, end: number): Record<string, string> {
  const fieldEnd = lengthEnd(buf, end);
  const out: Record<string, string> = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire !== 2) return false;
    if (no === 1) out.type = text(buf, fieldEnd);
    else if (no === 2) out.status = text(buf, fieldEnd);
    else if (no === 5) out.reason = text(buf, fieldEnd);
    else return false;
    return true;
  });
  return out;
}

/** ContainerStateTerminated: exitCode = 1, signal = 2, reason = 3, finishedAt = 6. */
function terminated(buf: Buffer, end: number): Record<string, unknown> {
  const fieldEnd = lengthEnd(buf, end);
  const out: Record<string, unknown> = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire === 0 && no === 1) out.exitCode = int32(buf, fieldEnd);
    else if (wire === 0 && no === 2) out.signal = int32(buf, fieldEnd);
    else if (wire === 2 && no === 3) out.reason = text(buf, fieldEnd);
    else if (wire === 2 && no === 6) out.finishedAt = time(buf, fieldEnd);
    else return false;
    return true;
  });
  return out;
}

/** ContainerState: waiting = 1 {reason = 1}, running = 2 (only that it is there), terminated = 3. */
function containerState(buf: Buffer, end: number): Record<string, unknown> {
  const fieldEnd = lengthEnd(buf, end);
  const out: Record<string, unknown> = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire !== 2) return false;
    if (no === 1) {
      const waitingEnd = lengthEnd(buf, fieldEnd);
      const waiting: Record<string, string> = {};
      eachField(buf, waitingEnd, (n, w) => {
        if (w === 2 && n === 1) waiting.reason = text(buf, waitingEnd);
        else return false;
        return true;
      });
      out.waiting = waiting;
    } else if (no === 2) {
      pos = lengthEnd(buf, fieldEnd);
      out.running = {};
    } else if (no === 3) out.terminated = terminated(buf, fieldEnd);
    else return false;
    return true;
  });
  return out;
}

/** ContainerStatus: name = 1, state = 2, lastState = 3, ready = 4, restartCount = 5, started = 9. */
function containerStatus(buf: Buffer, end: number): Record<string, unknown> {
  const fieldEnd = lengthEnd(buf, end);
  const out: Record<string, unknown> = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire === 2 && no === 1) out.name = text(buf, fieldEnd);
    else if (wire === 2 && no === 2) out.state = containerState(buf, fieldEnd);
    else if (wire === 2 && no === 3) out.lastState = containerState(buf, fieldEnd);
    else if (wire === 0 && no === 4) out.ready = bool(buf, fieldEnd);
    else if (wire === 0 && no === 5) out.restartCount = int32(buf, fieldEnd);
    else if (wire === 0 && no === 9) out.started = bool(buf, fieldEnd);
    else return false;
    return true;
  });
  return out;
}

function podStatus(buf: Buffer, end: number): Record<string, unknown> {
  const fieldEnd = lengthEnd(buf, end);
  const status: { phase?: string; reason?: string; conditions?: unknown[]; containerStatuses?: unknown[]; initContainerStatuses?: unknown[] } = {};
  eachField(buf, fieldEnd, (no, wire) => {
    if (wire !== 2) return false;
    switch (no) {
      case 1:
        status.phase = text(buf, fieldEnd);
        return true;
      case 2:
        (status.conditions ??= []).push(condition(buf, fieldEnd));
        return true;
      case 4:
        status.reason = text(buf, fieldEnd);
        return true;
      case 8:
        (status.containerStatuses ??= []).push(containerStatus(buf, fieldEnd));
        return true;
      case 10:
        (status.initContainerStatuses ??= []).push(containerStatus(buf, fieldEnd));
        return true;
      default:
        return false;
    }
  });
  return status;
}

/** A Pod message {metadata = 1, spec = 2, status = 3}, from `start` to `end`. */
function pod(buf: Buffer, start: number, end: number, withAnnotations: boolean): KubeObject {
  const object: { kind: string; metadata?: Metadata; spec?: unknown; status?: unknown } = { kind: 'Pod' };
  pos = start;
  eachField(buf, end, (no, wire) => {
    if (wire !== 2) return false;
    if (no === 1) object.metadata = objectMeta(buf, end, withAnnotations);
    else if (no === 2) object.spec = podSpec(buf, end);
    else if (no === 3) object.status = podStatus(buf, end);
    else return false;
    return true;
  });
  return object as KubeObject;
}

/** A Status {status = 2, message = 3, reason = 4, code = 6}: what an in-stream ERROR and a refused request carry. */
function status(buf: Buffer, start: number, end: number): { code?: number; message?: string; reason?: string; status?: string } {
  const out: { code?: number; message?: string; reason?: string; status?: string } = {};
  pos = start;
  eachField(buf, end, (no, wire) => {
    if (wire === 2 && no === 2) out.status = text(buf, end);
    else if (wire === 2 && no === 3) out.message = text(buf, end);
    else if (wire === 2 && no === 4) out.reason = text(buf, end);
    else if (wire === 0 && no === 6) out.code = int32(buf, end);
    else return false;
    return true;
  });
  return out;
}

/** An object's full encoding (`k8s\0` + runtime.Unknown), read as a Pod or a Status; other kinds are refused. */
function envelopedObject(buf: Buffer, start: number, end: number, withAnnotations: boolean): KubeObject | ReturnType<typeof status> {
  if (end - start < 4 || buf[start] !== magic0 || buf[start + 1] !== magic1 || buf[start + 2] !== magic2 || buf[start + 3] !== 0) {
    throw new ProtobufError('an object does not start with the protobuf magic k8s\\0');
  }
  let kind = '';
  let rawStart = -1;
  let rawEnd = -1;
  let encoding = '';
  pos = start + 4;
  eachField(buf, end, (no, wire) => {
    if (wire !== 2) return false;
    if (no === 1) {
      const typeEnd = lengthEnd(buf, end);
      eachField(buf, typeEnd, (n, w) => {
        if (w === 2 && n === 2) kind = text(buf, typeEnd);
        else return false;
        return true;
      });
    } else if (no === 2) {
      rawEnd = lengthEnd(buf, end);
      rawStart = pos;
      pos = rawEnd;
    } else if (no === 3) encoding = text(buf, end);
    else return false;
    return true;
  });
  if (encoding !== '') throw new ProtobufError(`an object in content encoding ${encoding}, which kubelive does not read`);
  if (rawStart < 0) throw new ProtobufError('an object without its raw bytes');
  if (kind === 'Pod') return pod(buf, rawStart, rawEnd, withAnnotations);
  if (kind === 'Status') return status(buf, rawStart, rawEnd);
  throw new ProtobufError(`kubelive reads no ${kind || 'unnamed kind'} in protobuf`);
}

/**
 * One watch event's frame (the bytes after its length): a bare WatchEvent whose object is enveloped.
 * Returns the event as its JSON line would parse, with only the fields a pod row reads.
 */
export function readWatchFrame(frame: Buffer): WatchLine {
  const end = frame.length;
  let type = '';
  let objectStart = -1;
  let objectEnd = -1;
  pos = 0;
  eachField(frame, end, (no, wire) => {
    if (wire === 2 && no === 1) type = text(frame, end);
    else if (wire === 2 && no === 2) {
      // RawExtension {raw = 1}
      const extensionEnd = lengthEnd(frame, end);
      eachField(frame, extensionEnd, (n, w) => {
        if (w !== 2 || n !== 1) return false;
        objectEnd = lengthEnd(frame, extensionEnd);
        objectStart = pos;
        pos = objectEnd;
        return true;
      });
    } else return false;
    return true;
  });
  if (type === '') throw new ProtobufError('a watch event without a type');
  if (objectStart < 0) return { type };
  return { type, object: envelopedObject(frame, objectStart, objectEnd, type === 'BOOKMARK') as WatchLine['object'] };
}

/** A refused request's body in protobuf: its Status, or null when the body is not one. */
export function readStatusBody(body: Buffer): { code?: number; message?: string; reason?: string } | null {
  try {
    const object = envelopedObject(body, 0, body.length, false);
    return 'kind' in object ? null : (object as { code?: number; message?: string; reason?: string });
  } catch {
    return null;
  }
}

/**
 * Cuts a protobuf watch stream into frames (4-byte big-endian length, then the frame) as its
 * chunks arrive. `next` returns the next whole frame, or null until more bytes come. A frame is a
 * view into the chunk it came in, or a copy when it spans chunks.
 */
export class FrameSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private at = 0;

  push(chunk: Buffer): void {
    this.pending = this.at >= this.pending.length ? chunk : Buffer.concat([this.pending.subarray(this.at), chunk]);
    this.at = 0;
  }

  /** The next whole frame, or null; throws on a length past `maxFrameBytes`. */
  next(): Buffer | null {
    const available = this.pending.length - this.at;
    if (available < 4) return null;
    const length = this.pending.readUInt32BE(this.at);
    if (length > maxFrameBytes) throw new ProtobufError(`a watch event of ${length} bytes, more than the ${maxFrameBytes} kubelive reads`);
    if (available - 4 < length) return null;
    const frame = this.pending.subarray(this.at + 4, this.at + 4 + length);
    this.at += 4 + length;
    return frame;
  }

  /** Bytes received that are not yet a whole frame. */
  get leftover(): number {
    return this.pending.length - this.at;
  }
}
