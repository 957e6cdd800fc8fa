/**
 * Writes core/v1 Pods, PodLists and Status objects in Kubernetes protobuf, byte for byte as
 * kube-apiserver's generated Go marshallers write them, so a client that asks for
 * `application/vnd.kubernetes.protobuf` can read pods without parsing JSON and skip whole
 * subtrees by their length (docs/demo-cluster.md, "Pods in protobuf").
 *
 * The encoder is driven by a schema: for each message, the JSON field name, its field number
 * and how it is written, taken from k8s.io/api core/v1/generated.proto and apimachinery's
 * meta/v1, runtime, intstr and resource protos. Go's generated code (generated.pb.go) writes a
 * pointer, slice or map field only when it is set, but a plain string, number, bool or embedded
 * struct always, zero or not; `A` marks those, so an absent JSON field is written as "" / 0 /
 * false / an empty message exactly where Go writes it. A JSON field the schema does not know is
 * left out: a typed server would have pruned it when the object was created.
 *
 * Stored objects are never changed in place (store.ts), and the load source's `beat` shares a
 * pod's spec, status, labels and owner references with the version before, so those fields'
 * bytes are kept by object identity (`sharedAcrossVersions`) and a beat re-encodes only its
 * metadata.
 */
import type { Status } from './status.js';

/** How one field is written. */
type FieldKind = 'string' | 'int' | 'bool' | 'time' | 'quantity' | 'intOrString' | 'message' | 'inline' | 'strings' | 'ints' | 'list' | 'stringMap' | 'quantityMap';

interface FieldSpec {
  readonly json: string;
  readonly no: number;
  readonly kind: FieldKind;
  /** Written even when unset, as Go writes a non-pointer field. */
  readonly always: boolean;
  readonly schema?: MessageSchema;
  /** The field's key bytes, ready to copy. */
  readonly key: Buffer;
  /** The field's encoded bytes by its value's identity, for values shared across versions. */
  cache?: WeakMap<object, Buffer>;
}

interface MessageSchema extends ReadonlyArray<FieldSpec> {
  /** The message's writer, made at its first use (`writeMessage`). */
  write?: MessageWriter;
}

type MessageWriter = (w: Writer, object: Record<string, unknown>) => void;

type Spec = Omit<FieldSpec, 'json' | 'key'>;

const A = true;
const str = (no: number, always = false): Spec => ({ no, kind: 'string', always });
const int = (no: number, always = false): Spec => ({ no, kind: 'int', always });
const bool = (no: number, always = false): Spec => ({ no, kind: 'bool', always });
const time = (no: number, always = false): Spec => ({ no, kind: 'time', always });
const quantity = (no: number, always = false): Spec => ({ no, kind: 'quantity', always });
const intOrString = (no: number, always = false): Spec => ({ no, kind: 'intOrString', always });
const msg = (no: number, schema: MessageSchema, always = false): Spec => ({ no, kind: 'message', always, schema });
/** A Go struct embedded in its parent: its JSON fields sit in the parent's object, its bytes in a field of their own. */
const inline = (no: number, schema: MessageSchema, always = false): Spec => ({ no, kind: 'inline', always, schema });
const strings = (no: number): Spec => ({ no, kind: 'strings', always: false });
const ints = (no: number): Spec => ({ no, kind: 'ints', always: false });
const list = (no: number, schema: MessageSchema): Spec => ({ no, kind: 'list', always: false, schema });
const stringMap = (no: number): Spec => ({ no, kind: 'stringMap', always: false });
const quantityMap = (no: number): Spec => ({ no, kind: 'quantityMap', always: false });

const wireTypeOf = (kind: FieldKind): number => (kind === 'int' || kind === 'bool' || kind === 'ints' ? 0 : 2);

/** A message's fields in field-number order, the order Go's marshallers write them in. */
function message(fields: Record<string, Spec>): MessageSchema {
  return Object.entries(fields)
    .map(([json, spec]) => ({ ...spec, json, key: varintBytes(spec.no * 8 + wireTypeOf(spec.kind)) }))
    .sort((a, b) => a.no - b.no);
}

/** A non-negative whole number as a varint. */
export function varintBytes(value: number): Buffer {
  const bytes: number[] = [];
  while (value > 127) {
    bytes.push((value % 128) | 128);
    value = Math.floor(value / 128);
  }
  bytes.push(value);
  return Buffer.from(bytes);
}

