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

// Node's Buffer has had `utf8Slice` (what `toString('utf8', start, end)` calls once it has
// checked its arguments) since its early days, undocumented; where it is missing, the documented call.
declare global {
  interface Buffer {
    utf8Slice(start: number, end: number): string;
  }
}
if (typeof Buffer.prototype.utf8Slice !== 'function') {
  Buffer.prototype.utf8Slice = function utf8Slice(this: Buffer, start: number, end: number): string {
    return this.toString('utf8', start, end);
  };
}

/**
 * A string field, at `pos`; an empty one reads as absent. Go's generated marshallers write every
 * string field that is not a pointer, empty or not, where its JSON leaves an empty one out
 * (`omitempty`): an unscheduled pod's JSON has no `nodeName`, its protobuf an empty one, and a
 * row tells the two apart (`nodeName: null`). `utf8Slice` is the decoder `toString('utf8', …)`
 * ends in, without its argument checks (a third of its cost on short strings).
 */
function text(buf: Buffer, end: number): string | undefined {
  const fieldEnd = lengthEnd(buf, end);
  const value = fieldEnd === pos ? undefined : buf.utf8Slice(pos, fieldEnd);
  pos = fieldEnd;
  return value;
}

/**
 * Words that fill most of a pod's short fields (phases, condition types and statuses, reasons,
 * restart policies, owner kinds): matched against the bytes and handed out as one shared string,
 * which costs a few comparisons instead of a decode and an allocation.
 */
class Vocabulary {
  private readonly byLength = new Map<number, { bytes: Buffer; text: string }[]>();

  constructor(words: readonly string[]) {
    for (const text of words) {
      const bytes = Buffer.from(text, 'utf8');
      const same = this.byLength.get(bytes.length) ?? [];
      same.push({ bytes, text });
      this.byLength.set(bytes.length, same);
    }
  }

  /** The string field at `pos`: a word of this vocabulary when it is one, else decoded; an empty one reads as absent, as `text`. */
  read(buf: Buffer, end: number): string | undefined {
    const fieldEnd = lengthEnd(buf, end);
    const start = pos;
    pos = fieldEnd;
    if (fieldEnd === start) return undefined;
    const candidates = this.byLength.get(fieldEnd - start);
    if (candidates) {
      for (const candidate of candidates) {
        const bytes = candidate.bytes;
        let i = 0;
        while (i < bytes.length && bytes[i] === buf[start + i]) i++;
        if (i === bytes.length) return candidate.text;
      }
    }
    return buf.utf8Slice(start, fieldEnd);
  }
}

const words = new Vocabulary([
  // phases, condition statuses, restart policies
  'Pending', 'Running', 'Succeeded', 'Failed', 'Unknown', 'True', 'False', 'Always', 'OnFailure', 'Never',
  // condition types
  'PodScheduled', 'Initialized', 'ContainersReady', 'Ready', 'PodReadyToStartContainers', 'DisruptionTarget',
  // reasons a kubelet or the scheduler writes
  'ContainerCreating', 'PodInitializing', 'CrashLoopBackOff', 'ImagePullBackOff', 'ErrImagePull', 'CreateContainerConfigError',
  'Completed', 'Error', 'OOMKilled', 'ContainersNotReady', 'PodCompleted', 'SchedulingGated', 'Unschedulable', 'Evicted', 'NodeLost',
  // owner kinds
  'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'Node',
]);

function bool(buf: Buffer, end: number): boolean {
  return varint(buf, end) !== 0;
}

// A pod's times repeat in every event about it: each second is formatted once (bounded).
const formattedTimes = new Map<number, string>();
const maxFormattedTimes = 8192;

/**
 * A `metav1.Time` {seconds = 1, nanos = 2} as its JSON form: RFC 3339 to the second, as the API
 * writes it. A zero time is written as an empty message (time_proto.go: its size is 0 when
 * `IsZero`), which JSON writes as null: it reads as absent.
 */
