/**
 * The embedded demo cluster, in process: `startDemoCluster` builds a simulated cluster, serves the
 * Kubernetes API for it over HTTPS on loopback with a fresh CA and bearer tokens for its users
 * (users.ts; RBAC decides what each may do), and writes a kubeconfig with a context per user.
 * `startDemoClusters` starts several of different sizes behind one kubeconfig. Everything else in kubelive reaches it through that kubeconfig,
 * exactly as it reaches a real cluster; only the backend's composition root may call this.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ActiveFault, FaultName } from './faults.js';
import { Faults } from './faults.js';
import { LoadSource } from './load.js';
import type { KubeconfigCluster } from './kubeconfig.js';
import { clusterNameAt, contextName, demoContexts, kubeconfigYaml } from './kubeconfig.js';
import { Authorizer } from './rbac.js';
import { Registry } from './registry.js';
import { ApiServer } from './server.js';
import { Simulation } from './simulation.js';
import type { KubeObject } from './store.js';
import { Stores } from './stores.js';
import { makeServingCertificates } from './tls.js';
import type { DemoCredentials } from './users.js';
import { Authenticator, defaultTokenLifetimeMs, namespacesOfNamespaceUser, seedUserRbac } from './users.js';

export type { ActiveFault, FaultName } from './faults.js';
export { faultNames } from './faults.js';

/** A stored object as `readObjects` hands it out: to be read where it lies, never changed or kept. */
export type StoredObject = Readonly<KubeObject>;

export interface DemoClusterOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  nodes?: number;
  pods?: number;
  namespaces?: number;
  /** Simulated changes per second; 0 (the default) = none, for exact tests. */
  churn?: number;
  seed?: number;
  /** How often metrics take a new sample; default 15 s, as metrics-server's standard manifests. */
  metricsResolutionMs?: number;
  /** How long after a node's deletion the pod garbage collector removes its pods; default 40 s, podgc's quarantine. */
  podGcQuarantineMs?: number;
  /** Where to write the kubeconfig; default a new temporary folder, removed on stop. */
  kubeconfigOut?: string;
  /** How often watches that allow bookmarks get one; default 60 s as kube-apiserver's watch cache, at least 1 s. */
  bookmarkIntervalMs?: number;
  /** How many recent changes per resource a watch may resume from; default 20,000. */
  watchWindow?: number;
  /** How long a change can be resumed from; default 75 s, as kube-apiserver's watch cache keeps events. */
  historyWindowMs?: number;
  /** false: metrics.k8s.io is not served at all (404, and absent from discovery), as on a cluster without metrics-server. */
  metrics?: boolean;
  /**
   * false: no bookmarks at all, whatever a watch asks, as a resource whose kube-apiserver watch
   * cache is switched off (`--watch-cache-sizes=pods#0`) is watched straight from etcd.
   */
  bookmarks?: boolean;
  /**
   * false: streaming lists (`sendInitialEvents`) are refused with 422 Invalid, as by a
   * kube-apiserver whose WatchList feature gate is off (docs/demo-cluster.md). Default on.
   */
  watchList?: boolean;
  /**
   * Add the `troubleshooting` namespace: pods in each state kubectl prints (CrashLoopBackOff,
   * Init:0/2, OOMKilled, Evicted, Terminating, ...), a paused and a stuck Deployment, failed and
   * suspended Jobs, a node under memory pressure and a lost node (troubleshooting.ts). Default off,
   * so the sizes asked for are exact.
   */
  scenarios?: boolean;
  /** How long a token issued to the rotating user (through the credential plugin) lives; default a minute, at least 1 s. */
  tokenLifetimeMs?: number;
  /** The kubeconfig's name for this cluster; default `kubelive-demo`. Its users' contexts are named after it. */
  name?: string;
}