// Field numbers and Go's always-written fields: k8s.io/api core/v1 generated.proto and
// generated.pb.go (MarshalToSizedBuffer), apimachinery meta/v1 likewise.
const keyToPath = message({ key: str(1, A), path: str(2, A), mode: int(3), user: int(4) });
const localObjectReference = message({ name: str(1, A) });
const hostPathVolumeSource = message({ path: str(1, A), type: str(2) });
const emptyDirVolumeSource = message({ medium: str(1, A), sizeLimit: quantity(2), mode: int(3) });
const secretVolumeSource = message({ secretName: str(1, A), items: list(2, keyToPath), defaultMode: int(3), optional: bool(4), defaultUser: int(5) });
const configMapVolumeSource = message({ localObjectReference: inline(1, localObjectReference, A), items: list(2, keyToPath), defaultMode: int(3), optional: bool(4), defaultUser: int(5) });
const persistentVolumeClaimVolumeSource = message({ claimName: str(1, A), readOnly: bool(2, A) });
// Not served: gcePersistentDisk, awsElasticBlockStore, gitRepo, nfs, iscsi, glusterfs, rbd, flexVolume, cinder, cephfs, flocker, downwardAPI, fc, azureFile, vsphereVolume, quobyte, azureDisk, photonPersistentDisk, portworxVolume, scaleIO, projected, storageos, csi, ephemeral, image.
const volumeSource = message({ hostPath: msg(1, hostPathVolumeSource), emptyDir: msg(2, emptyDirVolumeSource), secret: msg(6, secretVolumeSource), persistentVolumeClaim: msg(10, persistentVolumeClaimVolumeSource), configMap: msg(19, configMapVolumeSource) });
const volume = message({ name: str(1, A), volumeSource: inline(2, volumeSource, A) });
const objectFieldSelector = message({ apiVersion: str(1, A), fieldPath: str(2, A) });
const configMapKeySelector = message({ localObjectReference: inline(1, localObjectReference, A), key: str(2, A), optional: bool(3) });
const secretKeySelector = message({ localObjectReference: inline(1, localObjectReference, A), key: str(2, A), optional: bool(3) });
// Not served: resourceFieldRef, fileKeyRef.
const envVarSource = message({ fieldRef: msg(1, objectFieldSelector), configMapKeyRef: msg(3, configMapKeySelector), secretKeyRef: msg(4, secretKeySelector) });
const envVar = message({ name: str(1, A), value: str(2, A), valueFrom: msg(3, envVarSource) });
const containerPort = message({ name: str(1, A), hostPort: int(2, A), containerPort: int(3, A), protocol: str(4, A), hostIP: str(5, A) });
const execAction = message({ command: strings(1) });
// Not served: httpHeaders.
const httpGetAction = message({ path: str(1, A), port: intOrString(2, A), host: str(3, A), scheme: str(4, A), protocol: str(6) });
const tcpSocketAction = message({ port: intOrString(1, A), host: str(2, A) });
// Not served: grpc.
const probeHandler = message({ exec: msg(1, execAction), httpGet: msg(2, httpGetAction), tcpSocket: msg(3, tcpSocketAction) });
const probe = message({ handler: inline(1, probeHandler, A), initialDelaySeconds: int(2, A), timeoutSeconds: int(3, A), periodSeconds: int(4, A), successThreshold: int(5, A), failureThreshold: int(6, A), terminationGracePeriodSeconds: int(7) });
const volumeMount = message({ name: str(1, A), readOnly: bool(2, A), mountPath: str(3, A), subPath: str(4, A), mountPropagation: str(5), subPathExpr: str(6, A), recursiveReadOnly: str(7), bindMountOptions: strings(8) });
// Not served: claims.
const resourceRequirements = message({ limits: quantityMap(1), requests: quantityMap(2) });
// Not served: capabilities, seLinuxOptions, windowsOptions, seccompProfile, appArmorProfile.
const securityContext = message({ privileged: bool(2), runAsUser: int(4), runAsNonRoot: bool(5), readOnlyRootFilesystem: bool(6), allowPrivilegeEscalation: bool(7), runAsGroup: int(8), procMount: str(9) });
// Not served: lifecycle, envFrom, volumeDevices, resizePolicy, restartPolicyRules.
const container = message({ name: str(1, A), image: str(2, A), command: strings(3), args: strings(4), workingDir: str(5, A), ports: list(6, containerPort), env: list(7, envVar), resources: msg(8, resourceRequirements, A), volumeMounts: list(9, volumeMount), livenessProbe: msg(10, probe), readinessProbe: msg(11, probe), terminationMessagePath: str(13, A), imagePullPolicy: str(14, A), securityContext: msg(15, securityContext), stdin: bool(16, A), stdinOnce: bool(17, A), tty: bool(18, A), terminationMessagePolicy: str(20, A), startupProbe: msg(22, probe), restartPolicy: str(24) });
const toleration = message({ key: str(1, A), operator: str(2, A), value: str(3, A), effect: str(4, A), tolerationSeconds: int(5) });
const podSchedulingGate = message({ name: str(1, A) });
const podReadinessGate = message({ conditionType: str(1, A) });
// Not served: seLinuxOptions, sysctls, windowsOptions, seccompProfile, appArmorProfile.
const podSecurityContext = message({ runAsUser: int(2), runAsNonRoot: bool(3), supplementalGroups: ints(4), fsGroup: int(5), runAsGroup: int(6), fsGroupChangePolicy: str(9), supplementalGroupsPolicy: str(12), seLinuxChangePolicy: str(13) });
// Not served: affinity, hostAliases, dnsConfig, topologySpreadConstraints, ephemeralContainers, os, resourceClaims, schedulingGroup, evictionResponders.
const podSpec = message({ volumes: list(1, volume), containers: list(2, container), restartPolicy: str(3, A), terminationGracePeriodSeconds: int(4), activeDeadlineSeconds: int(5), dnsPolicy: str(6, A), nodeSelector: stringMap(7), serviceAccountName: str(8, A), serviceAccount: str(9, A), nodeName: str(10, A), hostNetwork: bool(11, A), hostPID: bool(12, A), hostIPC: bool(13, A), securityContext: msg(14, podSecurityContext), imagePullSecrets: list(15, localObjectReference), hostname: str(16, A), subdomain: str(17, A), schedulerName: str(19, A), initContainers: list(20, container), automountServiceAccountToken: bool(21), tolerations: list(22, toleration), priorityClassName: str(24, A), priority: int(25), shareProcessNamespace: bool(27), readinessGates: list(28, podReadinessGate), runtimeClassName: str(29), enableServiceLinks: bool(30), preemptionPolicy: str(31), overhead: quantityMap(32), setHostnameAsFQDN: bool(35), hostUsers: bool(37), schedulingGates: list(38, podSchedulingGate), resources: msg(40, resourceRequirements), hostnameOverride: str(41) });
const containerStateWaiting = message({ reason: str(1, A), message: str(2, A) });
const containerStateRunning = message({ startedAt: time(1, A) });
const containerStateTerminated = message({ exitCode: int(1, A), signal: int(2, A), reason: str(3, A), message: str(4, A), startedAt: time(5, A), finishedAt: time(6, A), containerID: str(7, A) });
const containerState = message({ waiting: msg(1, containerStateWaiting), running: msg(2, containerStateRunning), terminated: msg(3, containerStateTerminated) });
// Not served: volumeMounts, user, allocatedResourcesStatus.
const containerStatus = message({ name: str(1, A), state: msg(2, containerState, A), lastState: msg(3, containerState, A), ready: bool(4, A), restartCount: int(5, A), image: str(6, A), imageID: str(7, A), containerID: str(8, A), started: bool(9), allocatedResources: quantityMap(10), resources: msg(11, resourceRequirements), stopSignal: str(15) });
const podCondition = message({ type: str(1, A), status: str(2, A), lastProbeTime: time(3, A), lastTransitionTime: time(4, A), reason: str(5, A), message: str(6, A), observedGeneration: int(7, A) });
const podIP = message({ ip: str(1, A) });
const hostIP = message({ ip: str(1, A) });
// Not served: resourceClaimStatuses, extendedResourceClaimStatus, nodeAllocatableResourceClaimStatuses, volumeHealth.
const podStatus = message({ phase: str(1, A), conditions: list(2, podCondition), message: str(3, A), reason: str(4, A), hostIP: str(5, A), podIP: str(6, A), startTime: time(7), containerStatuses: list(8, containerStatus), qosClass: str(9, A), initContainerStatuses: list(10, containerStatus), nominatedNodeName: str(11, A), podIPs: list(12, podIP), ephemeralContainerStatuses: list(13, containerStatus), resize: str(14, A), hostIPs: list(16, hostIP), observedGeneration: int(17, A), allocatedResources: quantityMap(19), resources: msg(20, resourceRequirements) });
const ownerReference = message({ kind: str(1, A), name: str(3, A), uid: str(4, A), apiVersion: str(5, A), controller: bool(6), blockOwnerDeletion: bool(7) });
// Not served: managedFields.
const objectMeta = message({ name: str(1, A), generateName: str(2, A), namespace: str(3, A), selfLink: str(4, A), uid: str(5, A), resourceVersion: str(6, A), generation: int(7, A), creationTimestamp: time(8, A), deletionTimestamp: time(9), deletionGracePeriodSeconds: int(10), labels: stringMap(11), annotations: stringMap(12), ownerReferences: list(13, ownerReference), finalizers: strings(14) });
const pod = message({ metadata: msg(1, objectMeta, A), spec: msg(2, podSpec, A), status: msg(3, podStatus, A) });
// Not served: shardInfo.
const listMeta = message({ selfLink: str(1, A), resourceVersion: str(2, A), continue: str(3, A), remainingItemCount: int(4) });
const podList = message({ metadata: msg(1, listMeta, A), items: list(2, pod) });
const statusCause = message({ reason: str(1, A), message: str(2, A), field: str(3, A) });
const statusDetails = message({ name: str(1, A), group: str(2, A), kind: str(3, A), causes: list(4, statusCause), retryAfterSeconds: int(5, A), uid: str(6, A) });
const statusSchema = message({ metadata: msg(1, listMeta, A), status: str(2, A), message: str(3, A), reason: str(4, A), details: msg(5, statusDetails), code: int(6, A) });

