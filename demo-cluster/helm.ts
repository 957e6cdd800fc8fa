/**
 * Helm 3 release records, stored as Helm's Secret driver stores them
 * (helm/helm v3 pkg/storage/driver/secrets.go and util.go), so the demo cluster's releases read
 * back in `helm list` shape and kubelive's decoder can be tested against them.
 *
 * The record is the release as JSON, gzipped (best compression), then base64-encoded; Helm puts
 * that text as the bytes of the Secret's `release` key, and the API base64-encodes every Secret
 * value again. So `data.release` in a Secret read from the API is base64(base64(gzip(json))).
 * The Secret is named `sh.helm.release.v1.<release>.v<revision>`, has type `helm.sh/release.v1`
 * and the labels owner=helm, name, status, version, plus createdAt (on install) or modifiedAt
 * (when a later revision supersedes it), both Unix seconds.
 */
import { gunzipSync, gzipSync, constants } from 'node:zlib';
import type { KubeObject } from './store.js';

export type ReleaseStatus = 'unknown' | 'deployed' | 'uninstalled' | 'superseded' | 'failed' | 'uninstalling' | 'pending-install' | 'pending-upgrade' | 'pending-rollback';

export interface ChartMetadata {
  name: string;
  version: string;
  appVersion?: string;
  description?: string;
  apiVersion?: string;
  type?: string;
}

/** The fields of Helm's release.Release that the demo writes, in its JSON shape. */
export interface HelmRelease {
  name: string;
  info: {
    first_deployed: string;
    last_deployed: string;
    /** Helm writes "" for a release that was never deleted. */
    deleted: string;
    description: string;
    status: ReleaseStatus;
    notes?: string;
  };
  chart: {
    metadata: ChartMetadata;
    lock: null;
    templates: { name: string; data: string }[];
    values: Record<string, unknown>;
    schema: null;
    files: { name: string; data: string }[];
  };
  config?: Record<string, unknown>;
  manifest: string;
  version: number;
  namespace: string;
}

export const helmSecretType = 'helm.sh/release.v1';
const gzipMagic = [0x1f, 0x8b, 0x08];

export function releaseSecretName(release: string, revision: number): string {
  return `sh.helm.release.v1.${release}.v${revision}`;
}

/** What Helm puts in the Secret's `release` key: base64 of the gzipped JSON. */
export function encodeRelease(release: HelmRelease): string {
  return gzipSync(Buffer.from(JSON.stringify(release), 'utf8'), { level: constants.Z_BEST_COMPRESSION }).toString('base64');
}

/** Reads Helm's `release` value back; records written before Helm compressed them are plain JSON. */
export function decodeRelease(value: string): HelmRelease {
  let bytes = Buffer.from(value, 'base64');
  if (bytes.length > 3 && gzipMagic.every((b, i) => bytes[i] === b)) bytes = gunzipSync(bytes);
  return JSON.parse(bytes.toString('utf8')) as HelmRelease;
}

/** The release a Secret read from the API holds: its `data.release` is base64 of what Helm encoded. */
export function releaseOfSecret(secret: KubeObject): HelmRelease {
  const data = (secret as { data?: Record<string, string> }).data;
  if (secret.type !== helmSecretType || !data?.release) throw new Error(`${secret.metadata.name} is not a Helm release secret`);
  return decodeRelease(Buffer.from(data.release, 'base64').toString('utf8'));
}

/** The labels Helm's driver sets; the time label says whether Helm created or updated the Secret. */
export function releaseLabels(release: HelmRelease, time: { createdAt?: number; modifiedAt?: number }): Record<string, string> {
  return {
    name: release.name,
    owner: 'helm',
    status: release.info.status,
    version: String(release.version),
    ...(time.createdAt !== undefined ? { createdAt: String(time.createdAt) } : {}),
    ...(time.modifiedAt !== undefined ? { modifiedAt: String(time.modifiedAt) } : {}),
  };
}

/** The Secret holding one revision of a release, as the API returns it. */
export function makeReleaseSecret(release: HelmRelease, uid: string, created: string, time: { createdAt?: number; modifiedAt?: number }): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: releaseSecretName(release.name, release.version), namespace: release.namespace, uid, resourceVersion: '', creationTimestamp: created, labels: releaseLabels(release, time) },
    type: helmSecretType,
    data: { release: Buffer.from(encodeRelease(release), 'utf8').toString('base64') },
  };
}

export interface ChartShape {
  name: string;
  version: string;
  appVersion: string;
  description: string;
  values: Record<string, unknown>;
  /** Rendered manifest for a revision's values. */
  manifest: (release: string, namespace: string, values: Record<string, unknown>) => string;
}

/** One revision of a release of `chart`, deployed at `at` (RFC 3339 with nanoseconds, as Go marshals time). */
export function makeRelease(chart: ChartShape, name: string, namespace: string, revision: number, firstDeployed: string, at: string, status: ReleaseStatus, config: Record<string, unknown>): HelmRelease {
  const values = { ...chart.values, ...config };
  const template = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ include "${chart.name}.fullname" . }}\nspec:\n  replicas: {{ .Values.replicaCount }}\n`;
  return {
    name,
    info: {
      first_deployed: firstDeployed,
      last_deployed: at,
      deleted: '',
      description: status === 'failed' ? `Upgrade "${name}" failed: context deadline exceeded` : revision === 1 ? 'Install complete' : 'Upgrade complete',
      status,
      notes: `${chart.name} ${chart.appVersion} is installed in ${namespace}.`,
    },
    chart: {
      metadata: { name: chart.name, version: chart.version, appVersion: chart.appVersion, description: chart.description, apiVersion: 'v2', type: 'application' },
      lock: null,
      templates: [{ name: 'templates/deployment.yaml', data: Buffer.from(template).toString('base64') }],
      values: chart.values,
      schema: null,
      files: [{ name: 'README.md', data: Buffer.from(`# ${chart.name}\n\n${chart.description}\n`).toString('base64') }],
    },
    ...(Object.keys(config).length > 0 ? { config } : {}),
    manifest: chart.manifest(name, namespace, values),
    version: revision,
    namespace,
  };
}

/** Go's time.Time JSON for a UTC instant: RFC 3339 with the fraction's trailing zeros trimmed. */
export function goTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.?0+Z$/, 'Z');
}
