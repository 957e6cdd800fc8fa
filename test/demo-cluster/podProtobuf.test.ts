/**
 * Pods in protobuf, read field by field with a walker written apart from the encoder
 * (protobufWire.ts): every pod of a --scenarios cluster (init containers, sidecars, terminated,
 * waiting, Terminating, scheduling gates) gives back its JSON values; a GET, a list and its
 * pages, and an error answer in kube-apiserver's format.
 */
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { call } from './client.js';
import { getProtobuf, Msg, protobufAccept, seconds, unwrap } from './protobufWire.js';

let cluster: DemoCluster;

beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 21, scenarios: true, churn: 0 });
});
afterAll(() => cluster.stop());

const secs = (time: string | null | undefined): number | undefined => (time ? Date.parse(time) / 1000 : undefined);

/** What the walker reads of a ContainerStatus, in the shape of its JSON. */
function containerStatusOf(m: Msg): object {
  const state = (s: Msg | undefined): object => {
    const out: Record<string, object> = {};
    const waiting = s?.msg(1);
    const running = s?.msg(2);
    const terminated = s?.msg(3);
    if (waiting) out.waiting = { reason: waiting.str(1) || undefined, message: waiting.str(2) || undefined };
    if (running) out.running = { startedAt: seconds(running.msg(1)) };
    if (terminated) out.terminated = { exitCode: terminated.int(1), reason: terminated.str(3) || undefined, startedAt: seconds(terminated.msg(5)), finishedAt: seconds(terminated.msg(6)) };
    return out;
  };
  return { name: m.str(1), state: state(m.msg(2)), lastState: state(m.msg(3)), ready: m.int(4) === 1, restartCount: m.int(5), image: m.str(6), imageID: m.str(7), containerID: m.str(8) || undefined, started: m.has(9) ? m.int(9) === 1 : undefined };
}

function containerStatusOfJson(c: any): object {
  const state = (s: any): object => {
    const out: Record<string, object> = {};
    if (s?.waiting) out.waiting = { reason: s.waiting.reason, message: s.waiting.message };
    if (s?.running) out.running = { startedAt: secs(s.running.startedAt) };
    if (s?.terminated) out.terminated = { exitCode: s.terminated.exitCode, reason: s.terminated.reason, startedAt: secs(s.terminated.startedAt), finishedAt: secs(s.terminated.finishedAt) };
    return out;
  };
  return { name: c.name, state: state(c.state), lastState: state(c.lastState), ready: c.ready, restartCount: c.restartCount, image: c.image, imageID: c.imageID, containerID: c.containerID, started: c.started };
}

/** The pod as the walker reads it, in the shape of `podOfJson`. */
function podOfWire(raw: Buffer): object {
  const pod = new Msg(raw);
  const meta = pod.msg(1)!;
  const spec = pod.msg(2)!;
  const status = pod.msg(3)!;
  const container = (c: Msg): object => ({
    name: c.str(1),
    image: c.str(2),
    imagePullPolicy: c.str(14),
    restartPolicy: c.str(24),
    limits: Object.fromEntries(c.msg(8)!.msgs(1).map((e) => [e.str(1), e.msg(2)!.str(1)])),
    requests: Object.fromEntries(c.msg(8)!.msgs(2).map((e) => [e.str(1), e.msg(2)!.str(1)])),
    volumeMounts: c.msgs(9).map((v) => [v.str(1), v.str(3)]),
  });
  return {
    name: meta.str(1),
    namespace: meta.str(3),
    uid: meta.str(5),
    resourceVersion: meta.str(6),
    created: seconds(meta.msg(8)),
    deleted: seconds(meta.msg(9)),
    grace: meta.int(10),
    labels: meta.map(11),
    annotations: meta.map(12),
    owners: meta.msgs(13).map((o) => [o.str(1), o.str(3), o.str(4), o.str(5), o.int(6) === 1, o.int(7) === 1]),
    finalizers: meta.strs(14),
    volumes: spec.msgs(1).map((v) => [v.str(1), v.msg(2)!.msg(10)?.str(1)]),
    containers: spec.msgs(2).map(container),
    initContainers: spec.msgs(20).map(container),
    restartPolicy: spec.str(3),
    terminationGracePeriodSeconds: spec.int(4),
    nodeName: spec.str(10) || undefined,
    priority: spec.int(25),
    tolerations: spec.msgs(22).map((t) => [t.str(1), t.str(2), t.str(4), t.int(5)]),
    schedulingGates: spec.msgs(38).map((g) => g.str(1)),
    phase: status.str(1),
    conditions: status.msgs(2).map((c) => [c.str(1), c.str(2), seconds(c.msg(3)), seconds(c.msg(4)), c.str(5) || undefined]),
    podIP: status.str(6) || undefined,
    podIPs: status.msgs(12).map((p) => p.str(1)),
    hostIP: status.str(5) || undefined,
    hostIPs: status.msgs(16).map((p) => p.str(1)),
    startTime: seconds(status.msg(7)),
    qosClass: status.str(9) || undefined,
    reason: status.str(4) || undefined,
    containerStatuses: status.msgs(8).map(containerStatusOf),
    initContainerStatuses: status.msgs(10).map(containerStatusOf),
  };
}