/** Fields whose values `beat` (load.ts) shares with the version before: kept encoded by identity. */
function sharedAcrossVersions(schema: MessageSchema, ...names: string[]): void {
  for (const field of schema) if (names.includes(field.json)) field.cache = new WeakMap();
}
sharedAcrossVersions(pod, 'spec', 'status');
sharedAcrossVersions(objectMeta, 'labels', 'ownerReferences');

/**
 * One growing scratch buffer every encoding is written into, then copied out at its exact size.
 * A length-delimited field reserves one byte for its length and moves its bytes along in the
 * rare case the length needs more (`end`), so nothing is measured twice.
 */
class Writer {
  buf = Buffer.allocUnsafe(256 * 1024);
  at = 0;

  room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }

  bytes(b: Buffer): void {
    this.room(b.length);
    // TypedArray#set: Buffer#copy's argument checks cost more than the copy at these sizes.
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** A non-negative whole number, or a negative one as Go writes int32 and int64: ten bytes of two's complement. */
  varint(value: number): void {
    this.room(10);
    const buf = this.buf;
    if (value < 0) {
      let v = BigInt.asUintN(64, BigInt(Math.trunc(value)));
      while (v > 127n) {
        buf[this.at++] = Number(v & 127n) | 128;
        v >>= 7n;
      }
      buf[this.at++] = Number(v);
      return;
    }
    while (value > 127) {
      buf[this.at++] = (value % 128) | 128;
      value = Math.floor(value / 128);
    }
    buf[this.at++] = value;
  }

  /** Reserves a length byte; `end` fills it in. */
  begin(): number {
    this.room(1);
    return this.at++;
  }

  end(lengthAt: number): void {
    const length = this.at - lengthAt - 1;
    if (length < 128) {
      this.buf[lengthAt] = length;
      return;
    }
    const size = length < 16_384 ? 2 : length < 2_097_152 ? 3 : length < 268_435_456 ? 4 : 5;
    this.room(size - 1);
    const buf = this.buf;
    buf.copyWithin(lengthAt + size, lengthAt + 1, this.at);
    let value = length;
    for (let i = lengthAt; i < lengthAt + size - 1; i++) {
      buf[i] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    buf[lengthAt + size - 1] = value;
    this.at += size - 1;
  }

  string(text: string): void {
    const n = text.length;
    this.room(n * 3 + 1);
    const buf = this.buf;
    const lengthAt = this.at++;
    // Most of a pod's strings are short and ASCII: copied here, they skip a call into C++ that
    // costs more than the copy. Anything else is written by Buffer#write.
    if (n < 64) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        buf[this.at + i] = c;
      }
      if (i === n) {
        buf[lengthAt] = n;
        this.at += n;
        return;
      }
    }
    this.at += buf.write(text, this.at);
    this.end(lengthAt);
  }

  /** The bytes written since `from`, copied out (the scratch is reused). */
  take(from: number): Buffer {
    const out = Buffer.allocUnsafe(this.at - from);
    out.set(this.buf.subarray(from, this.at));
    return out;
  }
}

