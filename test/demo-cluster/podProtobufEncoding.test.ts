/**
 * The encoder's functions on their own (demo-cluster/podProtobuf.ts), read back with the test
 * walker: what the integrator's tests build frames with, negative numbers as Go writes them,
 * long lengths, and the identity caches giving the same bytes as a fresh encoding.
 */
import { encodeEnvelope, encodePod, encodePodEnvelope, encodePodListEnvelope, encodeStatus, encodeWatchFrame, rawOfEnvelope } from '../../demo-cluster/podProtobuf.js';
import { ApiError } from '../../demo-cluster/status.js';
import { Msg, unwrap, walk } from './protobufWire.js';

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'shop', uid: 'u-1', resourceVersion: '7', creationTimestamp: '2026-01-02T03:04:05Z', labels: { b: '2', a: '1' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs-1', controller: true }] },
  spec: { containers: [{ name: 'app', image: 'nginx:1', resources: { requests: { cpu: '100m' } } }], priority: -5, nodeName: 'n1' },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-02T03:04:06Z' }] },
};

test('negativeNumbersAreTenByteTwosComplementVarintsAsGoWritesThem', () => {
  const spec = new Msg(encodePod(pod)).msg(2)!;
  const priority = spec.all(25)[0]!;
  expect(priority.int).toBe(2n ** 64n - 5n);
  expect(spec.int(25)).toBe(-5);
  // The key (1 byte... 2 bytes for field 25) and 10 bytes of value.
  const at = spec.buf.indexOf(Buffer.from([0xc8, 0x01]));
  expect(spec.buf.subarray(at + 2, at + 12).at(-1)).toBe(0x01);
});

test('lengthsPast127And16383TakeMoreBytesAndStillRead', () => {
  for (const size of [200, 20_000, 3_000_000]) {
    const big = { ...pod, metadata: { ...pod.metadata, annotations: { note: 'x'.repeat(size) } } };
    const meta = new Msg(encodePod(big)).msg(1)!;
    expect(meta.map(12).note).toHaveLength(size);
    expect(meta.str(1)).toBe('web-1');
  }
});

test('envelopeAndWatchFrameWrapTheRawBytesAsKubeApiserverDoes', () => {
  const raw = encodePod(pod);
  const full = encodeEnvelope('v1', 'Pod', raw);
  expect(full.equals(encodePodEnvelope(pod))).toBe(true);
  expect(rawOfEnvelope(full).equals(raw)).toBe(true);
  const unwrapped = unwrap(full);
  expect([unwrapped.apiVersion, unwrapped.kind]).toEqual(['v1', 'Pod']);
  expect(full.subarray(-4)).toEqual(Buffer.from([0x1a, 0x00, 0x22, 0x00]));
  const frame = encodeWatchFrame('MODIFIED', full);
  expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
  const event = new Msg(frame.subarray(4));
  expect(event.str(1)).toBe('MODIFIED');
  expect(walk(event.msg(2)!.buf).map((f) => f.no)).toEqual([1]);
  expect(event.msg(2)!.all(1)[0]!.bytes!.equals(full)).toBe(true);
});

test('aStatusCarriesItsCodeReasonAndDetails', () => {
  const status = new Msg(encodeStatus(new ApiError(404, 'NotFound', 'pods "x" not found', { name: 'x', kind: 'pods' }).toStatus()));
  expect([status.str(2), status.str(3), status.str(4), status.int(6)]).toEqual(['Failure', 'pods "x" not found', 'NotFound', 404]);
  expect([status.msg(5)!.str(1), status.msg(5)!.str(3)]).toEqual(['x', 'pods']);
  // ListMeta is written though empty: selfLink, resourceVersion and continue as empty strings.
  expect(status.msg(1)!.fields.map((f) => [f.no, f.bytes!.length])).toEqual([[1, 0], [2, 0], [3, 0]]);
});

test('aBeatSharingSpecAndStatusEncodesToTheSameBytesAsAFreshCopy', () => {
  encodePodEnvelope(pod);
  const beat = { ...pod, metadata: { ...pod.metadata, resourceVersion: '8', annotations: { 'bench.kubelive.dev/beat': '1' } } };
  const viaCache = encodePodEnvelope(beat);
  expect(viaCache.equals(encodePodEnvelope(structuredClone(beat)))).toBe(true);
  expect(new Msg(rawOfEnvelope(viaCache)).msg(1)!.map(11)).toEqual({ a: '1', b: '2' });
  expect(new Msg(rawOfEnvelope(viaCache)).msg(1)!.msgs(11).map((e) => e.str(1))).toEqual(['a', 'b']);
});

test('aPodListCarriesItsListMetaAndEachPodsRawBytes', () => {
  const list = unwrap(encodePodListEnvelope({ resourceVersion: '9', continue: 'abc', remainingItemCount: 3 }, [pod, pod]));
  expect([list.apiVersion, list.kind]).toEqual(['v1', 'PodList']);
  const podList = new Msg(list.raw);
  expect([podList.msg(1)!.str(1), podList.msg(1)!.str(2), podList.msg(1)!.str(3), podList.msg(1)!.int(4)]).toEqual(['', '9', 'abc', 3]);
  expect(podList.all(2).map((f) => f.bytes!.equals(encodePod(pod)))).toEqual([true, true]);
});
