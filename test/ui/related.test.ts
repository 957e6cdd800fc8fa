/**
 * Drill-down's pure parts: owner chains and owned objects from rows, a workload's pods through
 * its ReplicaSets, Services selecting a pod by their printed selector, the Pods view's narrowing,
 * and routes that carry owner, node and status through a round trip.
 */
import type { OwnerRef, PodRow, ResourceRow, WorkloadKind, WorkloadRow } from '../../adapters/rows.js';
import { podNarrowing, statusCounts } from '../../ui/lib/pods.js';
import { domainOfKind, ownedWorkloads, ownerChain, parseSelector, podsOfWorkload, servicesSelecting, slicesOfService } from '../../ui/lib/related.js';
import { describeRoute, defaultRoute, parseRoute, podsOf, routeHash } from '../../ui/lib/route.js';

const ref = (w: { kind: string; name: string; uid: string }): OwnerRef => ({ kind: w.kind, name: w.name, uid: w.uid });
const workload = (kind: WorkloadKind, name: string, owner: WorkloadRow | null = null): WorkloadRow => ({ uid: `${kind}:${name}`, resourceVersion: '1', name, kind, namespace: 'shop', desired: 1, ready: 1, available: 1, owner: owner ? ref(owner) : null, createdAt: null });
const pod = (name: string, owner: WorkloadRow | null, nodeName = 'n1', status = 'Running'): PodRow => ({ uid: `pod:${name}`, resourceVersion: '1', name, namespace: 'shop', phase: 'Running', status, ready: '1/1', restarts: 0, nodeName, owner: owner ? ref(owner) : null, createdAt: null, deleting: false, containers: ['app'] });

const web = workload('Deployment', 'web');
const rsOld = workload('ReplicaSet', 'web-1', web);
const rsNew = workload('ReplicaSet', 'web-2', web);
const cron = workload('CronJob', 'report');
const job = workload('Job', 'report-1', cron);
const other = workload('Deployment', 'api');
const rsApi = workload('ReplicaSet', 'api-1', other);
const workloads = [web, rsOld, rsNew, cron, job, other, rsApi];
const pods = [pod('web-1-a', rsOld), pod('web-2-b', rsNew, 'n2', 'CrashLoopBackOff'), pod('api-1-c', rsApi, 'n2'), pod('report-1-d', job, 'n1', 'Completed'), pod('bare', null, 'n2')];

test('a pod walks up to its Deployment and a Job pod to its CronJob', () => {
  expect(ownerChain(pods[0]!.owner, 'shop', workloads).map((l) => `${l.kind}/${l.name}`)).toEqual(['ReplicaSet/web-1', 'Deployment/web']);
  expect(ownerChain(pods[3]!.owner, 'shop', workloads).map((l) => `${l.kind}/${l.name}`)).toEqual(['Job/report-1', 'CronJob/report']);
  expect(ownerChain(null, 'shop', workloads)).toEqual([]);
});

test('a Deployment owns its ReplicaSets and its pods are theirs, no one else\'s', () => {
  expect(ownedWorkloads(web.uid, workloads).map((w) => w.name).sort()).toEqual(['web-1', 'web-2']);
  expect(podsOfWorkload(web, workloads, pods).map((p) => p.name)).toEqual(['web-1-a', 'web-2-b']);
  expect(podsOfWorkload(cron, workloads, pods).map((p) => p.name)).toEqual(['report-1-d']); // through its Jobs
  expect(podsOfWorkload(job, workloads, pods).map((p) => p.name)).toEqual(['report-1-d']);
});

test('the Pods view narrows by workload, node and status, together', () => {
  const names = (narrow: Parameters<typeof podNarrowing>[0]) => pods.filter(podNarrowing(narrow, workloads) ?? (() => true)).map((p) => p.name);
  expect(podNarrowing({ namespace: 'shop' }, workloads)).toBeNull();
  expect(names({ namespace: 'shop', owner: 'Deployment/web' })).toEqual(['web-1-a', 'web-2-b']);
  expect(names({ namespace: 'shop', node: 'n2' })).toEqual(['web-2-b', 'api-1-c', 'bare']);
  expect(names({ namespace: 'shop', owner: 'Deployment/web', node: 'n2', status: 'CrashLoopBackOff' })).toEqual(['web-2-b']);
  // A workload the rows do not hold (yet) shows nothing rather than every pod.
  expect(names({ namespace: 'shop', owner: 'Deployment/gone' })).toEqual([]);
  expect(statusCounts(pods)).toEqual([['Running', 3], ['Completed', 1], ['CrashLoopBackOff', 1]]);
});

test('Services select by their printed selector; a Service\'s slices are the ones it owns', () => {
  const columns = [{ name: 'Name' }, { name: 'Selector' }];
  const svc = (name: string, selector: string): ResourceRow => ({ uid: `svc:${name}`, resourceVersion: '1', name, namespace: 'shop', createdAt: null, owner: null, deleting: false, cells: [name, selector] });
  const services = [svc('web', 'app=web'), svc('web-canary', 'app=web,track=canary'), svc('headless', '<none>'), svc('all', '')];
  expect(servicesSelecting({ app: 'web', 'pod-template-hash': 'x' }, services, columns).map((s) => s.name)).toEqual(['web']);
  expect(parseSelector('a=b,c=d')).toEqual({ a: 'b', c: 'd' });
  expect(parseSelector('<none>')).toBeNull();
  const slice = (name: string, owner: string): ResourceRow => ({ ...svc(name, ''), uid: `slice:${name}`, owner: { kind: 'Service', name: owner, uid: `svc:${owner}` } });
  expect(slicesOfService('svc:web', [slice('web-abc', 'web'), slice('api-def', 'api')]).map((s) => s.name)).toEqual(['web-abc']);
});

test('drill-down routes survive the address bar', () => {
  for (const route of [
    podsOf({ owner: 'Deployment/web', namespace: 'shop' }),
    podsOf({ node: 'demo-worker-1' }),
    { ...defaultRoute, tab: 'pods' as const, namespace: 'troubleshooting', status: 'Init:0/2' },
    describeRoute(defaultRoute, 'apps/v1/deployments', 'shop', 'web'),
    describeRoute(defaultRoute, 'core/v1/nodes', '', 'demo-worker-1'),
    { ...defaultRoute, tab: 'workloads' as const, namespace: 'shop', kind: 'StatefulSet', selected: 'shop/web', selectedKind: 'StatefulSet' },
  ]) {
    expect(parseRoute(routeHash(route))).toEqual(route);
  }
  expect(routeHash(describeRoute(defaultRoute, 'apps/v1/deployments', 'shop', 'web'))).toBe('#/describe/apps/v1/deployments?sel=shop%2Fweb');
  // What is not a workload reference, a node name or a status word is ignored.
  expect(parseRoute('#/pods?owner=<script>&node=a/b&status=x%20y')).toEqual({ ...defaultRoute, tab: 'pods' });
  expect(parseRoute('#/workloads?kind=deploy%20ment&of=1')).toEqual({ ...defaultRoute, tab: 'workloads' });
  expect(domainOfKind('Deployment')).toBe('apps/v1/deployments');
});