const writer = new Writer();


/** Parsed times: a pod repeats a handful (created, started, its conditions'), and Date.parse is a tenth of a fresh pod's cost. */
const parsedTimes = new Map<string, number>();
const parsedTimesBound = 50_000;

/** Whole seconds since the epoch of an RFC 3339 time, as metav1.Time keeps them (NaN for a text that is no time). */
function secondsOf(text: string): number {
  let seconds = parsedTimes.get(text);
  if (seconds === undefined) {
    seconds = Math.floor(Date.parse(text) / 1000);
    if (parsedTimes.size >= parsedTimesBound) parsedTimes.clear();
    parsedTimes.set(text, seconds);
  }
  return seconds;
}


function writeMessage(w: Writer, schema: MessageSchema, object: Record<string, unknown>): void {
  (schema.write ??= compileWriter(schema))(w, object);
}

/**
 * A message's writer as straight-line code, one statement per field in field-number order, each
 * reading its JSON field by a name written into the code. A loop over the schema reading
 * `object[field.json]` sees every message's shapes at one site and runs about twice as slow; the
 * compiled writer gives each field a site of its own. Only the field names and indices of this
 * module's own schema go into the code.
 */
function compileWriter(schema: MessageSchema): MessageWriter {
  const statements = schema.map((field, i) => {
    const read = field.kind === 'inline' ? 'v = o;' : `v = o[${JSON.stringify(field.json)}];`;
    const unset = field.always ? `writeZero(w, F[${i}]);` : '';
    const set =
      field.cache !== undefined
        ? `writeCachedField(w, F[${i}], v);`
        : field.kind === 'string'
          ? `{ w.bytes(F[${i}].key); w.string(typeof v === 'string' ? v : String(v)); }`
          : `writeField(w, F[${i}], v);`;
    return `${read}\nif (v === undefined || v === null) { ${unset} } else ${set}`;
  });
  const make = new Function('F', 'writeZero', 'writeField', 'writeCachedField', `return function write(w, o) {\nlet v;\n${statements.join('\n')}\n};`) as (
    fields: MessageSchema,
    zero: typeof writeZero,
    field: typeof writeField,
    cached: typeof writeCachedField,
  ) => MessageWriter;
  return make(schema, writeZero, writeField, writeCachedField);
}

