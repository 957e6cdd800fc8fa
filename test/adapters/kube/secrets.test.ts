import { lastAppliedAnnotation, redactSecret, revealedValue } from '../../../adapters/kube/secrets.js';

describe('Secrets on the wire', () => {
  test('a redacted Secret keeps its keys and their lengths, never a value, and hides the last-applied annotation', () => {
    const secret = {
      kind: 'Secret',
      apiVersion: 'v1',
      metadata: { name: 's', namespace: 'ns', annotations: { [lastAppliedAnnotation]: '{"data":{"password":"aHVudGVyMg=="}}', team: 'shop' } },
      type: 'Opaque',
      data: { password: Buffer.from('hunter2').toString('base64'), empty: '' },
      stringData: { token: 'abc' },
    };
    const redacted = redactSecret(secret);
    expect(redacted.data).toEqual({ password: '(redacted: 7 bytes)', empty: '(redacted: 0 bytes)' });
    expect(redacted.stringData).toEqual({ token: '(redacted: 3 bytes)' });
    expect(redacted.metadata.annotations.team).toBe('shop');
    const text = JSON.stringify(redacted);
    expect(text).not.toContain('aHVudGVyMg');
    expect(text).not.toContain('hunter2');
    // The original is untouched (it is not ours to change).
    expect(secret.data.password).toBe('aHVudGVyMg==');
  });

  test('a revealed value is text when it is UTF-8, else base64', () => {
    expect(revealedValue(Buffer.from('héllo').toString('base64'))).toEqual({ encoding: 'utf8', value: 'héllo', bytes: 6 });
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80]);
    expect(revealedValue(binary.toString('base64'))).toEqual({ encoding: 'base64', value: binary.toString('base64'), bytes: 4 });
  });
});