function time(buf: Buffer, end: number): string | undefined {
  const fieldEnd = lengthEnd(buf, end);
  let seconds: number | undefined;
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === 0x08) {
      const at = pos;
      seconds = varint(buf, fieldEnd);
      // Before 1970: an int64 below zero arrives as ten bytes, too large for a double to hold exactly.
      if (seconds > Number.MAX_SAFE_INTEGER) seconds = negativeInt64(buf, at, pos);
    } else skip(buf, key & 7, fieldEnd);
  }
  if (seconds === undefined) return undefined;
  // Go's time ends at year 9999 in RFC 3339; past it (or before year 1) the bytes are not a time the API wrote.
  if (seconds > 253402300799 || seconds < -62135596800) throw new ProtobufError('a time is out of range');
  let formatted = formattedTimes.get(seconds);
  if (formatted === undefined) {
    formatted = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
    if (formattedTimes.size >= maxFormattedTimes) formattedTimes.clear();
    formattedTimes.set(seconds, formatted);
  }
  return formatted;
}

/** The varint from `start` to `end` as a signed int64 (two's complement), exactly. */
function negativeInt64(buf: Buffer, start: number, end: number): number {
  let value = 0n;
  for (let i = end - 1; i >= start; i--) value = (value << 7n) | BigInt(buf[i]! & 0x7f);
  return Number(BigInt.asIntN(64, value));
}

// Each reader below walks its message's fields in a loop and switches on the whole key (field
// number × 8 + wire type), so a field of the expected number but another wire type is skipped,
// never misread. A walk with a callback per field cost a fifth of the read (bench/podDecode.ts).
// `lenN`: the key of length-delimited field N; `intN`: of varint field N.
const len1 = 1 * 8 + 2;
const len2 = 2 * 8 + 2;
const len3 = 3 * 8 + 2;
const len4 = 4 * 8 + 2;
const len5 = 5 * 8 + 2;
const len6 = 6 * 8 + 2;
const len8 = 8 * 8 + 2;
const len9 = 9 * 8 + 2;
const len10 = 10 * 8 + 2;
const len12 = 12 * 8 + 2;
const len13 = 13 * 8 + 2;
const len20 = 20 * 8 + 2;
const len24 = 24 * 8 + 2;
const int1 = 1 * 8;
const int2 = 2 * 8;
const int4 = 4 * 8;
const int5 = 5 * 8;
const int6 = 6 * 8;
const int9 = 9 * 8;

interface Owner {
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
}

/** OwnerReference: kind = 1, name = 3, uid = 4, controller = 6. */
function ownerReference(buf: Buffer, end: number): Owner {
  const fieldEnd = lengthEnd(buf, end);
  const owner: Owner = { kind: undefined, name: undefined, uid: undefined, controller: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === len1) owner.kind = words.read(buf, fieldEnd);
    else if (key === len3) owner.name = text(buf, fieldEnd);
    else if (key === len4) owner.uid = text(buf, fieldEnd);
    else if (key === int6) owner.controller = bool(buf, fieldEnd);
    else skip(buf, key & 7, fieldEnd);
  }
  return owner;
}

/** One entry of a map<string, string>: key = 1, value = 2. */
function stringMapEntry(buf: Buffer, end: number, into: Record<string, string>): void {
  const fieldEnd = lengthEnd(buf, end);
  let name = '';
  let value = '';
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === len1) name = text(buf, fieldEnd) ?? '';
    else if (key === len2) value = text(buf, fieldEnd) ?? '';
    else skip(buf, key & 7, fieldEnd);
  }
  into[name] = value;
}

type Metadata = NonNullable<KubeObject['metadata']> & { annotations?: Record<string, string> };

/**
 * ObjectMeta: name = 1, namespace = 3, uid = 5, resourceVersion = 6, creationTimestamp = 8,
 * deletionTimestamp = 9, annotations = 12 (only for a bookmark, which says with one that it ends
 * the initial events), ownerReferences = 13.
 */
