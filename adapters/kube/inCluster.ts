/**
 * inClusterKubeConfig builds the configuration of a pod's service account, as client-go's
 * `rest.InClusterConfig` and client-node's `loadFromCluster` do: the API server from
 * KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, and from the service account directory
 * the CA (`ca.crt`), the bearer token (`token`) and the pod's namespace (`namespace`).
 *
 * The token is a bound service account token: the kubelet rewrites the file well before it
 * expires (at 80 % of its life, an hour by default). client-node's `loadFromCluster` re-reads it
 * at most once a minute and only when a request is made, and keeps a trailing newline in the
 * header; here the file is read whole each time the configuration is built, trimmed as client-go
 * trims it, and the backend builds it again whenever the file changes and after a 401
 * (server/backend.ts, KubeClient.reload), so a rotated token is used from the next request.
 */
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

/** Where the kubelet mounts the service account's projected volume in every pod. */
export const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/** The context's name in the built configuration: what the dashboard's header and diagnostics show. */
export const inClusterContext = 'in-cluster';

/** The pod's environment lacks what an in-cluster client needs (not in a pod, or no token mounted). */
export class InClusterError extends Error {}

export interface InClusterSource {
  /** Default `serviceAccountDir`; a test points it at a temporary folder. */
  readonly serviceAccountDir?: string;
  /** Default KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT, read when the configuration is built. */
  readonly host?: string;
  readonly port?: string;
}

/** The files the configuration is read from, for watching them. */
export function inClusterFiles(source: InClusterSource): { token: string; ca: string; namespace: string } {
  const dir = source.serviceAccountDir ?? serviceAccountDir;
  return { token: join(dir, 'token'), ca: join(dir, 'ca.crt'), namespace: join(dir, 'namespace') };
}

export function inClusterKubeConfig(source: InClusterSource): KubeConfig {
  const host = source.host ?? process.env.KUBERNETES_SERVICE_HOST;
  const port = source.port ?? process.env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new InClusterError('not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set (the kubelet sets them in every pod)');
  }
  const files = inClusterFiles(source);
  const read = (path: string, what: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      throw new InClusterError(`cannot read the service account's ${what} at ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  const token = read(files.token, 'token').trim();
  if (token === '') throw new InClusterError(`the service account token at ${files.token} is empty`);
  const ca = read(files.ca, 'CA');
  let namespace: string | undefined;
  try {
    namespace = readFileSync(files.namespace, 'utf8').trim() || undefined;
  } catch {
    // client-go reads the namespace only when asked; a missing file just means no default namespace.
  }
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: inClusterContext, server: `https://${isIPv6(host) ? `[${host}]` : host}:${port}`, caData: Buffer.from(ca).toString('base64'), skipTLSVerify: false }],
    users: [{ name: inClusterContext, token }],
    contexts: [{ name: inClusterContext, cluster: inClusterContext, user: inClusterContext, ...(namespace ? { namespace } : {}) }],
    currentContext: inClusterContext,
  });
  return kc;
}