export interface DemoCluster {
  url: string;
  kubeconfigPath: string;
  kubeconfigYaml: string;
  /** The admin's bearer token (user `kubelive-demo`, group `system:masters`). */
  token: string;
  caPem: string;
  /** This cluster's entry for a kubeconfig that holds several (`startDemoClusters`). */
  kubeconfigEntry: KubeconfigCluster;
  /** The context of each demo user in the kubeconfig, and the namespaces jane may use. */
  users: {
    contexts: ReturnType<typeof demoContexts>;
    namespaceUserNamespaces: string[];
    credentials: DemoCredentials;
    /** Tokens the credential plugin was issued so far. */
    tokensIssued(): number;
    /** Every issued token stops working at once (the rotating user's next request is a 401 until it runs its plugin again). */
    revokeIssuedTokens(): void;
    /** A token for a service account (as `POST /_demo/serviceaccount-token`); `expirationSeconds` default an hour. */
    serviceAccountToken(namespace: string, name: string, expirationSeconds?: number): { token: string; expirationTimestamp: string };
    /** One issued token stops working (its next request is a 401). */
    revokeToken(token: string): void;
  };
  faults: {
    set(f: { fault: FaultName; resource?: string; ms?: number }): void;
    clear(): void;
    list(): ActiveFault[];
  };
  /** The objects of a resource (plural, e.g. `pods` or `deployments`) as stored now, for tests that compare state. */
  listObjects(resource: string, namespace?: string): unknown[];
  /**
   * What `listObjects` holds, each object only as its uid and resourceVersion, copying nothing:
   * for the digests tests take of the cluster's state every few milliseconds, in the process the
   * backend runs in (copying 3,000 pods each time held that process for seconds).
   */
  listVersions(resource: string, namespace?: string): { uid: string; resourceVersion: string }[];
  /**
   * What `read` takes from each object `listObjects` holds, copying nothing: for a harness that
   * needs a few fields of every pod (the bench picking pods to delete, names) without cloning
   * the whole cluster in its process just before a timed window. `read` is given the stored
   * object itself and must neither change nor keep it.
   */
  readObjects<T>(resource: string, read: (object: StoredObject) => T, namespace?: string): T[];
  /**
   * Every resource served right now, as the registry has it (built-in and from established CRDs):
   * what discovery lists and kubectl api-resources prints.
   */
  servedResources(): { group: string; version: string; plural: string; kind: string; namespaced: boolean; verbs: string[]; shortNames: string[] }[];
  /** Watches open right now. */
  openWatches(): number;
  /**
   * API requests received since the start, by `METHOD /path` without the query (a watch counts
   * under its collection's path), e.g. `GET /api/v1/namespaces/batch/pods/p/log`. The control
   * surface (/_demo) is not counted.
   */
  requestCounts(): Record<string, number>;
  /** The requests of `requestCounts` answered in protobuf (reads of pods whose client asked for it first). */
  protobufRequestCounts(): Record<string, number>;
  /** Simulated changes: `count` pod changes at once, and content changes at their tenth (useful with churn 0 for exact tests). */
  churn(count: number): void;
  /** Cheap changes for the bench's rate rows (load.ts): `count` pods get a new annotation value; returns how many changed. */
  load(count: number): number;
  /**
   * Hears each pod change as the store commits it, before any watch is told of it: the bench
   * times its probes from the commit of their deletion, and counts what else they changed
   * (bench/clusterProcess.ts). Returns the unsubscribe.
   */
  onPodChange(listener: (type: 'ADDED' | 'MODIFIED' | 'DELETED', uid: string) => void): () => void;
  stop(): Promise<void>;
}

export const defaults = {
  nodes: 4,
  pods: 200,
  namespaces: 7,
  churn: 0,
  seed: 1,
  metricsResolutionMs: 15_000,
  // kube-apiserver's watch cache: a bookmark about once a minute (defaultBookmarkFrequency) and
  // events kept for 75 s (eventFreshDuration: the bookmark period plus a margin).
  bookmarkIntervalMs: 60_000,
  historyWindowMs: 75_000,
} as const;

/** Largest sizes accepted; generation stays within a few seconds up to these. */
export const limits = { nodes: 5_000, pods: 150_000, namespaces: 1_000, churn: 10_000 } as const;

function checkCount(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  return value;
}

/** Writes a kubeconfig (mode 0600) where asked, or into a new temporary folder the caller removes on stop. */
async function writeKubeconfig(out: string | undefined, yaml: string, prefix: string): Promise<{ kubeconfigPath: string; tempDir: string | undefined }> {
  const tempDir = out ? undefined : await mkdtemp(join(tmpdir(), prefix));
  const kubeconfigPath = out ?? join(tempDir as string, 'kubeconfig');
  await writeFile(kubeconfigPath, yaml, { mode: 0o600 });
  return { kubeconfigPath, tempDir };
}

