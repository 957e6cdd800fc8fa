/**
 * Helm release records: what the encoder writes the decoder reads back unchanged, the Secret is
 * shaped as Helm 3's Secret driver leaves it, and tools that know nothing of ours (coreutils'
 * base64 and gzip, the recipe Helm users run on `kubectl get secret`) read the same JSON.
 */
import { execFileSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { charts } from '../../demo-cluster/contentSeed.js';
import { decodeRelease, encodeRelease, goTime, makeRelease, makeReleaseSecret, releaseOfSecret } from '../../demo-cluster/helm.js';

const release = makeRelease(charts.prometheus, 'prometheus', 'monitoring', 3, goTime(Date.UTC(2024, 4, 1, 10, 0, 0, 120)), goTime(Date.UTC(2024, 5, 2, 8, 30, 0)), 'deployed', { replicaCount: 2, grafana: { enabled: false } });

test('decodeReadsBackWhatEncodeWrote', () => {
  expect(decodeRelease(encodeRelease(release))).toEqual(release);
  const failed = { ...release, version: 4, info: { ...release.info, status: 'failed' as const, description: 'Upgrade "prometheus" failed' } };
  expect(decodeRelease(encodeRelease(failed))).toEqual(failed);
});

test('decodeReadsRecordsFromBeforeHelmCompressedThem', () => {
  expect(decodeRelease(Buffer.from(JSON.stringify(release)).toString('base64'))).toEqual(release);
});

test('theRecordIsGzipOfTheReleaseJson', () => {
  const bytes = Buffer.from(encodeRelease(release), 'base64');
  expect([...bytes.subarray(0, 3)]).toEqual([0x1f, 0x8b, 0x08]);
  expect(encodeRelease(release)).not.toBe(gzipSync(Buffer.from(JSON.stringify(release)), { level: 1 }).toString('base64'));
});

test('theSecretIsShapedAsHelmsSecretDriverWritesIt', () => {
  const secret = makeReleaseSecret(release, 'uid-1', '2024-06-02T08:30:00Z', { createdAt: 1717317000 });
  expect(secret.metadata.name).toBe('sh.helm.release.v1.prometheus.v3');
  expect(secret.type).toBe('helm.sh/release.v1');
  expect(secret.metadata.labels).toEqual({ name: 'prometheus', owner: 'helm', status: 'deployed', version: '3', createdAt: '1717317000' });
  expect(Object.keys(secret.data as object)).toEqual(['release']);
  expect(releaseOfSecret(secret)).toEqual(release);
});

test('helmUsersShellRecipeReadsTheSameJson', () => {
  const secret = makeReleaseSecret(release, 'uid-1', '2024-06-02T08:30:00Z', { createdAt: 1717317000 });
  const field = (secret.data as { release: string }).release;
  // kubectl get secret sh.helm.release.v1.prometheus.v3 -o jsonpath='{.data.release}' | base64 -d | base64 -d | gunzip
  const once = execFileSync('base64', ['-d'], { input: field });
  const twice = execFileSync('base64', ['-d'], { input: once });
  const json = JSON.parse(execFileSync('gunzip', ['-c'], { input: twice }).toString('utf8'));
  expect(json.name).toBe('prometheus');
  expect(json.version).toBe(3);
  expect(json.namespace).toBe('monitoring');
  expect(json.info).toMatchObject({ status: 'deployed', first_deployed: '2024-05-01T10:00:00.12Z', last_deployed: '2024-06-02T08:30:00Z', deleted: '' });
  expect(json.chart.metadata).toMatchObject({ name: 'kube-prometheus-stack', version: '61.3.2', appVersion: 'v0.75.2' });
  expect(json.config).toEqual({ replicaCount: 2, grafana: { enabled: false } });
  expect(json.manifest).toContain('kind: Deployment');
});

test('goTimeTrimsTheFractionAsGoMarshalsTime', () => {
  expect(goTime(Date.UTC(2024, 0, 1))).toBe('2024-01-01T00:00:00Z');
  expect(goTime(Date.UTC(2024, 0, 1, 0, 0, 30, 500))).toBe('2024-01-01T00:00:30.5Z');
  expect(goTime(Date.UTC(2024, 0, 1, 0, 0, 10, 0))).toBe('2024-01-01T00:00:10Z');
});