function objectMeta(buf: Buffer, end: number, withAnnotations: boolean): Metadata {
  const fieldEnd = lengthEnd(buf, end);
  const meta: { -readonly [K in keyof Metadata]: Metadata[K] } = {
    name: undefined,
    namespace: undefined,
    uid: undefined,
    resourceVersion: undefined,
    creationTimestamp: undefined,
    deletionTimestamp: undefined,
    ownerReferences: undefined,
    annotations: undefined,
  };
  let owners: Owner[] | undefined;
  let annotations: Record<string, string> | undefined;
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    switch (key) {
      case len1:
        meta.name = text(buf, fieldEnd);
        break;
      case len3:
        meta.namespace = text(buf, fieldEnd);
        break;
      case len5:
        meta.uid = text(buf, fieldEnd);
        break;
      case len6:
        meta.resourceVersion = text(buf, fieldEnd);
        break;
      case len8:
        meta.creationTimestamp = time(buf, fieldEnd);
        break;
      case len9:
        meta.deletionTimestamp = time(buf, fieldEnd);
        break;
      case len12:
        if (withAnnotations) stringMapEntry(buf, fieldEnd, (annotations ??= {}));
        else skip(buf, 2, fieldEnd);
        break;
      case len13:
        (owners ??= []).push(ownerReference(buf, fieldEnd));
        break;
      default:
        skip(buf, key & 7, fieldEnd);
    }
  }
  meta.ownerReferences = owners;
  meta.annotations = annotations;
  return meta;
}

/** A Container: name = 1, and restartPolicy = 24 (`Always` makes an init container a sidecar). */
function container(buf: Buffer, end: number): { name?: string; restartPolicy?: string } {
  const fieldEnd = lengthEnd(buf, end);
  const out: { name?: string; restartPolicy?: string } = { name: undefined, restartPolicy: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === len1) out.name = text(buf, fieldEnd);
    else if (key === len24) out.restartPolicy = words.read(buf, fieldEnd);
    else skip(buf, key & 7, fieldEnd);
  }
  return out;
}

/** PodSpec: containers = 2, nodeName = 10, initContainers = 20. */
function podSpec(buf: Buffer, end: number): Record<string, unknown> {
  const fieldEnd = lengthEnd(buf, end);
  const spec: { containers?: unknown[]; initContainers?: unknown[]; nodeName?: string } = { containers: undefined, initContainers: undefined, nodeName: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === len2) (spec.containers ??= []).push(container(buf, fieldEnd));
    else if (key === len10) spec.nodeName = text(buf, fieldEnd);
    else if (key === len20) (spec.initContainers ??= []).push(container(buf, fieldEnd));
    else skip(buf, key & 7, fieldEnd);
  }
  return spec;
}

/** PodCondition: type = 1, status = 2, reason = 5. */
function condition(buf: Buffer, end: number): { type?: string; status?: string; reason?: string } {
  const fieldEnd = lengthEnd(buf, end);
  const out: { type?: string; status?: string; reason?: string } = { type: undefined, status: undefined, reason: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === len1) out.type = words.read(buf, fieldEnd);
    else if (key === len2) out.status = words.read(buf, fieldEnd);
    else if (key === len5) out.reason = words.read(buf, fieldEnd);
    else skip(buf, key & 7, fieldEnd);
  }
  return out;
}

/** ContainerStateTerminated: exitCode = 1, signal = 2, reason = 3, finishedAt = 6. */
function terminated(buf: Buffer, end: number): { exitCode?: number; signal?: number; reason?: string; finishedAt?: string } {
  const fieldEnd = lengthEnd(buf, end);
  const out: { exitCode?: number; signal?: number; reason?: string; finishedAt?: string } = { exitCode: undefined, signal: undefined, reason: undefined, finishedAt: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === int1) out.exitCode = int32(buf, fieldEnd);
    else if (key === int2) out.signal = int32(buf, fieldEnd);
    else if (key === len3) out.reason = words.read(buf, fieldEnd);
    else if (key === len6) out.finishedAt = time(buf, fieldEnd);
    else skip(buf, key & 7, fieldEnd);
  }
  return out;
}