/** A field whose value may be shared across versions: its bytes by the value's identity. */
function writeCachedField(w: Writer, field: FieldSpec, value: unknown): void {
  const cache = field.cache!;
  if (typeof value !== 'object' || value === null) {
    writeField(w, field, value);
    return;
  }
  const bytes = cache.get(value);
  if (bytes !== undefined) {
    w.bytes(bytes);
    return;
  }
  const from = w.at;
  writeField(w, field, value);
  cache.set(value, w.take(from));
}

/** What Go writes for a non-pointer field left at its zero value. */
function writeZero(w: Writer, field: FieldSpec): void {
  w.bytes(field.key);
  if (field.kind === 'int' || field.kind === 'bool') w.varint(0);
  else if (field.kind === 'message' || field.kind === 'inline' || field.kind === 'intOrString' || field.kind === 'quantity') {
    const lengthAt = w.begin();
    if (field.schema) writeMessage(w, field.schema, {});
    else if (field.kind === 'intOrString') writeIntOrString(w, 0);
    else w.bytes(emptyQuantity);
    w.end(lengthAt);
  } else w.varint(0); // an empty string, or a zero Time (which Go writes as an empty message)
}

/** A zero resource.Quantity: Go writes its canonical text, "0". */
const emptyQuantity = Buffer.from([0x0a, 0x01, 0x30]);

