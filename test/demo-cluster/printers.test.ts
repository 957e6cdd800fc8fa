/**
 * The Table printers of the kinds issue 12 added, as kubectl shows them: hand-built objects are
 * created through the demo server with `kubectl create -f`, then `kubectl get KIND NAME` (and
 * `-o wide`) must print the header and the row kube-apiserver v1.32's printers would. The age
 * column is the one cell allowed to vary. Seeded objects with fixed values (the `kubernetes`
 * Service, the default StorageClass, the example CRDs) are checked the same way.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemoCluster } from '../../demo-cluster/index.js';
import type { DemoCluster } from '../../demo-cluster/index.js';
import { kubectl, kubectlPath, versionedKubectls, waitUntil } from './client.js';

const describeWithKubectl = kubectlPath ? describe : describe.skip;

/** Any age kubectl may print for an object made seconds or days ago. */
const AGE = Symbol('age');
type Cell = string | typeof AGE;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ageCell = '\\d+[smhdy]\\S*';
/** A `date` column of the default table (Created At) prints the time itself. */
const timestampCell = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ';

/** kubectl pads columns with spaces; an empty cell is only padding. */
function rowPattern(cells: Cell[], age = ageCell): RegExp {
  return new RegExp(`^${cells.filter((c) => c !== '').map((c) => (c === AGE ? age : escape(c))).join('\\s+')}\\s*$`);
}

const meta = (name: string, namespace = 'default'): object => ({ name, namespace, labels: { printers: 'hand' } });

const handBuilt = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('hand-cm'), data: { a: '1', b: '2' }, binaryData: { c: 'AAE=' } },
  { apiVersion: 'v1', kind: 'Secret', metadata: meta('hand-tls'), type: 'kubernetes.io/tls', data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' } },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('hand-svc'),
    spec: { type: 'NodePort', clusterIP: '10.96.200.1', clusterIPs: ['10.96.200.1'], selector: { tier: 'web', app: 'hand' }, ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 8443, nodePort: 30443, protocol: 'TCP' }] },
  },
  {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('hand-lb'),
    spec: { type: 'LoadBalancer', clusterIP: '10.96.200.2', clusterIPs: ['10.96.200.2'], selector: { app: 'nothing' }, ports: [{ name: 'http', port: 80, targetPort: 80, nodePort: 31000, protocol: 'TCP' }] },
    status: { loadBalancer: { ingress: [{ ip: '203.0.113.7' }] } },
  },
  {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: meta('hand-ep'),
    subsets: [
      { addresses: [{ ip: '10.1.0.1' }, { ip: '10.1.0.2' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.1.0.3' }, { ip: '10.1.0.4' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] },
    ],
  },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('hand-sa'), secrets: [{ name: 'one' }, { name: 'two' }] },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('hand-pvc'),
    spec: { accessModes: ['ReadWriteMany', 'ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'standard', volumeMode: 'Filesystem', volumeName: 'hand-pv' },
    status: { phase: 'Bound', accessModes: ['ReadWriteMany', 'ReadWriteOnce'], capacity: { storage: '5Gi' } },
  },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta('hand-pending'), spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast-ssd' }, status: { phase: 'Pending' } },
  {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: 'hand-pv' },
    spec: { accessModes: ['ReadWriteOnce', 'ReadWriteMany'], capacity: { storage: '5Gi' }, persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'standard', volumeMode: 'Block', claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'hand-pvc' }, hostPath: { path: '/tmp/pv' } },
    status: { phase: 'Bound' },
  },
  {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: meta('hand-quota'),
    spec: { hard: { pods: '20', 'requests.cpu': '4', 'limits.memory': '8Gi', 'requests.memory': '4Gi' } },
    status: { hard: { pods: '20', 'requests.cpu': '4', 'limits.memory': '8Gi', 'requests.memory': '4Gi' }, used: { pods: '3', 'requests.cpu': '250m', 'limits.memory': '1Gi', 'requests.memory': '512Mi' } },
  },
  { apiVersion: 'v1', kind: 'LimitRange', metadata: meta('hand-limits'), spec: { limits: [{ type: 'Container', default: { cpu: '500m' } }] } },
  {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('hand-ing'),
    spec: { ingressClassName: 'nginx', tls: [{ hosts: ['a.demo.local'], secretName: 'hand-tls' }], rules: ['a', 'b', 'c', 'd'].map((h) => ({ host: `${h}.demo.local`, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'hand-svc', port: { number: 80 } } } }] } })) },
    status: { loadBalancer: { ingress: [{ ip: '192.168.49.2' }, { ip: '192.168.49.3' }] } },
  },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('hand-netpol'), spec: { podSelector: { matchLabels: { app: 'hand' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] }, policyTypes: ['Ingress'] } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: { name: 'hand-class' }, spec: { controller: 'example.com/ingress', parameters: { apiGroup: 'k8s.example.com', kind: 'IngressParameters', name: 'external-lb' } } },
  {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: meta('hand-slice'),
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'metrics', port: 9090, protocol: 'TCP' }],
    endpoints: ['10.2.0.1', '10.2.0.2', '10.2.0.3', '10.2.0.4', '10.2.0.5'].map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta('hand-role'), rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
  {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta('hand-rb'),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'hand-role' },
    subjects: [
      { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'User', name: 'bob', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'hand-sa', namespace: 'default' },
    ],
  },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'hand-crb' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'Group', name: 'auditors', apiGroup: 'rbac.authorization.k8s.io' }] },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: meta('hand-hpa'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
      minReplicas: 2,
      maxReplicas: 10,
      metrics: [
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
        { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
        { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '100' } } },
      ],
    },
    status: { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45 } } }] },
  },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta('hand-pdb'), spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'nothing' } } } },
  { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'hand-pc' }, value: 5000, globalDefault: false, preemptionPolicy: 'Never', description: 'hand-built' },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'hand-vwc' },
    webhooks: ['a', 'b', 'c'].map((n) => ({ name: `${n}.hand.example.com`, admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: 'https://hand.example.com/validate' } })),
  },
  {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'hand-mwc' },
    webhooks: [{ name: 'm.hand.example.com', admissionReviewVersions: ['v1'], sideEffects: 'None', clientConfig: { url: 'https://hand.example.com/mutate' } }],
  },
];