/** ContainerStateWaiting: reason = 1. */
function waiting(buf: Buffer, end: number): { reason?: string } {
  const fieldEnd = lengthEnd(buf, end);
  const out: { reason?: string } = { reason: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === len1) out.reason = words.read(buf, fieldEnd);
    else skip(buf, key & 7, fieldEnd);
  }
  return out;
}

/** ContainerState: waiting = 1, running = 2 (only that it is there), terminated = 3. */
function containerState(buf: Buffer, end: number): { waiting?: object; running?: object; terminated?: object } {
  const fieldEnd = lengthEnd(buf, end);
  const out: { waiting?: object; running?: object; terminated?: object } = { waiting: undefined, running: undefined, terminated: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    if (key === len1) out.waiting = waiting(buf, fieldEnd);
    else if (key === len2) {
      skip(buf, 2, fieldEnd);
      out.running = {};
    } else if (key === len3) out.terminated = terminated(buf, fieldEnd);
    else skip(buf, key & 7, fieldEnd);
  }
  return out;
}

/** ContainerStatus: name = 1, state = 2, lastState = 3, ready = 4, restartCount = 5, started = 9. */
interface ContainerStatusFields {
  name?: string;
  state?: object;
  lastState?: object;
  ready?: boolean;
  restartCount?: number;
  started?: boolean;
}

function containerStatus(buf: Buffer, end: number): ContainerStatusFields {
  const fieldEnd = lengthEnd(buf, end);
  const out: ContainerStatusFields = { name: undefined, state: undefined, lastState: undefined, ready: undefined, restartCount: undefined, started: undefined };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    switch (key) {
      case len1:
        out.name = text(buf, fieldEnd);
        break;
      case len2:
        out.state = containerState(buf, fieldEnd);
        break;
      case len3:
        out.lastState = containerState(buf, fieldEnd);
        break;
      case int4:
        out.ready = bool(buf, fieldEnd);
        break;
      case int5:
        out.restartCount = int32(buf, fieldEnd);
        break;
      case int9:
        out.started = bool(buf, fieldEnd);
        break;
      default:
        skip(buf, key & 7, fieldEnd);
    }
  }
  return out;
}

/** PodStatus: phase = 1, conditions = 2, reason = 4, containerStatuses = 8, initContainerStatuses = 10. */
function podStatus(buf: Buffer, end: number): Record<string, unknown> {
  const fieldEnd = lengthEnd(buf, end);
  const status: { phase?: string; reason?: string; conditions?: unknown[]; containerStatuses?: unknown[]; initContainerStatuses?: unknown[] } = {
    phase: undefined,
    reason: undefined,
    conditions: undefined,
    containerStatuses: undefined,
    initContainerStatuses: undefined,
  };
  while (pos < fieldEnd) {
    const key = varint(buf, fieldEnd);
    switch (key) {
      case len1:
        status.phase = words.read(buf, fieldEnd);
        break;
      case len2:
        (status.conditions ??= []).push(condition(buf, fieldEnd));
        break;
      case len4:
        status.reason = words.read(buf, fieldEnd);
        break;
      case len8:
        (status.containerStatuses ??= []).push(containerStatus(buf, fieldEnd));
        break;
      case len10:
        (status.initContainerStatuses ??= []).push(containerStatus(buf, fieldEnd));
        break;
      default:
        skip(buf, key & 7, fieldEnd);
    }
  }
  return status;
}

/** A Pod message {metadata = 1, spec = 2, status = 3}, from `start` to `end`. */
function pod(buf: Buffer, start: number, end: number, withAnnotations: boolean): KubeObject {
  const object: { kind: string; metadata?: Metadata; spec?: unknown; status?: unknown } = { kind: 'Pod', metadata: undefined, spec: undefined, status: undefined };
  pos = start;
  while (pos < end) {
    const key = varint(buf, end);
    if (key === len1) object.metadata = objectMeta(buf, end, withAnnotations);
    else if (key === len2) object.spec = podSpec(buf, end);
    else if (key === len3) object.status = podStatus(buf, end);
    else skip(buf, key & 7, end);
  }
  return object as KubeObject;
}