export async function startDemoCluster(options: DemoClusterOptions = {}): Promise<DemoCluster> {
  const nodes = checkCount('nodes', options.nodes ?? defaults.nodes, 1, limits.nodes);
  const pods = checkCount('pods', options.pods ?? defaults.pods, 0, limits.pods);
  const namespaces = checkCount('namespaces', options.namespaces ?? defaults.namespaces, 2, limits.namespaces);
  const churn = options.churn ?? defaults.churn;
  if (!Number.isFinite(churn) || churn < 0 || churn > limits.churn) throw new RangeError(`churn must be from 0 to ${limits.churn} changes per second, got ${churn}`);
  const metricsResolutionMs = options.metricsResolutionMs ?? defaults.metricsResolutionMs;
  if (!Number.isFinite(metricsResolutionMs) || metricsResolutionMs < 1000) throw new RangeError(`metrics resolution must be at least 1s, got ${metricsResolutionMs} ms`);

  const bookmarkIntervalMs = options.bookmarkIntervalMs ?? defaults.bookmarkIntervalMs;
  if (!Number.isFinite(bookmarkIntervalMs) || bookmarkIntervalMs < 1000) throw new RangeError(`bookmarks come at most once a second; got an interval of ${bookmarkIntervalMs} ms`);
  const historyWindowMs = options.historyWindowMs ?? defaults.historyWindowMs;
  if (!Number.isFinite(historyWindowMs) || historyWindowMs < 1000) throw new RangeError(`the history window must be at least 1s; got ${historyWindowMs} ms`);
  const stores = new Stores(options.watchWindow, historyWindowMs);
  /** A resource's store, by its plural (`pods`) or plural and group (`deployments.apps`). */
  const storeOf = (resource: string) => {
    const store = stores.all().find((s) => s.resource === resource || s.resource.split('.')[0] === resource);
    if (!store) throw new Error(`unknown resource ${resource}`);
    return store;
  };
  /** Each stored object of a resource handed to `read` where it lies (DemoCluster.readObjects). */
  const readObjects = <T>(resource: string, read: (object: StoredObject) => T, namespace?: string): T[] =>
    [...storeOf(resource).values(namespace)].map((o) => read(o));
  const simulation = new Simulation(stores, { nodes, pods, namespaces, seed: options.seed ?? defaults.seed, churn, scenarios: options.scenarios ?? false, ...(options.podGcQuarantineMs !== undefined ? { podGcQuarantineMs: options.podGcQuarantineMs } : {}) });
  const servesMetrics = options.metrics ?? true;
  const registry = new Registry(stores, { servesMetrics });
  simulation.generate();
  // Seeded CRDs were loaded in bulk, which no controller saw: establish them as the apiserver would.
  registry.establishAll();
  seedUserRbac(stores, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const tokenLifetimeMs = options.tokenLifetimeMs ?? defaultTokenLifetimeMs;
  if (!Number.isFinite(tokenLifetimeMs) || tokenLifetimeMs < 1000) throw new RangeError(`tokens must live at least 1s; got ${tokenLifetimeMs} ms`);

  const certificates = makeServingCertificates();
  const token = randomBytes(24).toString('base64url');
  const authenticator = new Authenticator(token, tokenLifetimeMs);
  let address = '';
  let api: ApiServer | undefined;
  const faults = new Faults({
    dropWatches: (resource) => api?.dropWatches(resource),
    expireHistory: (resource) => {
      for (const store of stores.all()) if (resource === undefined || store.resource === resource || store.resource.split('.')[0] === resource) store.compact();
    },
  });
  api = new ApiServer({
    stores,
    registry,
    simulation,
    faults,
    metrics: { now: Date.now, resolutionMs: metricsResolutionMs },
    authenticator,
    authorizer: new Authorizer(stores),
    serverAddress: () => address,
    bookmarkIntervalMs,
    servesMetrics,
    sendsBookmarks: options.bookmarks ?? true,
    servesWatchList: options.watchList ?? true,
  });
  const server = createServer({ key: certificates.keyPem, cert: certificates.certPem }, api.handle);
  // A client that sends garbage instead of TLS or HTTP is dropped without disturbing anyone else.
  server.on('clientError', (_error, socket) => socket.destroy());
  server.on('tlsClientError', () => undefined);
  // Every socket, from its TCP connect: `closeAllConnections` knows only sockets that became HTTP
  // connections, so one still in its TLS handshake (or a request arriving as the server stops)
  // held `close` open for up to the handshake timeout, two minutes.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  address = `${urlHost}:${port}`;
  const url = `https://${address}`;
  const name = options.name ?? contextName;
  const namespaceUserNamespaces = namespacesOfNamespaceUser(stores);
  const kubeconfigEntry: KubeconfigCluster = { name, server: url, caPem: certificates.caPem, credentials: authenticator.credentials, namespaceUserNamespace: namespaceUserNamespaces[0] ?? 'default' };
  const yaml = kubeconfigYaml([kubeconfigEntry]);
  const { kubeconfigPath, tempDir } = await writeKubeconfig(options.kubeconfigOut, yaml, 'kubelive-demo-');
  simulation.start();

  let stopped: Promise<void> | undefined;
  let loadSource: LoadSource | undefined;
  return {
    url,
    kubeconfigPath,
    kubeconfigYaml: yaml,
    token,
    caPem: certificates.caPem,
    kubeconfigEntry,
    users: {
      contexts: demoContexts(name),
      namespaceUserNamespaces,
      credentials: authenticator.credentials,
      tokensIssued: () => authenticator.issuedCount,
      revokeIssuedTokens: () => authenticator.revokeIssued(),
      serviceAccountToken: (namespace, name, expirationSeconds = 3600) => {
        if (!stores.byName('serviceaccounts').get(namespace, name)) throw new Error(`no service account ${namespace}/${name}`);
        return authenticator.issueServiceAccountToken(namespace, name, expirationSeconds * 1000);
      },
      revokeToken: (token) => authenticator.revoke(token),
    },
    faults: {
      set: (f) => faults.set(f),
      clear: () => faults.clear(),
      list: () => faults.list(),
    },
    listObjects(resource, namespace) {
      return [...storeOf(resource).values(namespace)].map((o) => structuredClone(o));
    },
    listVersions: (resource, namespace) => readObjects(resource, (o) => ({ uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion }), namespace),
    readObjects,
    servedResources: () =>
      registry.all().map((r) => ({ group: r.group, version: r.version, plural: r.plural, kind: r.kind, namespaced: r.namespaced, verbs: [...r.verbs], shortNames: [...(r.shortNames ?? [])] })),
    openWatches: () => api?.openWatchCount ?? 0,
    requestCounts: () => Object.fromEntries(api?.requestCounts ?? []),
    protobufRequestCounts: () => Object.fromEntries(api?.protobufRequestCounts ?? []),
    churn(count) {
      simulation.churnBatch(count);
    },
    load: (count) => (loadSource ??= new LoadSource(stores.pods)).change(count),
    onPodChange: (listener) => stores.pods.subscribe((change) => listener(change.type, change.object.metadata.uid)),
    stop() {
      stopped ??= (async () => {
        simulation.stop();
        api?.dropWatches(undefined, true);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          for (const socket of sockets) socket.destroy();
        });
        if (tempDir) await rm(tempDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}

/** Several demo clusters behind one kubeconfig: a context per cluster (and per user of each). */
export interface DemoClusters {
  readonly clusters: readonly DemoCluster[];
  readonly kubeconfigPath: string;
  readonly kubeconfigYaml: string;
  /** The admin context of each cluster, in order: `kubelive-demo`, `kubelive-demo-2`, … */
  readonly contexts: readonly string[];
  stop(): Promise<void>;
}

/** How the n-th cluster's size compares with the first's, so a view across them shows clusters that differ. */
const sizeFactors = [1, 0.4, 2.5, 0.15, 1.6] as const;

/** Clusters one process serves at most: each is a store, a simulation and a port. */
export const maxDemoClusters = 10;

/**
 * Starts `count` demo clusters (1 to 10) of different sizes (the first as the options say, the
 * others smaller or larger, each with its own seed) and writes one kubeconfig holding all of them:
 * `kubelive-demo` (current), `kubelive-demo-2`, … with their users' contexts beside each.
 */
export async function startDemoClusters(count: number, options: DemoClusterOptions = {}): Promise<DemoClusters> {
  checkCount('demo clusters', count, 1, maxDemoClusters);
  const basePods = options.pods ?? defaults.pods;
  const baseNodes = options.nodes ?? defaults.nodes;
  const clusters: DemoCluster[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const factor = sizeFactors[i % sizeFactors.length] ?? 1;
      clusters.push(
        await startDemoCluster({
          ...options,
          kubeconfigOut: undefined,
          port: i === 0 ? options.port : 0,
          name: clusterNameAt(i),
          seed: (options.seed ?? defaults.seed) + i,
          pods: Math.min(limits.pods, Math.round(basePods * factor)),
          nodes: Math.max(1, Math.min(limits.nodes, Math.round(baseNodes * factor))),
        }),
      );
    }
  } catch (error) {
    await Promise.all(clusters.map((c) => c.stop()));
    throw error;
  }
  const yaml = kubeconfigYaml(clusters.map((c) => c.kubeconfigEntry));
  const { kubeconfigPath, tempDir } = await writeKubeconfig(options.kubeconfigOut, yaml, 'kubelive-demos-');
  let stopped: Promise<void> | undefined;
  return {
    clusters,
    kubeconfigPath,
    kubeconfigYaml: yaml,
    contexts: clusters.map((_, i) => clusterNameAt(i)),
    stop() {
      stopped ??= (async () => {
        await Promise.all(clusters.map((c) => c.stop()));
        if (tempDir) await rm(tempDir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
}
