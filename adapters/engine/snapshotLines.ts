/**
 * Reads a snapshot sent as lines (docs/protocol.md, "Snapshots as lines") as it arrives: each
 * `rows` line is handed to `onRows` at once (a cold view shows it), and the whole answer comes
 * back as a snapshot body once the trail lands, only if the rows add up to the trail's count
 * and digest. A hostile or cut-short answer (a bad line, no trail, a count or digest that does
 * not hold, an over-long line) is an error, with nothing kept.
 */
import { addDigest, emptyDigest, formatDigest, sumOf, type DigestSum } from '../digest.js';
import { joinedRows, maxSnapshotLineChars, parseSnapshotLine, type ColumnDefinition, type Row, type SnapshotBody, type SnapshotLine } from '../protocol.js';

type Head = Extract<SnapshotLine, { type: 'head' }>;

/** The text of a body as it arrives: from its stream when it has one, else all at once from `text()`. */
export async function* bodyText(response: { readonly body?: ReadableStream<Uint8Array> | null; text(): Promise<string> }): AsyncGenerator<string> {
  if (!response.body) {
    yield await response.text();
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield decoder.decode(value, { stream: true });
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
}

export async function readSnapshotLines(
  chunks: AsyncIterable<string>,
  /** `digest` is the digest of exactly `rows`, the sum the trail's check adds them in with. */
  onRows: (rows: readonly Row[], expected: number | null, columns: readonly ColumnDefinition[] | undefined, digest: Readonly<DigestSum>) => void,
  failure: (status: number, reason: string) => Error,
): Promise<SnapshotBody> {
  let head: Head | null = null;
  // Each rows line's array as it came, joined once at the trail (joinedRows).
  const lines: (readonly Row[])[] = [];
  let received = 0;
  // Summed as the rows lines come, while the backend is still reading the next page: at the
  // trail only the sum is left to check (20,345 rows hashed at the end were 5-10 ms of the tail).
  const sum = emptyDigest();
  const take = (text: string): SnapshotBody | null => {
    const parsed = parseSnapshotLine(text);
    if (!parsed.ok) throw failure(502, parsed.reason);
    const line = parsed.line;
    // A refusal or a kind gone is said with its status, as the JSON route's answer would be: the
    // machine blocks for permissions (403) or lets the kind go (404) instead of asking again.
    if (line.type === 'error') throw failure(line.error === 'forbidden' ? 403 : line.error === 'not-found' ? 404 : 503, `${line.error}: ${line.reason}`);
    if (line.type === 'head') {
      if (head !== null) throw failure(502, 'snapshot lines: a second head');
      head = line;
      return null;
    }
    if (head === null) throw failure(502, `snapshot lines: ${line.type} before the head`);
    const known: Head = head;
    if (line.type === 'rows') {
      if (known.expected !== null && received + line.items.length > known.expected) throw failure(502, `snapshot lines: more rows than the ${known.expected} expected`);
      lines.push(line.items);
      received += line.items.length;
      const digest = sumOf(line.items);
      addDigest(sum, digest);
      onRows(line.items, known.expected, known.columns, digest);
      return null;
    }
    if (line.count !== received) throw failure(502, `snapshot lines: ${received} rows, trail says ${line.count}`);
    const digest = formatDigest(sum);
    if (digest !== line.digest) throw failure(502, `snapshot lines: digest ${digest}, trail says ${line.digest}`);
    const { type: _type, expected: _expected, ...rest } = known;
    // A cold view's rows that are the first list its cache lands are that cache's view at the
    // trail's generation, as good a resume point as a snapshot of the cache.
    const source = line.resumable ? 'cache' : known.source;
    const items = joinedRows(lines);
    return { ...rest, source, items, count: line.count, digest: line.digest, generation: line.generation, resourceVersion: line.resourceVersion };
  };
  // The start of a line whose end has not come yet, as the pieces it came in: each chunk is
  // searched for line ends once and a line is joined once, at its end. Appending every chunk to
  // one string and searching that from its start copied and scanned each 0.2 MB rows line again
  // for every 64 KB chunk it spans.
  let pending: string[] = [];
  let pendingChars = 0;
  for await (const chunk of chunks) {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end >= 0; end = chunk.indexOf('\n', start)) {
      const tail = chunk.slice(start, end);
      let text = tail;
      if (pending.length > 0) {
        pending.push(tail);
        text = pending.join('');
        pending = [];
        pendingChars = 0;
      }
      start = end + 1;
      const snapshot = take(text);
      if (snapshot) return snapshot;
    }
    if (start < chunk.length) {
      pending.push(start === 0 ? chunk : chunk.slice(start));
      pendingChars += chunk.length - start;
    }
    if (pendingChars > maxSnapshotLineChars) throw failure(502, `snapshot line over ${maxSnapshotLineChars} characters`);
  }
  throw failure(502, 'snapshot lines ended before their trail');
}
