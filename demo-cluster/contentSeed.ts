/**
 * ContentSeeder adds what surrounds the workloads to a freshly built cluster: per namespace a
 * default ServiceAccount, the root CA ConfigMap, registry and TLS Secrets, and (for app
 * namespaces) a quota, limits and a default-deny NetworkPolicy; per Deployment a Service with its
 * EndpointSlice and Endpoints, a ServiceAccount with a Role and RoleBinding, a ConfigMap, and for
 * some an Ingress, an HPA, a PDB or an Opaque Secret; per StatefulSet a headless Service and a
 * bound claim per replica; cluster-wide RBAC, storage and priority classes, an IngressClass,
 * admission webhooks, Helm releases and two example CRDs with their objects.
 *
 * It draws from its own random stream, so the workloads and the pod churn of a seed stay what
 * they were before there was content.
 */
import {
  b64,
  backupPlanDefinition,
  customResourceKey,
  endpointsOfPods,
  makeAvailableVolume,
  makeBackupPlan,
  makeBinding,
  makeBoundClaim,
  makeConfigMap,
  makeCustomResourceDefinition,
  makeEndpoints,
  makeEndpointSlice,
  makeHorizontalPodAutoscaler,
  makeIngress,
  makeIngressClass,
  makeLimitRange,
  makeNetworkPolicy,
  makePendingClaim,
  makePodDisruptionBudget,
  makePriorityClass,
  makeResourceQuota,
  makeRole,
  makeSecret,
  makeService,
  makeServiceAccount,
  makeStorageClass,
  makeWebhookConfiguration,
  isHealthyForBudget,
  makeWidget,
  maxEndpointsPerSlice,
  pdbStatus,
  widgetDefinition,
  widgetPhases,
  type Labels,
} from './content.js';
import type { Built } from './generate.js';
import { isoAt } from './generate.js';
import { goTime, makeRelease, makeReleaseSecret, type ChartShape, type ReleaseStatus } from './helm.js';
import type { Random } from './random.js';
import type { KubeObject } from './store.js';

const provisioner = 'rancher.io/local-path';
const ingressAddress = '192.168.49.2';
const clusterAgeMs = 3 * 24 * 3600_000;

/** A fixed, plausible-looking certificate body: the demo checks no TLS it does not serve. */
const demoCertificate = '-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBCwUAMBExDzANBgNVBAMMBmRl\nbW8tY2EwHhcNMjQwMTAxMDAwMDAwWhcNMzQwMTAxMDAwMDAwWjARMQ8wDQYDVQQD\nDAZkZW1vLWNhMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMdemo\n-----END CERTIFICATE-----\n';
const demoKey = '-----BEGIN PRIVATE KEY-----\nMIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAxdemo\n-----END PRIVATE KEY-----\n';

export class ContentSeeder {
  private serviceIPs = 0;

  constructor(
    private readonly random: Random,
    private readonly now: () => number,
  ) {}

  private iso(agoMs: number): string {
    return isoAt(this.now() - agoMs);
  }

  private age(): number {
    return this.random.int(60_000, clusterAgeMs - 60_000);
  }

  private nextServiceIP(): string {
    const n = this.serviceIPs++;
    return `10.96.${1 + (Math.floor(n / 250) % 254)}.${(n % 250) + 2}`;
  }

