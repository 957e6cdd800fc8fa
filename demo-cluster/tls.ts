/**
 * A throwaway certificate authority, made fresh at every start: one CA certificate and one
 * serving certificate for 127.0.0.1, ::1 and localhost, both on EC P-256 keys (milliseconds to
 * make, unlike RSA). Real clients (kubectl, @kubernetes/client-node) then use real TLS against
 * the demo cluster, trusting only this CA through the kubeconfig's certificate-authority-data.
 *
 * The certificates are written out as DER by hand: X.509 needs only a handful of ASN.1 shapes,
 * and doing it here keeps the demo cluster free of a crypto dependency and of any shelling out.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isIPv4 } from 'node:net';

export interface ServingCertificates {
  caPem: string;
  certPem: string;
  keyPem: string;
}

// --- DER: tag, length, value -------------------------------------------------------------

function der(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let length: Buffer;
  if (n < 0x80) length = Buffer.from([n]);
  else if (n < 0x100) length = Buffer.from([0x81, n]);
  else if (n < 0x10000) length = Buffer.from([0x82, n >> 8, n & 0xff]);
  else length = Buffer.from([0x83, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const sequence = (...items: Buffer[]): Buffer => der(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => der(0x31, Buffer.concat(items));
const octetString = (b: Buffer): Buffer => der(0x04, b);
const bitString = (b: Buffer): Buffer => der(0x03, Buffer.concat([Buffer.from([0]), b]));
const utf8 = (s: string): Buffer => der(0x0c, Buffer.from(s, 'utf8'));
const boolean = (v: boolean): Buffer => der(0x01, Buffer.from([v ? 0xff : 0]));
const explicit = (n: number, inner: Buffer): Buffer => der(0xa0 + n, inner);

function integer(bytes: Buffer): Buffer {
  // DER integers are signed: a leading 1 bit needs a zero byte in front to stay positive.
  const first = bytes[0] ?? 0;
  return der(0x02, first & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out: number[] = [(parts[0] ?? 0) * 40 + (parts[1] ?? 0)];
  for (const part of parts.slice(2)) {
    const chunk: number[] = [part & 0x7f];
    for (let v = part >>> 7; v > 0; v >>>= 7) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return der(0x06, Buffer.from(out));
}

function time(date: Date): Buffer {
  // UTCTime covers 1950-2049; GeneralizedTime beyond, as RFC 5280 asks.
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z';
  return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
}

const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.10'), utf8('kubelive demo cluster'))), set(sequence(oid('2.5.4.3'), utf8(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  // Only the loopback forms are needed here; expand "::1" style addresses.
  const [head = '', tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

interface CertSpec {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  isCa: boolean;
  dnsNames?: string[];
  ips?: string[];
}

function certificate(spec: CertSpec): Buffer {
  const now = Date.now();
  // Back-dated an hour so a client whose clock is slightly behind still accepts it.
  const notBefore = new Date(now - 3600_000);
  const notAfter = new Date(now + 365 * 24 * 3600_000);
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40; // positive, and never a leading zero byte (DER wants the shortest form)
  const spki = spec.publicKey.export({ type: 'spki', format: 'der' });
  const extensions: Buffer[] = [
    extension('2.5.29.19', true, spec.isCa ? sequence(boolean(true)) : sequence()),
    // keyUsage: CA signs certificates (keyCertSign, cRLSign); the server does digitalSignature.
    extension('2.5.29.15', true, spec.isCa ? der(0x03, Buffer.from([1, 0x06])) : der(0x03, Buffer.from([7, 0x80]))),
  ];
  if (!spec.isCa) {
    extensions.push(extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))));
    const names = [
      ...(spec.dnsNames ?? []).map((d) => der(0x82, Buffer.from(d))),
      ...(spec.ips ?? []).map((ip) => der(0x87, ipBytes(ip))),
    ];
    extensions.push(extension('2.5.29.17', false, sequence(...names)));
  }
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    ecdsaWithSha256,
    name(spec.issuer),
    sequence(time(notBefore), time(notAfter)),
    name(spec.subject),
    spki,
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, { key: spec.signingKey, dsaEncoding: 'der' });
  return sequence(tbs, ecdsaWithSha256, bitString(signature));
}

function pem(label: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** Makes a new CA and a serving certificate signed by it, for the loopback names. */
export function makeServingCertificates(): ServingCertificates {
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const caName = `kubelive-demo-ca-${randomBytes(4).toString('hex')}`;
  const caCert = certificate({ subject: caName, issuer: caName, publicKey: ca.publicKey, signingKey: ca.privateKey, isCa: true });
  const serverCert = certificate({
    subject: 'kubelive-demo-apiserver',
    issuer: caName,
    publicKey: server.publicKey,
    signingKey: ca.privateKey,
    isCa: false,
    dnsNames: ['localhost'],
    ips: ['127.0.0.1', '::1'],
  });
  const keyPem = server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  // Round-trip once so a malformed key fails here, at start, not on the first handshake.
  createPublicKey(createPrivateKey(keyPem));
  return { caPem: pem('CERTIFICATE', caCert), certPem: pem('CERTIFICATE', serverCert), keyPem };
}