function podOfJson(p: any): object {
  const container = (c: any): object => ({
    name: c.name,
    image: c.image,
    imagePullPolicy: c.imagePullPolicy,
    restartPolicy: c.restartPolicy,
    limits: c.resources?.limits ?? {},
    requests: c.resources?.requests ?? {},
    volumeMounts: (c.volumeMounts ?? []).map((v: any) => [v.name, v.mountPath]),
  });
  const m = p.metadata;
  return {
    name: m.name,
    namespace: m.namespace,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    created: secs(m.creationTimestamp),
    deleted: secs(m.deletionTimestamp),
    grace: m.deletionGracePeriodSeconds,
    labels: m.labels ?? {},
    annotations: m.annotations ?? {},
    owners: (m.ownerReferences ?? []).map((o: any) => [o.kind, o.name, o.uid, o.apiVersion, o.controller === true, o.blockOwnerDeletion === true]),
    finalizers: m.finalizers ?? [],
    volumes: (p.spec.volumes ?? []).map((v: any) => [v.name, v.persistentVolumeClaim?.claimName]),
    containers: p.spec.containers.map(container),
    initContainers: (p.spec.initContainers ?? []).map(container),
    restartPolicy: p.spec.restartPolicy,
    terminationGracePeriodSeconds: p.spec.terminationGracePeriodSeconds,
    nodeName: p.spec.nodeName,
    priority: p.spec.priority,
    tolerations: (p.spec.tolerations ?? []).map((t: any) => [t.key, t.operator, t.effect, t.tolerationSeconds]),
    schedulingGates: (p.spec.schedulingGates ?? []).map((g: any) => g.name),
    phase: p.status.phase,
    conditions: (p.status.conditions ?? []).map((c: any) => [c.type, c.status, secs(c.lastProbeTime), secs(c.lastTransitionTime), c.reason]),
    podIP: p.status.podIP,
    podIPs: (p.status.podIPs ?? []).map((x: any) => x.ip),
    hostIP: p.status.hostIP,
    hostIPs: (p.status.hostIPs ?? []).map((x: any) => x.ip),
    startTime: secs(p.status.startTime),
    qosClass: p.status.qosClass,
    reason: p.status.reason,
    containerStatuses: (p.status.containerStatuses ?? []).map(containerStatusOfJson),
    initContainerStatuses: (p.status.initContainerStatuses ?? []).map(containerStatusOfJson),
  };
}

test('everyScenarioPodReadFieldByFieldGivesBackItsJsonValues', async () => {
  const json = (await call(cluster, '/api/v1/pods')).json();
  const reply = await getProtobuf(cluster, '/api/v1/pods');
  expect(reply.status).toBe(200);
  expect(reply.contentType).toBe('application/vnd.kubernetes.protobuf');
  const list = unwrap(reply.body);
  expect([list.apiVersion, list.kind]).toEqual(['v1', 'PodList']);
  // contentEncoding = 3 and contentType = 4 are written, empty, as Go writes them.
  expect(list.unknown.all(3).map((f) => f.bytes!.length)).toEqual([0]);
  expect(list.unknown.all(4).map((f) => f.bytes!.length)).toEqual([0]);
  const podList = new Msg(list.raw);
  expect(podList.msg(1)!.str(2)).toBe(json.metadata.resourceVersion);
  const items = podList.all(2).map((f) => f.bytes!);
  expect(items).toHaveLength(json.items.length);
  // The odd shapes are all there to be checked.
  const pods = json.items as any[];
  expect(pods.some((p) => p.metadata.deletionTimestamp)).toBe(true);
  expect(pods.some((p) => p.spec.schedulingGates)).toBe(true);
  expect(pods.some((p) => p.spec.initContainers?.some((c: any) => c.restartPolicy === 'Always'))).toBe(true);
  expect(pods.some((p) => p.status.containerStatuses?.some((c: any) => c.state.waiting))).toBe(true);
  expect(pods.some((p) => p.status.containerStatuses?.some((c: any) => c.state.terminated))).toBe(true);
  expect(pods.some((p) => p.metadata.finalizers)).toBe(true);
  for (let i = 0; i < pods.length; i++) expect(podOfWire(items[i]!)).toEqual(podOfJson(pods[i]));
});

test('goWritesZeroValuedFieldsAndTheDemoWritesThemToo', async () => {
  const pod = (cluster.listObjects('pods') as any[]).find((p) => p.status.conditions?.length > 0)!;
  const one = unwrap((await getProtobuf(cluster, `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`)).body);
  const wire = new Msg(one.raw);
  const meta = wire.msg(1)!;
  // generateName (2), selfLink (4) and generation (7) are plain Go fields: written though unset.
  expect(meta.all(2).map((f) => f.bytes!.length)).toEqual([0]);
  expect(meta.all(4).map((f) => f.bytes!.length)).toEqual([0]);
  expect(meta.int(7)).toBe(0);
  // lastProbeTime null is the zero metav1.Time, an empty message; a set time has nanos = 0 written.
  const condition = wire.msg(3)!.msgs(2)[0]!;
  expect(condition.all(3).map((f) => f.bytes!.length)).toEqual([0]);
  expect(condition.msg(4)!.fields.map((f) => f.no)).toEqual([1, 2]);
  // Fields come in field-number order, maps in key order.
  const order = wire.msg(2)!.fields.map((f) => f.no);
  expect(order).toEqual([...order].sort((a, b) => a - b));
  const keys = meta.msgs(11).map((e) => e.str(1)!);
  expect(keys).toEqual([...keys].sort());
});