function writeIntOrString(w: Writer, value: unknown): void {
  if (typeof value === 'number') {
    w.bytes(intOrStringIntHead);
    w.varint(value);
    w.bytes(emptyStringField3);
  } else {
    w.bytes(intOrStringStringHead);
    w.string(String(value));
  }
}
/** type = 0 (Int), then intVal's key. */
const intOrStringIntHead = Buffer.from([0x08, 0x00, 0x10]);
const emptyStringField3 = Buffer.from([0x1a, 0x00]);
/** type = 1 (String), intVal = 0, then strVal's key. */
const intOrStringStringHead = Buffer.from([0x08, 0x01, 0x10, 0x00, 0x1a]);

function writeField(w: Writer, field: FieldSpec, value: unknown): void {
  switch (field.kind) {
    case 'string':
      w.bytes(field.key);
      w.string(String(value));
      return;
    case 'int':
      w.bytes(field.key);
      w.varint(Number(value));
      return;
    case 'bool':
      w.bytes(field.key);
      w.varint(value ? 1 : 0);
      return;
    case 'time': {
      // A text that is no time (a typed server would have refused it) is written as the zero
      // time, an empty message.
      const seconds = secondsOf(String(value));
      w.bytes(field.key);
      if (Number.isNaN(seconds)) {
        w.varint(0);
        return;
      }
      const lengthAt = w.begin();
      w.varint(0x08);
      w.varint(seconds);
      // nanos = 2 is always written, and always 0: metav1.Time keeps whole seconds (time_proto.go).
      w.varint(0x10);
      w.varint(0);
      w.end(lengthAt);
      return;
    }
    case 'quantity': {
      w.bytes(field.key);
      const lengthAt = w.begin();
      w.varint(0x0a);
      w.string(String(value));
      w.end(lengthAt);
      return;
    }
    case 'intOrString': {
      w.bytes(field.key);
      const lengthAt = w.begin();
      writeIntOrString(w, value);
      w.end(lengthAt);
      return;
    }
    case 'message':
    case 'inline': {
      if (typeof value !== 'object' || Array.isArray(value)) return;
      w.bytes(field.key);
      const lengthAt = w.begin();
      writeMessage(w, field.schema!, value as Record<string, unknown>);
      w.end(lengthAt);
      return;
    }
    case 'strings':
      if (!Array.isArray(value)) return;
      for (const item of value) {
        w.bytes(field.key);
        w.string(String(item));
      }
      return;
    case 'ints':
      if (!Array.isArray(value)) return;
      for (const item of value) {
        w.bytes(field.key);
        w.varint(Number(item));
      }
      return;
    case 'list':
      if (!Array.isArray(value)) return;
      for (const item of value) {
        if (item === null || typeof item !== 'object') continue;
        w.bytes(field.key);
        const lengthAt = w.begin();
        writeMessage(w, field.schema!, item as Record<string, unknown>);
        w.end(lengthAt);
      }
      return;
    case 'stringMap':
    case 'quantityMap': {
      if (typeof value !== 'object') return;
      const map = value as Record<string, unknown>;
      // Go writes map entries in the order of their sorted keys.
      for (const key of Object.keys(map).sort()) {
        w.bytes(field.key);
        const entryAt = w.begin();
        w.varint(0x0a);
        w.string(key);
        w.varint(0x12);
        if (field.kind === 'stringMap') w.string(String(map[key] ?? ''));
        else {
          const quantityAt = w.begin();
          w.varint(0x0a);
          w.string(String(map[key] ?? '0'));
          w.end(quantityAt);
        }
        w.end(entryAt);
      }
      return;
    }
  }
}

function encodeWith(schema: MessageSchema, object: object): Buffer {
  writer.at = 0;
  writeMessage(writer, schema, object as Record<string, unknown>);
  return writer.take(0);
}

/** A Pod's own message bytes (k8s.io.api.core.v1.Pod), what an Unknown's raw carries. */
export function encodePod(object: object): Buffer {
  return encodeWith(pod, object);
}

/** A Status's own message bytes (k8s.io.apimachinery.pkg.apis.meta.v1.Status). */
export function encodeStatus(status: Status): Buffer {
  return encodeWith(statusSchema, status);
}

export interface ListMetaFields {
  resourceVersion: string;
  continue?: string | undefined;
  remainingItemCount?: number | undefined;
}

/** A PodList's ListMeta field (metadata = 1), to go before its items. */
export function encodeListMetaField(metadata: ListMetaFields): Buffer {
  return encodeWith(podListHead, { metadata });
}
const podListHead = message({ metadata: msg(1, listMeta, A) });

