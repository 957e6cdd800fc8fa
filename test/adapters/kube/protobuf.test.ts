/**
 * The backend's protobuf reader of Pod watch events (adapters/kube/protobuf.ts), against frames
 * written here field by field from the generated.proto numbers, so a wrong number in the reader
 * shows as a missing or wrong value. That every pod the demo cluster serves reads to the same row
 * as its JSON is pinned in protobufPods.test.ts.
 */
import { FrameSplitter, ProtobufError, readStatusBody, readWatchFrame } from '../../../adapters/kube/protobuf.js';
import { podRow, type KubeObject } from '../../../adapters/kube/rows.js';

// --- a writer for the test's frames -----------------------------------------------------------

function varint(value: number | bigint): Buffer {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}
const key = (no: number, wire: number) => varint(no * 8 + wire);
const num = (no: number, value: number | bigint) => Buffer.concat([key(no, 0), varint(value)]);
const bytes = (no: number, value: Buffer) => Buffer.concat([key(no, 2), varint(value.length), value]);
const str = (no: number, value: string) => bytes(no, Buffer.from(value, 'utf8'));
const msg = (no: number, ...fields: Buffer[]) => bytes(no, Buffer.concat(fields));
const time = (no: number, iso: string) => msg(no, num(1, Date.parse(iso) / 1000));
const entry = (no: number, k: string, v: string) => msg(no, str(1, k), str(2, v));

function enveloped(kind: string, raw: Buffer, apiVersion = 'v1'): Buffer {
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(1, str(1, apiVersion), str(2, kind)), bytes(2, raw), str(3, ''), str(4, '')]);
}
const watchEvent = (type: string, object: Buffer) => Buffer.concat([str(1, type), msg(2, bytes(1, object))]);
const framed = (frame: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(frame.length);
  return Buffer.concat([length, frame]);
};

// A pod in the shape the demo and a kubelet write: a sidecar init container, a main container
// that restarted, owners, labels, and the fields a row never reads (volumes, env, IPs).
const podJson: KubeObject = {
  metadata: {
    name: 'web-7d-abcde',
    namespace: 'shop',
    uid: 'u-1',
    resourceVersion: '4711',
    creationTimestamp: '2026-12-01T10:00:00Z',
    labels: { app: 'web' },
    ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d', uid: 'rs-1', controller: true }],
  },
  spec: {
    nodeName: 'node-3',
    initContainers: [{ name: 'proxy', restartPolicy: 'Always' }],
    containers: [{ name: 'app' }, { name: 'log' }],
  },
  status: {
    phase: 'Running',
    conditions: [
      { type: 'Initialized', status: 'True' },
      { type: 'Ready', status: 'False', reason: 'ContainersNotReady' },
    ],
    initContainerStatuses: [{ name: 'proxy', ready: true, started: true, restartCount: 1, state: { running: {} } }],
    containerStatuses: [
      { name: 'app', ready: true, restartCount: 3, state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', finishedAt: '2026-12-01T11:00:00Z' } } },
      { name: 'log', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } },
    ],
  },
};

function podBytes(extra: Buffer[] = []): Buffer {
  const meta = msg(
    1,
    str(1, 'web-7d-abcde'),
    str(2, 'web-7d-'),
    str(3, 'shop'),
    str(5, 'u-1'),
    str(6, '4711'),
    num(7, 2),
    time(8, '2026-12-01T10:00:00Z'),
    entry(11, 'app', 'web'),
    entry(12, 'note', 'skipped unless a bookmark'),
    msg(13, str(1, 'ReplicaSet'), str(3, 'web-7d'), str(4, 'rs-1'), str(5, 'apps/v1'), num(6, 1), num(7, 1)),
  );
  const running = msg(2, msg(2, time(1, '2026-12-01T10:01:00Z')));
  const spec = msg(
    2,
    msg(1, str(1, 'data'), msg(2, str(1, '/x'))), // a volume: skipped
    msg(20, str(1, 'proxy'), str(2, 'envoy:1'), str(24, 'Always')),
    msg(2, str(1, 'app'), str(2, 'web:2'), msg(7, str(1, 'A'), str(2, 'b'))),
    msg(2, str(1, 'log'), str(2, 'fluent:1')),
    str(3, 'Always'),
    str(10, 'node-3'),
  );
  const status = msg(
    3,
    str(1, 'Running'),
    msg(2, str(1, 'Initialized'), str(2, 'True')),
    msg(2, str(1, 'Ready'), str(2, 'False'), str(5, 'ContainersNotReady'), str(6, 'containers with unready status: [log]')),
    str(5, '10.0.0.3'), // hostIP: skipped
    msg(10, str(1, 'proxy'), running, num(4, 1), num(5, 1), str(6, 'envoy:1'), num(9, 1)),
    msg(
      8,
      str(1, 'app'),
      running,
      msg(3, msg(3, num(1, 137), str(3, 'OOMKilled'), time(5, '2026-12-01T10:30:00Z'), time(6, '2026-12-01T11:00:00Z'))),
      num(4, 1),
      num(5, 3),
      str(6, 'web:2'),
      str(8, 'containerd://abc'),
    ),
    msg(8, str(1, 'log'), msg(2, msg(1, str(1, 'CrashLoopBackOff'), str(2, 'back-off 5m'))), num(4, 0), num(5, 0)),
  );
  return Buffer.concat([meta, spec, status, ...extra]);
}

