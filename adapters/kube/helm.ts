/**
 * Helm releases, read from the Secrets Helm 3 stores them in (its default storage driver):
 * one Secret per release revision, named `sh.helm.release.v1.NAME.vREVISION`, type
 * `helm.sh/release.v1`, labelled `owner=helm`, `name`, `status`, `version`. Its `data.release`
 * holds the release (helm/helm pkg/storage/driver/util.go): JSON, gzipped, then base64-encoded
 * by Helm; and, being Secret data, base64-encoded once more on the wire. Releases stored before
 * Helm compressed them are not gzipped: the gzip magic bytes tell which.
 *
 * Only what `helm list` and `helm history` show is kept: the chart's values, the manifest and
 * the notes are read to be dropped, never cached or sent. The decompressed size is bounded, so a
 * Secret crafted to inflate to gigabytes (a zip bomb) costs a bounded read and becomes a row
 * saying why it could not be read, as does anything else that fails to decode.
 */
import { gunzipSync } from 'node:zlib';
import type { HelmReleaseRow } from '../rows.js';
import type { KubeObject } from './rows.js';

/** Helm's release Secrets carry this label. */
export const helmLabelSelector = 'owner=helm';

/**
 * A Secret holds at most 1 MiB; a real release's JSON inflates a few times that. Past this
 * bound it is not a release we can show, and reading further would let one Secret take the
 * backend's memory.
 */
export const maxReleaseBytes = 16 * 1024 * 1024;

const gzipMagic = [0x1f, 0x8b, 0x08];

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Helm's payload (what is left after the Secret's own base64) to the release JSON text; throws with a reason. */
export function decodeReleasePayload(helmBase64: string, maxBytes = maxReleaseBytes): string {
  const bytes = Buffer.from(helmBase64, 'base64');
  if (bytes.length === 0) throw new Error('the release payload is empty');
  if (bytes.length > 3 && gzipMagic.every((b, i) => bytes[i] === b)) {
    try {
      return gunzipSync(bytes, { maxOutputLength: maxBytes }).toString('utf8');
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || (error instanceof RangeError && /larger|too large|maxOutputLength/i.test(error.message))) {
        throw new Error(`the release inflates past ${maxBytes} bytes`);
      }
      throw new Error(`the release is not valid gzip: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (bytes.length > maxBytes) throw new Error(`the release is larger than ${maxBytes} bytes`);
  return bytes.toString('utf8');
}

function revisionFromName(name: string): number {
  const match = /\.v(\d+)$/.exec(name);
  return match ? Number(match[1]) : 0;
}

/** The row of one release Secret; a Secret that cannot be read is a row with status `unknown` and why. */
export function helmReleaseRow(secret: KubeObject): HelmReleaseRow {
  const meta = secret.metadata ?? {};
  const labels = meta.labels ?? {};
  const base = {
    uid: str(meta.uid),
    resourceVersion: str(meta.resourceVersion),
    name: str(meta.name),
    namespace: str(meta.namespace),
    release: str(labels.name),
    revision: Number(labels.version) || revisionFromName(str(meta.name)),
  };
  const unreadable = (why: string): HelmReleaseRow => ({
    ...base,
    chart: '',
    chartVersion: '',
    appVersion: '',
    status: 'unknown',
    updated: str(labels.modifiedAt) ? new Date(Number(labels.modifiedAt) * 1000).toISOString() : null,
    description: `cannot read this release: ${why}`,
  });
  const data = isRecord(secret.data) ? secret.data : {};
  const encoded = data.release;
  if (typeof encoded !== 'string') return unreadable('the Secret has no data.release');
  let release: unknown;
  try {
    // The Secret's own base64 first, then Helm's.
    const helmPayload = Buffer.from(encoded, 'base64').toString('latin1');
    release = JSON.parse(decodeReleasePayload(helmPayload));
  } catch (error) {
    return unreadable(error instanceof SyntaxError ? 'the release is not JSON' : error instanceof Error ? error.message : String(error));
  }
  if (!isRecord(release)) return unreadable('the release is not a JSON object');
  const info = isRecord(release.info) ? release.info : {};
  const chart = isRecord(release.chart) ? release.chart : {};
  const chartMeta = isRecord(chart.metadata) ? chart.metadata : {};
  return {
    ...base,
    release: str(release.name) || base.release,
    revision: typeof release.version === 'number' ? release.version : base.revision,
    chart: str(chartMeta.name),
    chartVersion: str(chartMeta.version),
    appVersion: str(chartMeta.appVersion),
    status: str(info.status) || str(labels.status) || 'unknown',
    updated: str(info.last_deployed) || str(info.first_deployed) || null,
    description: str(info.description),
  };
}