/** A whole PodList's full encoding, for tests and small lists (the server writes lists in slices: http.ts). */
export function encodePodListEnvelope(metadata: ListMetaFields, items: readonly object[]): Buffer {
  const pieces: Buffer[] = [encodeListMetaField(metadata)];
  for (const item of items) {
    const raw = encodePod(item);
    pieces.push(podListItemKey, varintBytes(raw.length), raw);
  }
  return encodeEnvelope('v1', 'PodList', Buffer.concat(pieces));
}

/** The key of PodList.items (field 2, length-delimited). */
export const podListItemKey = Buffer.from([0x12]);

/** The magic that starts every protobuf body kube-apiserver writes outside a watch stream. */
export const protobufMagic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/**
 * The full encoding of an object, as a GET answers and a watch event embeds it: the magic, then
 * a runtime.Unknown whose typeMeta names the kind, whose raw is the object's message, and whose
 * contentEncoding and contentType are written empty (Go writes them unconditionally).
 */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Buffer): Buffer {
  return Buffer.concat([envelopeHead(apiVersion, kind, raw.length), raw, envelopeTail]);
}

/** Everything of an envelope before its raw bytes. */
export function envelopeHead(apiVersion: string, kind: string, rawLength: number): Buffer {
  const w = writer;
  w.at = 0;
  w.bytes(protobufMagic);
  w.varint(0x0a);
  const typeMetaAt = w.begin();
  w.varint(0x0a);
  w.string(apiVersion);
  w.varint(0x12);
  w.string(kind);
  w.end(typeMetaAt);
  w.varint(0x12);
  w.varint(rawLength);
  return w.take(0);
}

/** contentEncoding = 3 and contentType = 4, both empty. */
export const envelopeTail = Buffer.from([0x1a, 0x00, 0x22, 0x00]);

/** The magic and a Pod's typeMeta, then the key of raw. */
const podEnvelopeHead = (() => {
  const head = envelopeHead('v1', 'Pod', 0);
  return head.subarray(0, head.length - 1);
})();

/** The raw object bytes inside a full encoding (`encodeEnvelope`'s `raw`). */
export function rawOfEnvelope(full: Buffer): Buffer {
  let at = protobufMagic.length + 1;
  const [typeMetaLength, afterLength] = readVarint(full, at);
  at = afterLength + typeMetaLength + 1;
  const [rawLength, rawAt] = readVarint(full, at);
  return full.subarray(rawAt, rawAt + rawLength);
}

function readVarint(buf: Buffer, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = buf[at++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 128) return [value, at];
    scale *= 128;
  }
}

/**
 * Everything of a watch frame before its embedded object: the LengthDelimitedFramer's 4-byte
 * big-endian length, then a metav1.WatchEvent's type = 1 and the key and length of object = 2,
 * a RawExtension whose raw = 1 is `embeddedLength` bytes (the object's full encoding).
 */
export function watchFrameHead(type: string, embeddedLength: number): Buffer {
  const w = writer;
  w.at = 4;
  w.varint(0x0a);
  w.string(type);
  w.varint(0x12);
  const rawExtensionLength = 1 + varintBytes(embeddedLength).length + embeddedLength;
  w.varint(rawExtensionLength);
  w.varint(0x0a);
  w.varint(embeddedLength);
  const head = w.take(0);
  head.writeUInt32BE(head.length - 4 + embeddedLength, 0);
  return head;
}

/** One whole watch frame: `watchFrameHead` and the embedded object's full encoding. */
export function encodeWatchFrame(type: string, embedded: Buffer): Buffer {
  return Buffer.concat([watchFrameHead(type, embedded.length), embedded]);
}

/** A Pod's full encoding, as a GET of it answers: `encodeEnvelope('v1', 'Pod', encodePod(object))`, written in one pass. */
export function encodePodEnvelope(object: object): Buffer {
  const w = writer;
  w.at = 0;
  w.bytes(podEnvelopeHead);
  const rawAt = w.begin();
  writeMessage(w, pod, object as Record<string, unknown>);
  w.end(rawAt);
  w.bytes(envelopeTail);
  return w.take(0);
}

/** A Status's full encoding: kind Status, apiVersion v1, as kube-apiserver's core group writes its errors. */
export function encodeStatusEnvelope(status: Status): Buffer {
  return encodeEnvelope('v1', 'Status', encodeStatus(status));
}

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';
export const protobufWatchMediaType = 'application/vnd.kubernetes.protobuf;stream=watch';
