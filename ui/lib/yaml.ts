/**
 * A whole Kubernetes object as YAML, the way an operator reads it in `kubectl get -o yaml`:
 * block style, sequences under their key without extra indentation, multi-line text as a
 * literal block. Only what JSON can hold is written (the backend serves JSON), and a string is
 * left unquoted only when every YAML reader (1.1 as well as 1.2) reads it back as that string:
 * "yes", "0x1F", "1e3", "2026-11-27", "~" or a leading "-" are quoted, as are keys that would
 * be. Quoted strings are JSON strings, which are valid YAML double-quoted scalars.
 */

/**
 * Plain (unquoted) text: letters, digits and a few punctuation marks, no leading indicator; a
 * leading "-" only before another such character ("--verbose", not "- x").
 */
const plainText = /^(?:[A-Za-z0-9_/]|-(?=[A-Za-z0-9_./=@+-]))[A-Za-z0-9_./:=@+-]*(?: [A-Za-z0-9_./=@+()-]+)*$/;
/** What a YAML 1.1 or 1.2 reader would take for a boolean, null, number or date. */
const looksTyped = new RegExp(
  `^(?:${[
    'y|n|yes|no|on|off|true|false|null|~',
    '[-+]?(?:\\.inf|\\.nan)',
    // Numbers in every spelling either version reads: 1_000, 1e3, e0 (1.1), ".", "-." and
    // "1.2.3" (1.1's float pattern), 1:20 (1.1's base 60). Anything made only of these
    // characters is quoted, which over-quotes a few strings like "e" and is harmless.
    '[-+0-9_.:eE]+',
    '0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+',
    '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*', // dates and timestamps
  ].join('|')})$`,
  'i',
);

function scalarText(text: string): string {
  const plain = plainText.test(text) && !looksTyped.test(text) && !text.includes(': ') && !text.endsWith(':') && !text.startsWith('---');
  return plain ? text : JSON.stringify(text);
}

/** Text with line breaks, written as a literal block when YAML can keep it exactly. */
function literalBlock(text: string, indent: string): string | null {
  if (!text.includes('\n') || /[\r\t\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(text)) return null;
  const trailing = /\n+$/.exec(text)?.[0].length ?? 0;
  const body = text.slice(0, text.length - trailing);
  // Leading blanks on the first line would need an indentation indicator; lines of only spaces
  // are ambiguous at the block's edge. Both are rare enough to quote instead.
  if (!/^[^ \n]/.test(body) || body.split('\n').some((line) => line !== '' && line.trim() === '')) return null;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const lines = text.slice(0, trailing > 0 ? text.length - 1 : text.length).split('\n');
  return `|${chomp}\n${lines.map((line) => (line === '' ? '' : indent + line)).join('\n')}`;
}

function scalar(value: unknown, indent: string): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'string') return literalBlock(value, indent) ?? scalarText(value);
  return JSON.stringify(String(value));
}

/** `[]` or `{}` for an empty collection, null for anything else. */
function emptyCollection(value: unknown): string | null {
  if (Array.isArray(value)) return value.length === 0 ? '[]' : null;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length === 0 ? '{}' : null;
  return null;
}

const isMap = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function writeMap(map: Record<string, unknown>, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const [key, child] of Object.entries(map)) {
    const k = scalarText(key);
    const empty = emptyCollection(child);
    if (empty !== null) out.push(`${pad}${k}: ${empty}`);
    else if (Array.isArray(child)) {
      out.push(`${pad}${k}:`);
      writeSequence(child, indent, out); // kubectl's style: the dashes line up with the key
    } else if (isMap(child)) {
      out.push(`${pad}${k}:`);
      writeMap(child, indent + 2, out);
    } else out.push(`${pad}${k}: ${scalar(child, ' '.repeat(indent + 2))}`);
  }
}

function writeSequence(items: readonly unknown[], indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const item of items) {
    const empty = emptyCollection(item);
    if (empty !== null) out.push(`${pad}- ${empty}`);
    else if (Array.isArray(item) || isMap(item)) {
      // The item written two columns in, its first line then taking the dash.
      const inner: string[] = [];
      if (Array.isArray(item)) writeSequence(item, indent + 2, inner);
      else writeMap(item, indent + 2, inner);
      out.push(`${pad}- ${inner[0]!.slice(indent + 2)}`, ...inner.slice(1));
    } else out.push(`${pad}- ${scalar(item, ' '.repeat(indent + 2))}`);
  }
}

export function toYaml(value: unknown): string {
  const out: string[] = [];
  const empty = emptyCollection(value);
  if (empty !== null) out.push(empty);
  else if (Array.isArray(value)) writeSequence(value, 0, out);
  else if (isMap(value)) writeMap(value, 0, out);
  else out.push(scalar(value, '  '));
  return `${out.join('\n')}\n`;
}