  /** Adds every content object to `built`, next to the workloads it describes. */
  seed(built: Built, controlPlaneIP: string): void {
    const namespaces = (built.byResource.get('namespaces') ?? []).map((n) => n.metadata.name);
    const podsByApp = new Map<string, KubeObject[]>();
    for (const pod of built.byResource.get('pods') ?? []) {
      const key = `${pod.metadata.namespace}/${pod.metadata.labels?.app ?? ''}`;
      let list = podsByApp.get(key);
      if (!list) podsByApp.set(key, (list = []));
      list.push(pod);
    }
    const podsOf = (w: KubeObject): KubeObject[] => podsByApp.get(`${w.metadata.namespace}/${w.metadata.name}`) ?? [];

    this.seedCluster(built);
    this.seedApiService(built, controlPlaneIP);
    for (const ns of namespaces) this.seedNamespace(built, ns);
    for (const d of built.byResource.get('deployments.apps') ?? []) this.seedDeployment(built, d, podsOf(d));
    for (const s of built.byResource.get('statefulsets.apps') ?? []) this.seedStatefulSet(built, s, podsOf(s));
    this.seedQuotas(built, namespaces);
    this.seedHelmReleases(built, namespaces);
    this.seedCustomResources(built, namespaces);
  }

  private seedCluster(built: Built): void {
    const r = this.random;
    const at = this.iso(clusterAgeMs);
    const rules = {
      all: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
      view: [
        { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'], verbs: ['get', 'list', 'watch'] },
      ],
      edit: [
        { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
        { apiGroups: ['apps'], resources: ['deployments', 'statefulsets'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
      ],
    };
    const bootstrap = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
    built.add('clusterroles.rbac.authorization.k8s.io', makeRole(undefined, 'cluster-admin', r.uid(), at, rules.all, bootstrap));
    built.add('clusterroles.rbac.authorization.k8s.io', makeRole(undefined, 'admin', r.uid(), at, [...rules.edit, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ['*'] }], bootstrap));
    built.add('clusterroles.rbac.authorization.k8s.io', makeRole(undefined, 'edit', r.uid(), at, rules.edit, { ...bootstrap, 'rbac.authorization.k8s.io/aggregate-to-admin': 'true' }));
    built.add('clusterroles.rbac.authorization.k8s.io', makeRole(undefined, 'view', r.uid(), at, rules.view, { ...bootstrap, 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' }));
    built.add('clusterroles.rbac.authorization.k8s.io', makeRole(undefined, 'system:coredns', r.uid(), at, [{ apiGroups: [''], resources: ['endpoints', 'services', 'pods', 'namespaces'], verbs: ['list', 'watch'] }, { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] }]));
    built.add('clusterroles.rbac.authorization.k8s.io', makeRole(undefined, 'system:node-proxier', r.uid(), at, [{ apiGroups: [''], resources: ['services', 'endpoints', 'nodes'], verbs: ['get', 'list', 'watch'] }], bootstrap));
    built.add('clusterroles.rbac.authorization.k8s.io', makeRole(undefined, 'kubelive-viewer', r.uid(), this.iso(this.age()), [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }]));
    const crb = 'clusterrolebindings.rbac.authorization.k8s.io';
    built.add(crb, makeBinding(undefined, 'cluster-admin', r.uid(), at, { kind: 'ClusterRole', name: 'cluster-admin' }, [{ kind: 'Group', name: 'system:masters' }]));
    built.add(crb, makeBinding(undefined, 'system:coredns', r.uid(), at, { kind: 'ClusterRole', name: 'system:coredns' }, [{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]));
    built.add(crb, makeBinding(undefined, 'system:node-proxier', r.uid(), at, { kind: 'ClusterRole', name: 'system:node-proxier' }, [{ kind: 'User', name: 'system:kube-proxy' }]));
    built.add(crb, makeBinding(undefined, 'kubelive-viewers', r.uid(), this.iso(this.age()), { kind: 'ClusterRole', name: 'kubelive-viewer' }, [{ kind: 'Group', name: 'demo:viewers' }, { kind: 'User', name: 'alice@example.com' }]));

    built.add('storageclasses.storage.k8s.io', makeStorageClass('standard', r.uid(), at, provisioner, { isDefault: true, bindingMode: 'WaitForFirstConsumer' }));
    built.add('storageclasses.storage.k8s.io', makeStorageClass('fast-ssd', r.uid(), this.iso(this.age()), 'pd.csi.storage.gke.io', { reclaimPolicy: 'Retain', expandable: true }));
    built.add('persistentvolumes', makeAvailableVolume('nfs-archive', r.uid(), this.iso(this.age()), '500Gi'));
    built.add('ingressclasses.networking.k8s.io', makeIngressClass(r.uid(), at));

    const pc = 'priorityclasses.scheduling.k8s.io';
    built.add(pc, makePriorityClass('system-cluster-critical', r.uid(), at, 2_000_000_000, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'));
    built.add(pc, makePriorityClass('system-node-critical', r.uid(), at, 2_000_001_000, 'Used for system critical pods that must not be moved from their current node.'));
    built.add(pc, makePriorityClass('high-priority', r.uid(), this.iso(this.age()), 1_000_000, 'Customer-facing services.'));
    built.add(pc, makePriorityClass('standard', r.uid(), this.iso(this.age()), 1000, 'The default for pods that name no class.', { globalDefault: true }));
    built.add(pc, makePriorityClass('batch-low', r.uid(), this.iso(this.age()), 100, 'Batch work that never preempts.', { preemption: 'Never' }));

    const validating = 'validatingwebhookconfigurations.admissionregistration.k8s.io';
    const mutating = 'mutatingwebhookconfigurations.admissionregistration.k8s.io';
    built.add(validating, makeWebhookConfiguration('ValidatingWebhookConfiguration', 'ingress-nginx-admission', r.uid(), this.iso(this.age()), [{ name: 'validate.nginx.ingress.kubernetes.io', service: { namespace: 'kube-system', name: 'ingress-nginx-controller-admission', path: '/networking/v1/ingresses' }, apiGroups: ['networking.k8s.io'], resources: ['ingresses'] }]));
    built.add(validating, makeWebhookConfiguration('ValidatingWebhookConfiguration', 'policy.example.com', r.uid(), this.iso(this.age()), [
      { name: 'pods.policy.example.com', service: { namespace: 'kube-system', name: 'policy-webhook', path: '/validate/pods' }, resources: ['pods'] },
      { name: 'deployments.policy.example.com', service: { namespace: 'kube-system', name: 'policy-webhook', path: '/validate/deployments' }, apiGroups: ['apps'], resources: ['deployments'] },
    ]));
    built.add(mutating, makeWebhookConfiguration('MutatingWebhookConfiguration', 'demo-sidecar-injector', r.uid(), this.iso(this.age()), [{ name: 'sidecar.demo.local', service: { namespace: 'kube-system', name: 'sidecar-injector', path: '/inject' }, resources: ['pods'], operations: ['CREATE'] }]));
  }

  /** `default/kubernetes`, the Service every cluster has for its API server. */
  private seedApiService(built: Built, controlPlaneIP: string): void {
    const r = this.random;
    const at = this.iso(clusterAgeMs);
    const service = makeService({ name: 'kubernetes', namespace: 'default', uid: r.uid(), created: at, selector: {}, clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }], labels: { component: 'apiserver', provider: 'kubernetes' } });
    delete (service.spec as { selector?: unknown }).selector;
    const endpoint = { addresses: [controlPlaneIP], conditions: { ready: true, serving: true, terminating: false } };
    built.add('services', service);
    const slice = makeEndpointSlice(service, 'kubernetes', r.uid(), at, [endpoint]);
    slice.metadata.labels = { 'endpointslice.kubernetes.io/managed-by': 'endpointslicemirroring-controller.k8s.io', 'kubernetes.io/service-name': 'kubernetes' };
    delete slice.metadata.ownerReferences;
    delete slice.metadata.generateName;
    built.add('endpointslices.discovery.k8s.io', slice);
    built.add('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'kubernetes', namespace: 'default', uid: r.uid(), resourceVersion: '', creationTimestamp: at, labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets: [{ addresses: [{ ip: controlPlaneIP }], ports: [{ name: 'https', port: 6443, protocol: 'TCP' }] }] });
  }

  private seedNamespace(built: Built, ns: string): void {
    const r = this.random;
    const at = this.iso(clusterAgeMs - 5000);
    built.add('serviceaccounts', makeServiceAccount(ns, 'default', r.uid(), at));
    const rootCa = makeConfigMap(ns, 'kube-root-ca.crt', r.uid(), at, { 'ca.crt': demoCertificate });
    rootCa.metadata.annotations = { 'kubernetes.io/description': 'CA bundle to verify the API server from inside the cluster.' };
    built.add('configmaps', rootCa);
    if (ns === 'kube-system') return;
    const registry = { auths: { 'registry.local': { username: 'demo', password: 'not-a-real-password', auth: b64('demo:not-a-real-password') } } };
    built.add('secrets', makeSecret(ns, 'registry-credentials', r.uid(), this.iso(this.age()), 'kubernetes.io/dockerconfigjson', { '.dockerconfigjson': JSON.stringify(registry) }));
    built.add('secrets', makeSecret(ns, `${ns}-tls`, r.uid(), this.iso(this.age()), 'kubernetes.io/tls', { 'tls.crt': demoCertificate, 'tls.key': demoKey }, { annotations: { 'cert-manager.io/issuer-name': 'letsencrypt', 'cert-manager.io/common-name': `${ns}.demo.local` } }));
    if (ns === 'default') return;
    built.add('limitranges', makeLimitRange(ns, r.uid(), this.iso(this.age())));
    built.add('networkpolicies.networking.k8s.io', makeNetworkPolicy(ns, 'default-deny-ingress', r.uid(), this.iso(this.age()), {}));
  }

  private seedDeployment(built: Built, deployment: KubeObject, pods: KubeObject[]): void {
    const r = this.random;
    const ns = deployment.metadata.namespace ?? 'default';
    const name = deployment.metadata.name;
    const created = deployment.metadata.creationTimestamp;
    const selector: Labels = { app: name };
    const isDns = name === 'coredns';
    // CoreDNS's Service keeps its historical name; the demo's pods carry only `app`, so it selects by that.
    const service = isDns
      ? makeService({ name: 'kube-dns', namespace: ns, uid: r.uid(), created, selector, clusterIP: '10.96.0.10', labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' }, ports: [{ name: 'dns', port: 53, targetPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, targetPort: 53 }, { name: 'metrics', port: 9153, targetPort: 9153 }] })
      : makeService({ name, namespace: ns, uid: r.uid(), created, selector, clusterIP: this.nextServiceIP(), ports: [{ name: 'http', port: 80, targetPort: 8080 }], ...(name === 'gateway' ? { type: 'LoadBalancer' as const, loadBalancerIP: `203.0.113.${r.int(10, 250)}` } : {}) });
    this.addServiceEndpoints(built, service, pods);

    const sa = makeServiceAccount(ns, name, r.uid(), created);
    built.add('serviceaccounts', sa);
    built.add('roles.rbac.authorization.k8s.io', makeRole(ns, name, r.uid(), created, [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch'] }, { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: [`${name}-secrets`] }]));
    built.add('rolebindings.rbac.authorization.k8s.io', makeBinding(ns, name, r.uid(), created, { kind: 'Role', name }, [{ kind: 'ServiceAccount', name, namespace: ns }]));
    if (isDns) return;
    built.add('configmaps', makeConfigMap(ns, `${name}-config`, r.uid(), created, { LOG_LEVEL: r.pick(['info', 'info', 'debug', 'warn']), 'app.properties': `server.port=8080\nfeature.newCheckout=${r.chance(0.5)}\ncache.ttlSeconds=${r.pick([30, 60, 300])}\n`, revision: '1' }, selector));
    if (r.chance(0.5)) built.add('secrets', makeSecret(ns, `${name}-secrets`, r.uid(), created, 'Opaque', { DATABASE_URL: `postgres://${name}@postgres.data.svc:5432/${name}`, API_KEY: r.suffix(24) }, { labels: selector }));
    if (r.chance(0.2)) {
      built.add('secrets', makeSecret(ns, `${name}-token`, r.uid(), created, 'kubernetes.io/service-account-token', { 'ca.crt': demoCertificate, namespace: ns, token: `eyJhbGciOiJSUzI1NiJ9.${b64(JSON.stringify({ sub: `system:serviceaccount:${ns}:${name}` })).replace(/=+$/, '')}.c2lnbmF0dXJl` }, { annotations: { 'kubernetes.io/service-account.name': name, 'kubernetes.io/service-account.uid': sa.metadata.uid } }));
      sa.secrets = [{ name: `${name}-token` }];
    }
    const tier = (deployment.spec as { template: { metadata: { labels: Labels } } }).template.metadata.labels.tier;
    if (tier === 'web') {
      const host = `${name}.${ns}.demo.local`;
      built.add('ingresses.networking.k8s.io', makeIngress(service, r.uid(), created, host, r.chance(0.6) ? `${ns}-tls` : undefined, ingressAddress));
    }
    const replicas = Number((deployment.spec as { replicas?: number }).replicas ?? 1);
    if (r.chance(0.35)) built.add('horizontalpodautoscalers.autoscaling', makeHorizontalPodAutoscaler(deployment, r.uid(), created, Math.max(1, Math.min(2, replicas)), Math.max(replicas, 4) * 2, r.pick([60, 70, 80]), r.int(20, 90)));
    if (r.chance(0.3)) {
      const pdb = makePodDisruptionBudget(ns, name, r.uid(), created, selector, r.chance(0.5) ? { minAvailable: 1 } : { maxUnavailable: '25%' });
      pdb.status = pdbStatus(pdb, pods.length, pods.filter(isHealthyForBudget).length, created);
      built.add('poddisruptionbudgets.policy', pdb);
    }
    if (tier === 'backend' && r.chance(0.5)) built.add('networkpolicies.networking.k8s.io', makeNetworkPolicy(ns, `allow-${name}`, r.uid(), created, selector, { tier: 'web' }));
  }

  private addServiceEndpoints(built: Built, service: KubeObject, pods: KubeObject[]): void {
    const endpoints = endpointsOfPods(pods);
    const created = service.metadata.creationTimestamp;
    built.add('services', service);
    // A slice per hundred endpoints, and one even when there are none.
    for (let i = 0; i === 0 || i < endpoints.length; i += maxEndpointsPerSlice) {
      built.add('endpointslices.discovery.k8s.io', makeEndpointSlice(service, `${service.metadata.name}-${this.random.suffix(5)}`, this.random.uid(), created, endpoints.slice(i, i + maxEndpointsPerSlice)));
    }
    built.add('endpoints', makeEndpoints(service, this.random.uid(), created, endpoints));
  }

  private seedStatefulSet(built: Built, sts: KubeObject, pods: KubeObject[]): void {
    const r = this.random;
    const ns = sts.metadata.namespace ?? 'default';
    const name = sts.metadata.name;
    const created = sts.metadata.creationTimestamp;
    const port = name === 'redis' ? 6379 : 5432;
    this.addServiceEndpoints(built, makeService({ name, namespace: ns, uid: r.uid(), created, selector: { app: name }, clusterIP: 'None', ports: [{ name, port, targetPort: port }] }), pods);
    built.add('serviceaccounts', makeServiceAccount(ns, name, r.uid(), created));
    built.add('configmaps', makeConfigMap(ns, `${name}-config`, r.uid(), created, { [`${name}.conf`]: `max_connections = 200\nshared_buffers = 256MB\n`, revision: '1' }, { app: name }));
    // The claims its pods mount, as the StatefulSet controller makes them from its templates.
    const templates = ((sts.spec as { volumeClaimTemplates?: { metadata: { name: string }; spec: { storageClassName: string; resources: { requests: { storage: string } } } }[] }).volumeClaimTemplates ?? []);
    for (const pod of pods) {
      for (const t of templates) {
        const { claim, volume } = makeBoundClaim({ namespace: ns, name: `${t.metadata.name}-${pod.metadata.name}`, uid: r.uid(), created, storageClass: t.spec.storageClassName, size: t.spec.resources.requests.storage, labels: { app: name } }, r.uid(), provisioner);
        built.add('persistentvolumeclaims', claim);
        built.add('persistentvolumes', volume);
      }
    }
  }

  /** A quota per app namespace, its use summed from the pods' requests. */
  private seedQuotas(built: Built, namespaces: string[]): void {
    const use = new Map<string, { cpu: number; memory: number; pods: number }>();
    for (const pod of built.byResource.get('pods') ?? []) {
      const ns = pod.metadata.namespace ?? '';
      const u = use.get(ns) ?? { cpu: 0, memory: 0, pods: 0 };
      for (const c of (pod.spec as { containers: { resources: { requests: { cpu: string; memory: string } } }[] }).containers) {
        u.cpu += parseInt(c.resources.requests.cpu, 10);
        u.memory += parseInt(c.resources.requests.memory, 10);
      }
      u.pods += 1;
      use.set(ns, u);
    }
    for (const ns of namespaces) {
      if (ns === 'default' || ns === 'kube-system') continue;
      const u = use.get(ns) ?? { cpu: 0, memory: 0, pods: 0 };
      const hardPods = Math.max(20, Math.ceil((u.pods * 1.5) / 10) * 10);
      const hard = { pods: String(hardPods), 'requests.cpu': cpuQuantity(Math.max(2000, Math.ceil((u.cpu * 2) / 1000) * 1000)), 'requests.memory': memoryQuantity(Math.max(4096, Math.ceil((u.memory * 2) / 1024) * 1024)), 'limits.memory': memoryQuantity(Math.max(8192, Math.ceil((u.memory * 4) / 1024) * 1024)) };
      const used = { pods: String(u.pods), 'requests.cpu': cpuQuantity(u.cpu), 'requests.memory': memoryQuantity(u.memory), 'limits.memory': memoryQuantity(u.memory * 2) };
      built.add('resourcequotas', makeResourceQuota(ns, this.random.uid(), this.iso(this.age()), hard, used));
    }
  }

  private seedHelmReleases(built: Built, namespaces: string[]): void {
    const has = (ns: string): string => (namespaces.includes(ns) ? ns : 'default');
    const plans: { chart: ChartShape; name: string; namespace: string; statuses: ReleaseStatus[] }[] = [
      { chart: charts.ingressNginx, name: 'ingress-nginx', namespace: 'kube-system', statuses: ['superseded', 'deployed'] },
      { chart: charts.prometheus, name: 'prometheus', namespace: has('monitoring'), statuses: ['superseded', 'superseded', 'deployed'] },
      { chart: charts.postgresql, name: 'postgres', namespace: has('data'), statuses: ['deployed', 'failed'] },
      { chart: charts.shop, name: 'storefront', namespace: has('shop'), statuses: ['superseded', 'superseded', 'superseded', 'deployed'] },
    ];
    for (const plan of plans) {
      const firstMs = this.now() - this.age();
      const step = (this.now() - firstMs) / (plan.statuses.length + 1);
      plan.statuses.forEach((status, i) => {
        const atMs = Math.floor(firstMs + i * step);
        const release = makeRelease(plan.chart, plan.name, plan.namespace, i + 1, goTime(firstMs), goTime(atMs), status, { replicaCount: i + 1 });
        // A revision Helm later superseded was updated then: it carries modifiedAt, the newest createdAt.
        const time = status === 'superseded' ? { modifiedAt: Math.floor((atMs + step) / 1000) } : { createdAt: Math.floor(atMs / 1000) };
        built.add('secrets', makeReleaseSecret(release, this.random.uid(), isoAt(atMs), time));
      });
    }
  }

  private seedCustomResources(built: Built, namespaces: string[]): void {
    const r = this.random;
    const crds = 'customresourcedefinitions.apiextensions.k8s.io';
    built.add(crds, makeCustomResourceDefinition(widgetDefinition, r.uid(), this.iso(clusterAgeMs - 60_000)));
    built.add(crds, makeCustomResourceDefinition(backupPlanDefinition, r.uid(), this.iso(clusterAgeMs - 60_000)));
    const apps = namespaces.filter((n) => n !== 'kube-system');
    const widgetNamespaces = apps.slice(0, Math.max(1, Math.min(apps.length, 40)));
    for (const ns of widgetNamespaces) {
      for (let i = 0; i < 2; i++) {
        const phase = r.pick(widgetPhases);
        built.add(customResourceKey(widgetDefinition), makeWidget(ns, `${r.pick(['gear', 'sprocket', 'flange', 'bolt'])}-${r.suffix(4)}`, r.uid(), this.iso(this.age()), r.int(1, 12), r.pick(['red', 'green', 'blue']), phase));
      }
    }
    for (const ns of apps.slice(0, 4)) {
      const lastRun = this.iso(r.int(60_000, 20 * 3600_000));
      built.add(customResourceKey(backupPlanDefinition), makeBackupPlan(`${ns}-nightly`, r.uid(), this.iso(this.age()), r.pick(['0 2 * * *', '30 3 * * *', '0 */6 * * *']), ns, lastRun));
    }
  }
}

/** CPU millicores as the API server's canonical quantity: `2`, `2500m`. */
export function cpuQuantity(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Mebibytes as a canonical quantity: `4Gi`, `1536Mi`, `0`. */
export function memoryQuantity(mi: number): string {
  if (mi === 0) return '0';
  return mi % 1024 === 0 ? `${mi / 1024}Gi` : `${mi}Mi`;
}

function valuesYaml(values: Record<string, unknown>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
    .join('\n');
}

const simpleManifest =
  (kind: string, image: string) =>
  (release: string, namespace: string, values: Record<string, unknown>): string =>
    `---\n# Source: ${kind}/templates/deployment.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${release}\n  namespace: ${namespace}\n  labels:\n    app.kubernetes.io/managed-by: Helm\n    app.kubernetes.io/instance: ${release}\nspec:\n  replicas: ${String(values.replicaCount ?? 1)}\n  template:\n    spec:\n      containers:\n        - name: ${kind}\n          image: ${image}\n# values\n# ${valuesYaml(values).replace(/\n/g, '\n# ')}\n`;

export const charts = {
  ingressNginx: { name: 'ingress-nginx', version: '4.11.3', appVersion: '1.11.3', description: 'Ingress controller for Kubernetes using NGINX as a reverse proxy and load balancer', values: { controller: { kind: 'Deployment' } }, manifest: simpleManifest('ingress-nginx', 'registry.k8s.io/ingress-nginx/controller:v1.11.3') },
  prometheus: { name: 'kube-prometheus-stack', version: '61.3.2', appVersion: 'v0.75.2', description: 'kube-prometheus-stack collects Kubernetes manifests, Grafana dashboards, and Prometheus rules', values: { grafana: { enabled: true } }, manifest: simpleManifest('kube-prometheus-stack', 'quay.io/prometheus/prometheus:v2.53.1') },
  postgresql: { name: 'postgresql', version: '15.5.20', appVersion: '16.4.0', description: 'PostgreSQL is an object-relational database management system', values: { primary: { persistence: { size: '20Gi' } } }, manifest: simpleManifest('postgresql', 'docker.io/bitnami/postgresql:16.4.0') },
  shop: { name: 'storefront', version: '0.3.7', appVersion: '1.4.2', description: 'The demo shop: frontend, cart and checkout', values: { image: { tag: '1.4.2' } }, manifest: simpleManifest('storefront', 'registry.local/demo/app:1.4.2') },
} satisfies Record<string, ChartShape>;