/** What `kubectl get` prints for each: the resource, the name, whether -o wide, the header and the row. */
const expectations: { resource: string; name: string; wide?: boolean; cluster?: boolean; header: string[]; row: Cell[] }[] = [
  { resource: 'configmaps', name: 'hand-cm', header: ['NAME', 'DATA', 'AGE'], row: ['hand-cm', '3', AGE] },
  { resource: 'secrets', name: 'hand-tls', header: ['NAME', 'TYPE', 'DATA', 'AGE'], row: ['hand-tls', 'kubernetes.io/tls', '2', AGE] },
  { resource: 'services', name: 'hand-svc', wide: true, header: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR'], row: ['hand-svc', 'NodePort', '10.96.200.1', '<none>', '80:30080/TCP,443:30443/TCP', AGE, 'app=hand,tier=web'] },
  { resource: 'services', name: 'hand-lb', header: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], row: ['hand-lb', 'LoadBalancer', '10.96.200.2', '203.0.113.7', '80:31000/TCP', AGE] },
  { resource: 'services', name: 'kubernetes', header: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], row: ['kubernetes', 'ClusterIP', '10.96.0.1', '<none>', '443/TCP', AGE] },
  { resource: 'endpoints', name: 'hand-ep', header: ['NAME', 'ENDPOINTS', 'AGE'], row: ['hand-ep', '10.1.0.1:8080,10.1.0.2:8080,10.1.0.3:8080 + 1 more...', AGE] },
  { resource: 'serviceaccounts', name: 'hand-sa', header: ['NAME', 'SECRETS', 'AGE'], row: ['hand-sa', '2', AGE] },
  {
    resource: 'persistentvolumeclaims',
    name: 'hand-pvc',
    wide: true,
    header: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE', 'VOLUMEMODE'],
    row: ['hand-pvc', 'Bound', 'hand-pv', '5Gi', 'RWO,RWX', 'standard', '<unset>', AGE, 'Filesystem'],
  },
  { resource: 'persistentvolumeclaims', name: 'hand-pending', header: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'], row: ['hand-pending', 'Pending', 'fast-ssd', '<unset>', AGE] },
  {
    resource: 'persistentvolumes',
    name: 'hand-pv',
    cluster: true,
    wide: true,
    header: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE', 'VOLUMEMODE'],
    row: ['hand-pv', '5Gi', 'RWO,RWX', 'Retain', 'Bound', 'default/hand-pvc', 'standard', '<unset>', '', AGE, 'Block'],
  },
  { resource: 'resourcequotas', name: 'hand-quota', header: ['NAME', 'REQUEST', 'LIMIT', 'AGE'], row: ['hand-quota', 'pods: 3/20, requests.cpu: 250m/4, requests.memory: 512Mi/4Gi', 'limits.memory: 1Gi/8Gi', AGE] },
  { resource: 'limitranges', name: 'hand-limits', header: ['NAME', 'CREATED AT'], row: ['hand-limits', AGE] },
  { resource: 'ingresses', name: 'hand-ing', header: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'], row: ['hand-ing', 'nginx', 'a.demo.local,b.demo.local,c.demo.local + 1 more...', '192.168.49.2,192.168.49.3', '80, 443', AGE] },
  { resource: 'ingresses', name: 'hand-ing', wide: true, header: ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'], row: ['hand-ing', 'nginx', 'a.demo.local,b.demo.local,c.demo.local + 1 more...', '192.168.49.2,192.168.49.3', '80, 443', AGE] },
  { resource: 'networkpolicies', name: 'hand-netpol', header: ['NAME', 'POD-SELECTOR', 'AGE'], row: ['hand-netpol', 'app=hand,tier in (api,web)', AGE] },
  { resource: 'ingressclasses', name: 'hand-class', cluster: true, header: ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'], row: ['hand-class', 'example.com/ingress', 'IngressParameters.k8s.example.com/external-lb', AGE] },
  { resource: 'ingressclasses', name: 'nginx', cluster: true, header: ['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE'], row: ['nginx', 'k8s.io/ingress-nginx', '<none>', AGE] },
  { resource: 'endpointslices', name: 'hand-slice', header: ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], row: ['hand-slice', 'IPv4', '8080,9090', '10.2.0.1,10.2.0.2,10.2.0.3 + 2 more...', AGE] },
  { resource: 'roles', name: 'hand-role', header: ['NAME', 'CREATED AT'], row: ['hand-role', AGE] },
  { resource: 'rolebindings', name: 'hand-rb', wide: true, header: ['NAME', 'ROLE', 'AGE', 'USERS', 'GROUPS', 'SERVICEACCOUNTS'], row: ['hand-rb', 'Role/hand-role', AGE, 'alice, bob', 'devs', 'default/hand-sa'] },
  { resource: 'clusterrolebindings', name: 'hand-crb', cluster: true, header: ['NAME', 'ROLE', 'AGE'], row: ['hand-crb', 'ClusterRole/view', AGE] },
  { resource: 'clusterroles', name: 'view', cluster: true, header: ['NAME', 'CREATED AT'], row: ['view', AGE] },
  { resource: 'storageclasses', name: 'standard', cluster: true, header: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'], row: ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', 'false', AGE] },
  { resource: 'storageclasses', name: 'fast-ssd', cluster: true, header: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'], row: ['fast-ssd', 'pd.csi.storage.gke.io', 'Retain', 'Immediate', 'true', AGE] },
  { resource: 'horizontalpodautoscalers', name: 'hand-hpa', header: ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'], row: ['hand-hpa', 'Deployment/web', 'cpu: 45%/80%, memory: <unknown>/500Mi + 1 more...', '2', '10', '3', AGE] },
  { resource: 'poddisruptionbudgets', name: 'hand-pdb', header: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'], row: ['hand-pdb', 'N/A', '25%', '0', AGE] },
  { resource: 'priorityclasses', name: 'hand-pc', cluster: true, wide: true, header: ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'], row: ['hand-pc', '5000', 'false', AGE, 'Never'] },
  { resource: 'validatingwebhookconfigurations', name: 'hand-vwc', cluster: true, header: ['NAME', 'WEBHOOKS', 'AGE'], row: ['hand-vwc', '3', AGE] },
  { resource: 'mutatingwebhookconfigurations', name: 'hand-mwc', cluster: true, header: ['NAME', 'WEBHOOKS', 'AGE'], row: ['hand-mwc', '1', AGE] },
  { resource: 'customresourcedefinitions', name: 'widgets.example.com', cluster: true, header: ['NAME', 'CREATED AT'], row: ['widgets.example.com', AGE] },
];

describeWithKubectl('kubectl get prints the server-side columns of every added kind', () => {
  let cluster: DemoCluster;
  let dir: string;
  const get = (args: string[], binary?: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    kubectl(cluster.kubeconfigPath, ['--cache-dir', join(dir, `cache-${(binary ?? 'default').replace(/\W/g, '_')}`), ...args], 60_000, binary);

  async function expectPrinted(e: (typeof expectations)[number], binary?: string): Promise<void> {
    const r = await get(['get', e.resource, e.name, ...(e.cluster ? [] : ['-n', 'default']), ...(e.wide ? ['-o', 'wide'] : [])], binary);
    expect(r.stderr).toBe('');
    const [header, row, ...rest] = r.stdout.trimEnd().split('\n');
    expect(rest).toEqual([]);
    expect(header?.trim().split(/\s{2,}/)).toEqual(e.header);
    expect(row).toMatch(rowPattern(e.row, e.header.includes('CREATED AT') ? timestampCell : ageCell));
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kubelive-printers-'));
    cluster = await startDemoCluster({ seed: 9, pods: 30 });
    const file = join(dir, 'hand-built.json');
    await writeFile(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: handBuilt }));
    // The demo serves no OpenAPI document, so kubectl cannot validate on the client side.
    const created = await get(['create', '--validate=false', '-f', file]);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
  });
  afterAll(async () => {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test.each(expectations.map((e) => [`${e.resource}/${e.name}${e.wide ? ' -o wide' : ''}`, e] as const))('%s', async (_label, e) => {
    await expectPrinted(e);
  });

  test('everyInstalledKubectlVersionPrintsTheSameRows', async () => {
    const sample = expectations.filter((e) => ['hand-svc', 'hand-pvc', 'hand-pv', 'hand-hpa', 'hand-rb', 'hand-role', 'standard'].includes(e.name));
    for (const binary of versionedKubectls()) for (const e of sample) await expectPrinted(e, binary);
  }, 120_000);

  test('aServiceCreatedWithASelectorGetsItsEndpointsFromTheController', async () => {
    const slices = await waitUntil(async () => {
      const r = await get(['get', 'endpointslices', '-n', 'default', '-l', 'kubernetes.io/service-name=hand-svc']);
      return r.stdout.includes('hand-svc-') ? r.stdout : undefined;
    }, 'a slice for hand-svc');
    expect(slices.split('\n')[1]).toMatch(/^hand-svc-\w{5}\s+IPv4\s+8080,8443\s+<unset>\s+\d+s\s*$/);
    const endpoints = await get(['get', 'endpoints', 'hand-svc', '-n', 'default']);
    expect(endpoints.stdout.split('\n')[1]).toMatch(/^hand-svc\s+<none>\s+\d+s\s*$/);
  });

  test('customResourcesPrintTheirDefinitionsColumns', async () => {
    const widgets = await get(['get', 'widgets.example.com', '-A']);
    expect(widgets.stderr).toBe('');
    const [header, ...rows] = widgets.stdout.trimEnd().split('\n');
    expect(header?.trim().split(/\s{2,}/)).toEqual(['NAMESPACE', 'NAME', 'SIZE', 'PHASE', 'AGE']);
    expect(rows.length).toBeGreaterThan(3);
    for (const row of rows) expect(row).toMatch(/^\S+\s+\S+\s+\d+\s+(Pending|Assembling|Ready|Degraded)\s+\d+[smhd]\S*\s*$/);
    const plans = await get(['get', 'backupplans', '-o', 'wide']);
    expect(plans.stdout.split('\n')[0]?.trim().split(/\s{2,}/)).toEqual(['NAME', 'SCHEDULE', 'TARGET', 'LAST RUN', 'AGE']);
  });
});
