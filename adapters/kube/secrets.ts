/**
 * What of a Secret may leave the backend. Rows never carry data (the Table prints a Secret's
 * type and key count). A whole Secret, asked for by the YAML view, keeps its keys but not their
 * values: each becomes a note of its length. The `kubectl.kubernetes.io/last-applied-configuration`
 * annotation holds the whole Secret as `kubectl apply` last sent it, data included, so it is
 * redacted too. One key's value crosses the wire only when the user asks to reveal it
 * (`revealedValue`), through a request no other site can make (server/requestPolicy.ts).
 */

export const lastAppliedAnnotation = 'kubectl.kubernetes.io/last-applied-configuration';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Whether an object is a Secret (core/v1), whatever route it was read by. */
export function isSecret(object: unknown): boolean {
  return isRecord(object) && object.kind === 'Secret' && (object.apiVersion === 'v1' || object.apiVersion === undefined);
}

/** `data` values are base64: the length shown is of the decoded value. */
function redactedNote(value: unknown, base64: boolean): string {
  if (typeof value !== 'string') return '(redacted)';
  const bytes = base64 ? Buffer.from(value, 'base64').length : Buffer.byteLength(value, 'utf8');
  return `(redacted: ${bytes} bytes)`;
}

/** A copy of a Secret with every `data` and `stringData` value and the last-applied annotation replaced. */
export function redactSecret<T extends Record<string, unknown>>(secret: T): T {
  const copy: Record<string, unknown> = { ...secret };
  for (const [field, base64] of [['data', true], ['stringData', false]] as const) {
    const values = copy[field];
    if (!isRecord(values)) continue;
    copy[field] = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, redactedNote(value, base64)]));
  }
  const metadata = copy.metadata;
  if (isRecord(metadata) && isRecord(metadata.annotations) && Object.hasOwn(metadata.annotations, lastAppliedAnnotation)) {
    copy.metadata = { ...metadata, annotations: { ...metadata.annotations, [lastAppliedAnnotation]: '(redacted: it holds the Secret\'s data)' } };
  }
  return copy as T;
}

/** A Secret key's name, as the API server allows it. */
export const secretKeyPattern = /^[-._a-zA-Z0-9]{1,253}$/;

export type RevealedValue =
  | { readonly encoding: 'utf8'; readonly value: string; readonly bytes: number }
  | { readonly encoding: 'base64'; readonly value: string; readonly bytes: number };

/** One key's value: text when it is valid UTF-8, else base64 (a certificate's DER, a keystore). */
export function revealedValue(base64: string): RevealedValue {
  const bytes = Buffer.from(base64, 'base64');
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return { encoding: 'utf8', value: text, bytes: bytes.length };
  } catch {
    return { encoding: 'base64', value: bytes.toString('base64'), bytes: bytes.length };
  }
}
