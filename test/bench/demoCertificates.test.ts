/**
 * Found by the benchmarks: about one demo cluster start in a hundred made a certificate OpenSSL
 * refuses ("illegal padding"), so every client failed with "unable to verify the first
 * certificate". A random serial whose first byte came out 0x00 was a non-minimal DER integer.
 * Thousands of certificates make a 1-in-128 fault certain to show.
 */
import { X509Certificate } from 'node:crypto';
import { makeServingCertificates } from '../../demo-cluster/tls.js';

test('everyGeneratedCertificateParses', () => {
  let failures = 0;
  for (let i = 0; i < 1500; i++) {
    const { caPem, certPem } = makeServingCertificates();
    try {
      const ca = new X509Certificate(caPem);
      expect(new X509Certificate(certPem).verify(ca.publicKey)).toBe(true);
    } catch {
      failures++;
    }
  }
  expect(failures).toBe(0);
});
