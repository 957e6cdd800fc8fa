import { gzipSync } from 'node:zlib';
import { decodeReleasePayload, helmReleaseRow } from '../../../adapters/kube/helm.js';

/** A release Secret as Helm 3 writes it: JSON, gzipped, base64 (Helm's), then base64 again (the Secret's data). */
function helmSecret(release: unknown, options: { gzip?: boolean; raw?: Buffer } = {}) {
  const json = Buffer.from(JSON.stringify(release));
  const payload = options.raw ?? (options.gzip === false ? json : gzipSync(json));
  const helmText = payload.toString('base64');
  return {
    metadata: { name: 'sh.helm.release.v1.shop.v3', namespace: 'shop', uid: 'u1', resourceVersion: '8', labels: { owner: 'helm', name: 'shop', status: 'deployed', version: '3' } },
    type: 'helm.sh/release.v1',
    data: { release: Buffer.from(helmText).toString('base64') },
  };
}

const release = {
  name: 'shop',
  namespace: 'shop',
  version: 3,
  info: { first_deployed: '2026-11-01T10:00:00Z', last_deployed: '2026-11-30T10:00:00Z', status: 'deployed', description: 'Upgrade complete', notes: 'secret notes' },
  chart: { metadata: { name: 'shop-chart', version: '1.2.3', appVersion: '4.5.6' }, values: { password: 'hunter2' } },
  config: { password: 'hunter2' },
  manifest: 'apiVersion: v1\nkind: Secret',
};

describe('Helm release rows', () => {
  test('a gzipped release decodes to what helm list shows, and nothing of its values', () => {
    const row = helmReleaseRow(helmSecret(release));
    expect(row).toEqual({
      uid: 'u1',
      resourceVersion: '8',
      name: 'sh.helm.release.v1.shop.v3',
      namespace: 'shop',
      release: 'shop',
      revision: 3,
      chart: 'shop-chart',
      chartVersion: '1.2.3',
      appVersion: '4.5.6',
      status: 'deployed',
      updated: '2026-11-30T10:00:00Z',
      description: 'Upgrade complete',
    });
    expect(JSON.stringify(row)).not.toContain('hunter2');
  });

  test('a release stored before Helm compressed them (plain JSON) decodes too', () => {
    expect(helmReleaseRow(helmSecret(release, { gzip: false }))).toMatchObject({ chart: 'shop-chart', status: 'deployed' });
  });

  test('a zip bomb is cut off at the bound and becomes a row saying so', () => {
    // 64 MiB of zeros gzip to about 64 KiB.
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const before = process.memoryUsage().rss;
    const row = helmReleaseRow(helmSecret(null, { raw: bomb }));
    expect(row.status).toBe('unknown');
    expect(row.description).toMatch(/inflates past/);
    expect(row.release).toBe('shop');
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
    expect(() => decodeReleasePayload(bomb.toString('base64'), 1024)).toThrow(/inflates past 1024 bytes/);
  });

  test('anything that does not decode is a row with status unknown and why', () => {
    expect(helmReleaseRow({ metadata: { name: 'x', uid: 'u' } })).toMatchObject({ status: 'unknown', description: expect.stringMatching(/no data.release/) });
    expect(helmReleaseRow(helmSecret(null, { raw: Buffer.from('not json at all') }))).toMatchObject({ status: 'unknown', description: expect.stringMatching(/not JSON/) });
    expect(helmReleaseRow(helmSecret(null, { raw: Buffer.from([0x1f, 0x8b, 0x08, 1, 2, 3, 4, 5]) }))).toMatchObject({ status: 'unknown', description: expect.stringMatching(/gzip/) });
  });
});