describe('protobuf Pod watch events', () => {
  test('readsThePodFieldsARowUsesByTheirNumbers', () => {
    const event = readWatchFrame(watchEvent('MODIFIED', enveloped('Pod', podBytes())));
    expect(event.type).toBe('MODIFIED');
    const object = event.object as KubeObject;
    expect(object.metadata).toEqual({
      name: 'web-7d-abcde',
      namespace: 'shop',
      uid: 'u-1',
      resourceVersion: '4711',
      creationTimestamp: '2026-12-01T10:00:00Z',
      ownerReferences: [{ kind: 'ReplicaSet', name: 'web-7d', uid: 'rs-1', controller: true }],
    });
    expect(podRow(object)).toEqual(podRow(podJson));
    expect(podRow(object)).toMatchObject({ ready: '2/3', restarts: 4, status: 'CrashLoopBackOff', lastRestartAt: '2026-12-01T11:00:00Z', containers: ['app', 'log'] });
  });

  test('fieldsItDoesNotKnowOfEveryWireTypeAreSkipped', () => {
    const fixed64 = Buffer.concat([key(90, 1), Buffer.alloc(8, 7)]);
    const fixed32 = Buffer.concat([key(91, 5), Buffer.alloc(4, 7)]);
    const event = readWatchFrame(watchEvent('ADDED', enveloped('Pod', podBytes([num(92, 2n ** 63n), fixed64, fixed32, str(93, 'x')]))));
    expect(podRow(event.object as KubeObject)).toEqual(podRow(podJson));
  });

  test('aNegativeExitCodeWrittenAsTenBytesReadsNegative', () => {
    const pod = Buffer.concat([msg(1, str(1, 'p'), str(5, 'u')), msg(3, str(1, 'Failed'), msg(8, str(1, 'c'), msg(2, msg(3, num(1, -1), num(2, 9)))))]);
    const object = readWatchFrame(watchEvent('MODIFIED', enveloped('Pod', pod))).object as KubeObject;
    expect(object.status.containerStatuses[0].state.terminated).toEqual({ exitCode: -1, signal: 9 });
    expect(podRow(object).status).toBe('Signal:9');
  });

  test('emptyStringsAndAZeroTimeReadAsTheFieldsJsonLeavesOut', () => {
    // Go writes every non-pointer field, empty or not: an unscheduled pod's nodeName, a zero time as an empty message.
    const unscheduled = Buffer.concat([msg(1, str(1, 'p'), str(5, 'u'), msg(8)), msg(2, msg(2, str(1, 'c')), str(10, '')), msg(3, str(1, ''), str(4, ''))]);
    const object = readWatchFrame(watchEvent('ADDED', enveloped('Pod', unscheduled))).object as KubeObject;
    const json: KubeObject = { metadata: { name: 'p', uid: 'u', creationTimestamp: null as unknown as string }, spec: { containers: [{ name: 'c' }] }, status: {} };
    expect(podRow(object)).toEqual(podRow(json));
    expect(podRow(object)).toMatchObject({ nodeName: null, createdAt: null, phase: 'Unknown' });
  });

  test('aTimeBefore1970ReadsExactly', () => {
    const pod = Buffer.concat([msg(1, str(1, 'p'), str(5, 'u'), time(8, '1969-07-20T20:17:40Z'))]);
    expect((readWatchFrame(watchEvent('ADDED', enveloped('Pod', pod))).object as KubeObject).metadata!.creationTimestamp).toBe('1969-07-20T20:17:40Z');
    const tooLate = Buffer.concat([msg(1, str(1, 'p'), msg(8, num(1, 253402300800)))]);
    expect(() => readWatchFrame(watchEvent('ADDED', enveloped('Pod', tooLate)))).toThrow(/out of range/);
  });

  test('aBookmarkKeepsItsAnnotationsAnEventDoesNot', () => {
    const meta = msg(1, str(6, '900'), entry(12, 'k8s.io/initial-events-end', 'true'));
    expect(readWatchFrame(watchEvent('BOOKMARK', enveloped('Pod', meta))).object).toEqual({ kind: 'Pod', metadata: { resourceVersion: '900', annotations: { 'k8s.io/initial-events-end': 'true' } } });
    expect(readWatchFrame(watchEvent('ADDED', enveloped('Pod', meta))).object).toEqual({ kind: 'Pod', metadata: { resourceVersion: '900' } });
  });

  test('anInStreamErrorIsItsStatus', () => {
    const status = Buffer.concat([msg(1), str(2, 'Failure'), str(3, 'too old resource version: 1 (900)'), str(4, 'Expired'), num(6, 410)]);
    expect(readWatchFrame(watchEvent('ERROR', enveloped('Status', status)))).toEqual({ type: 'ERROR', object: { status: 'Failure', message: 'too old resource version: 1 (900)', reason: 'Expired', code: 410 } });
    expect(readStatusBody(enveloped('Status', status))).toEqual({ status: 'Failure', message: 'too old resource version: 1 (900)', reason: 'Expired', code: 410 });
    expect(readStatusBody(Buffer.from('{"kind":"Status"}'))).toBeNull();
  });

  test('anotherKindAnEnvelopeWithoutMagicOrAnEncodedBodyIsRefused', () => {
    expect(() => readWatchFrame(watchEvent('ADDED', enveloped('Node', podBytes())))).toThrow(/no Node in protobuf/);
    expect(() => readWatchFrame(watchEvent('ADDED', podBytes()))).toThrow(/magic/);
    const gzipped = Buffer.concat([Buffer.from('k8s\0', 'latin1'), msg(1, str(2, 'Pod')), bytes(2, podBytes()), str(3, 'gzip')]);
    expect(() => readWatchFrame(watchEvent('ADDED', gzipped))).toThrow(/content encoding gzip/);
    expect(() => readWatchFrame(str(2, 'x'))).toThrow(ProtobufError);
  });

  test('everyTruncationAndAGroupWireTypeFailAsProtobufErrorsNeverAsOthers', () => {
    const whole = watchEvent('MODIFIED', enveloped('Pod', podBytes()));
    let refused = 0;
    for (let cut = 0; cut < whole.length; cut++) {
      try {
        readWatchFrame(whole.subarray(0, cut));
      } catch (error) {
        expect(error).toBeInstanceOf(ProtobufError);
        refused++;
      }
    }
    // A cut that happens to end between two whole fields of the outer message reads as a shorter event; every other is refused.
    expect(refused).toBeGreaterThan(whole.length - 10);
    expect(() => readWatchFrame(Buffer.concat([str(1, 'ADDED'), key(5, 3)]))).toThrow(/wire type 3/);
    expect(() => readWatchFrame(Buffer.concat([key(1, 0), Buffer.alloc(11, 0xff)]))).toThrow(/longer than 10 bytes/);
  });

  test('framesAreCutWhereverTheChunksEnd', () => {
    const frames = [watchEvent('ADDED', enveloped('Pod', podBytes())), watchEvent('BOOKMARK', enveloped('Pod', msg(1, str(6, '5')))), Buffer.alloc(0)];
    const stream = Buffer.concat(frames.map(framed));
    for (const size of [1, 3, 4, 5, 17, 100, stream.length]) {
      const splitter = new FrameSplitter();
      const got: Buffer[] = [];
      for (let at = 0; at < stream.length; at += size) {
        splitter.push(stream.subarray(at, at + size));
        for (let frame = splitter.next(); frame !== null; frame = splitter.next()) got.push(Buffer.from(frame));
      }
      expect(got).toEqual(frames);
      expect(splitter.leftover).toBe(0);
    }
    const liar = new FrameSplitter();
    liar.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]));
    expect(() => liar.next()).toThrow(/more than the/);
  });
});