type StatusObject = { code?: number; message?: string; reason?: string; status?: string };

/** A Status {status = 2, message = 3, reason = 4, code = 6}: what an in-stream ERROR and a refused request carry. */
function status(buf: Buffer, start: number, end: number): StatusObject {
  const out: StatusObject = {};
  pos = start;
  while (pos < end) {
    const key = varint(buf, end);
    if (key === len2) out.status = text(buf, end);
    else if (key === len3) out.message = text(buf, end);
    else if (key === len4) out.reason = text(buf, end);
    else if (key === int6) out.code = int32(buf, end);
    else skip(buf, key & 7, end);
  }
  return out;
}

/** An object's full encoding (`k8s\0` + runtime.Unknown {typeMeta = 1 {kind = 2}, raw = 2, contentEncoding = 3}), read as a Pod or a Status; other kinds are refused. */
function envelopedObject(buf: Buffer, start: number, end: number, withAnnotations: boolean): KubeObject | StatusObject {
  if (end - start < 4 || buf[start] !== magic0 || buf[start + 1] !== magic1 || buf[start + 2] !== magic2 || buf[start + 3] !== 0) {
    throw new ProtobufError('an object does not start with the protobuf magic k8s\\0');
  }
  let kind = '';
  let rawStart = -1;
  let rawEnd = -1;
  let encoding = '';
  pos = start + 4;
  while (pos < end) {
    const key = varint(buf, end);
    if (key === len1) {
      const typeEnd = lengthEnd(buf, end);
      while (pos < typeEnd) {
        const typeKey = varint(buf, typeEnd);
        if (typeKey === len2) kind = text(buf, typeEnd) ?? '';
        else skip(buf, typeKey & 7, typeEnd);
      }
    } else if (key === len2) {
      rawEnd = lengthEnd(buf, end);
      rawStart = pos;
      pos = rawEnd;
    } else if (key === len3) encoding = text(buf, end) ?? '';
    else skip(buf, key & 7, end);
  }
  if (encoding !== '') throw new ProtobufError(`an object in content encoding ${encoding}, which kubelive does not read`);
  if (rawStart < 0) throw new ProtobufError('an object without its raw bytes');
  if (kind === 'Pod') return pod(buf, rawStart, rawEnd, withAnnotations);
  if (kind === 'Status') return status(buf, rawStart, rawEnd);
  throw new ProtobufError(`kubelive reads no ${kind || 'unnamed kind'} in protobuf`);
}

/**
 * One watch event's frame (the bytes after its length): a bare WatchEvent {type = 1, object = 2
 * RawExtension {raw = 1}} whose object is enveloped. Returns the event as its JSON line would
 * parse, with only the fields a pod row reads.
 */
export function readWatchFrame(frame: Buffer): WatchLine {
  const end = frame.length;
  let type = '';
  let objectStart = -1;
  let objectEnd = -1;
  pos = 0;
  while (pos < end) {
    const key = varint(frame, end);
    if (key === len1) type = text(frame, end) ?? '';
    else if (key === len2) {
      const extensionEnd = lengthEnd(frame, end);
      while (pos < extensionEnd) {
        const extensionKey = varint(frame, extensionEnd);
        if (extensionKey === len1) {
          objectEnd = lengthEnd(frame, extensionEnd);
          objectStart = pos;
          pos = objectEnd;
        } else skip(frame, extensionKey & 7, extensionEnd);
      }
    } else skip(frame, key & 7, end);
  }
  if (type === '') throw new ProtobufError('a watch event without a type');
  if (objectStart < 0) return { type };
  return { type, object: envelopedObject(frame, objectStart, objectEnd, type === 'BOOKMARK') as WatchLine['object'] };
}

/** A refused request's body in protobuf: its Status, or null when the body is not one. */
export function readStatusBody(body: Buffer): { code?: number; message?: string; reason?: string } | null {
  try {
    const object = envelopedObject(body, 0, body.length, false);
    return 'kind' in object ? null : (object as StatusObject);
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