test('aGetOfOnePodIsTheSameBytesAsItsListItem', async () => {
  const pod = (cluster.listObjects('pods', 'shop') as any[])[0];
  const one = await getProtobuf(cluster, `/api/v1/namespaces/shop/pods/${pod.metadata.name}`);
  expect(one.status).toBe(200);
  expect(one.contentType).toBe('application/vnd.kubernetes.protobuf');
  const got = unwrap(one.body);
  expect([got.apiVersion, got.kind]).toEqual(['v1', 'Pod']);
  const list = new Msg(unwrap((await getProtobuf(cluster, `/api/v1/namespaces/shop/pods?fieldSelector=metadata.name%3D${pod.metadata.name}`)).body).raw);
  expect(list.all(2)[0]!.bytes!.equals(got.raw)).toBe(true);
});

test('pagesOfAProtobufListEqualTheJsonPagesAndTheirContinueTokensWork', async () => {
  const names = (body: Buffer): [string[], Msg] => {
    const list = new Msg(unwrap(body).raw);
    return [list.msgs(2).map((p) => `${p.msg(1)!.str(3)}/${p.msg(1)!.str(1)}@${p.msg(1)!.str(6)}`), list.msg(1)!];
  };
  let token = '';
  let pages = 0;
  const seen: string[] = [];
  do {
    const path = `/api/v1/pods?limit=40${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const json = (await call(cluster, path)).json();
    const [items, meta] = names((await getProtobuf(cluster, path)).body);
    expect(items).toEqual(json.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}@${p.metadata.resourceVersion}`));
    expect(meta.str(3) ?? '').toBe(json.metadata.continue ?? '');
    expect(meta.int(4)).toBe(json.metadata.remainingItemCount);
    token = meta.str(3) ?? '';
    seen.push(...items);
    pages++;
  } while (token);
  expect(pages).toBeGreaterThan(2);
  expect(seen).toHaveLength(cluster.listObjects('pods').length);
  // Selectors apply as in JSON.
  const [selected] = names((await getProtobuf(cluster, '/api/v1/pods?labelSelector=app%3Dpostgres')).body);
  expect(selected).toEqual((await call(cluster, '/api/v1/pods?labelSelector=app%3Dpostgres')).json().items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}@${p.metadata.resourceVersion}`));
  expect(selected.length).toBeGreaterThan(0);
});

test('anErrorToAProtobufRequestIsAProtobufStatus', async () => {
  const missing = await getProtobuf(cluster, '/api/v1/namespaces/shop/pods/no-such-pod');
  expect(missing.status).toBe(404);
  expect(missing.contentType).toBe('application/vnd.kubernetes.protobuf');
  const status = unwrap(missing.body);
  expect([status.apiVersion, status.kind]).toEqual(['v1', 'Status']);
  const s = new Msg(status.raw);
  expect([s.str(2), s.str(3), s.str(4), s.int(6)]).toEqual(['Failure', 'pods "no-such-pod" not found', 'NotFound', 404]);
  expect(s.msg(5)!.str(1)).toBe('no-such-pod');
  const bad = await getProtobuf(cluster, '/api/v1/pods?continue=garbage');
  expect(bad.status).toBe(400);
  expect(new Msg(unwrap(bad.body).raw).int(6)).toBe(400);
});

test('acceptOrderAndQValuesDecideTheFormatAndOtherKindsStayJson', async () => {
  const path = '/api/v1/namespaces/shop/pods?limit=1';
  const type = async (accept: string): Promise<string> => (await getProtobuf(cluster, path, accept)).contentType;
  expect(await type(protobufAccept)).toBe('application/vnd.kubernetes.protobuf');
  expect(await type('application/json, application/vnd.kubernetes.protobuf')).toBe('application/json');
  expect(await type('application/json;q=0.5, application/vnd.kubernetes.protobuf')).toBe('application/vnd.kubernetes.protobuf');
  expect(await type('*/*, application/vnd.kubernetes.protobuf;q=0.9')).toBe('application/json');
  expect(await type('application/vnd.kubernetes.protobuf;q=0, application/json')).toBe('application/json');
  expect(await type('application/json;as=Table;v=v1;g=meta.k8s.io, application/vnd.kubernetes.protobuf')).toBe('application/json;as=Table;v=v1;g=meta.k8s.io');
  expect((await getProtobuf(cluster, '/api/v1/namespaces/shop/configmaps', protobufAccept)).contentType).toBe('application/json');
});
