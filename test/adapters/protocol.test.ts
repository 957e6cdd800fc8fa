import { maxClientFrameBytes, parseClientFrame, parseServerFrame } from '../../adapters/protocol.js';

describe('parseClientFrame', () => {
  test('accepts a subscribe with a resume point and defaults a missing scope to all', () => {
    expect(parseClientFrame(JSON.stringify({ type: 'subscribe', id: 's1', domain: 'pods', scope: 'default', resumeFrom: { seq: 4, generation: 17 } }))).toEqual({
      ok: true,
      frame: { type: 'subscribe', id: 's1', domain: 'pods', scope: 'default', resumeFrom: { seq: 4, generation: 17 } },
    });
    expect(parseClientFrame('{"type":"subscribe","id":"n","domain":"nodes"}')).toEqual({
      ok: true,
      frame: { type: 'subscribe', id: 'n', domain: 'nodes', scope: '' },
    });
    expect(parseClientFrame('{"type":"resync","id":"n"}')).toEqual({ ok: true, frame: { type: 'resync', id: 'n' } });
  });

  test.each([
    ['not json', 'malformed-frame', null],
    ['[1,2]', 'malformed-frame', null],
    ['{"type":"hello","id":"a"}', 'malformed-frame', null],
    ['{"type":"subscribe","id":""}', 'malformed-frame', null],
    ['{"type":"subscribe","id":"a","domain":"secrets"}', 'unknown-domain', 'a'],
    ['{"type":"subscribe","id":"a","domain":"pod-metrics"}', 'not-streamable', 'a'],
    ['{"type":"subscribe","id":"a","domain":"nodes","scope":"kube-system"}', 'bad-scope', 'a'],
    ['{"type":"subscribe","id":"a","domain":"pods","scope":"Not A Namespace"}', 'bad-scope', 'a'],
    ['{"type":"subscribe","id":"a","domain":"pod-logs","scope":""}', 'bad-scope', 'a'],
    ['{"type":"subscribe","id":"a","domain":"pods","resumeFrom":{"seq":-1,"generation":0}}', 'malformed-frame', 'a'],
  ])('refuses %s with %s', (text, code, id) => {
    const parsed = parseClientFrame(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) {
      expect(parsed.error.code).toBe(code);
      expect(parsed.error.id).toBe(id);
      expect(parsed.error.reason.length).toBeGreaterThan(5);
    }
  });

  test('refuses frames over the size limit before parsing them', () => {
    const parsed = parseClientFrame(JSON.stringify({ type: 'resync', id: 'a', pad: 'x'.repeat(maxClientFrameBytes) }));
    expect(parsed.ok || parsed.error.code).toBe('frame-too-large');
    const wide = parseClientFrame('"' + '€'.repeat(Math.ceil(maxClientFrameBytes / 3) + 1) + '"');
    expect(wide.ok || wide.error.code).toBe('frame-too-large');
  });
});

describe('parseServerFrame', () => {
  const upstream = { state: 'watching', healthy: true };
  test('accepts each frame type and rejects missing sequence fields', () => {
    expect(parseServerFrame(JSON.stringify({ type: 'heartbeat', id: 'a', seq: 3, generation: 9, resourceVersion: '12', count: 0, digest: '0', upstream })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ type: 'update', id: 'a', seq: 3, generation: 9, resourceVersion: '12', changes: [{ op: 'delete', uid: 'u' }] })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ type: 'error', id: null, code: 'malformed-frame', reason: 'x', fatal: false })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ type: 'heartbeat', id: 'a', generation: 9, resourceVersion: '12', count: 0, digest: '0', upstream })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ type: 'update', id: 'a', seq: 1, generation: 1, resourceVersion: '1', changes: [{ op: 'upsert', row: {} }] })).ok).toBe(false);
    expect(parseServerFrame('{"type":"nope"}').ok).toBe(false);
  });

  test('a reset in pieces and its pieces: the fields a store relies on are checked, hostile ones refused', () => {
    const row = { uid: 'u', resourceVersion: '1' };
    const reset = { type: 'reset', id: 'a', seq: 3, generation: 9, resourceVersion: '12', items: [row], count: 2, digest: '0', upstream };
    expect(parseServerFrame(JSON.stringify({ ...reset, pieces: 2 })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ ...reset, pieces: 1 })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ ...reset, pieces: 2.5 })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ ...reset, pieces: 2, count: 0 })).ok).toBe(false); // more rows than its count
    const piece = { type: 'reset-piece', id: 'a', seq: 3, piece: 1, items: [row] };
    expect(parseServerFrame(JSON.stringify(piece)).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ ...piece, piece: 0 })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ ...piece, seq: -1 })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ ...piece, items: [{ uid: 'u' }] })).ok).toBe(false);
    expect(parseServerFrame(JSON.stringify({ ...piece, id: 7 })).ok).toBe(false);
  });

  test('an upstream that says what it follows ended: a short code is taken, anything else refuses the frame', () => {
    const status = { type: 'status', id: 'a', seq: 3, generation: 9 };
    const heartbeat = { ...status, type: 'heartbeat', resourceVersion: '12', count: 0, digest: '0' };
    const ended = (value: unknown) => ({ ...upstream, ended: value });
    // Frames without it, from a backend before it, are taken as ever.
    expect(parseServerFrame(JSON.stringify({ ...status, upstream })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ ...status, upstream: ended('pod-deleted') })).ok).toBe(true);
    expect(parseServerFrame(JSON.stringify({ ...heartbeat, upstream: ended('pod-deleted') })).ok).toBe(true);
    // A code a later backend may add is taken, to be shown as "ended".
    expect(parseServerFrame(JSON.stringify({ ...status, upstream: ended('container-gone') })).ok).toBe(true);
    for (const bad of [null, true, 7, '', 'Pod Deleted', '-x', 'x'.repeat(65), '<script>', { reason: 'pod-deleted' }, ['pod-deleted']]) {
      const parsed = parseServerFrame(JSON.stringify({ ...status, upstream: ended(bad) }));
      expect(parsed.ok).toBe(false);
      expect(parseServerFrame(JSON.stringify({ ...heartbeat, upstream: ended(bad) })).ok).toBe(false);
    }
  });

  test('an upstream that names the pod whose log it holds: a uid is taken, anything else refuses the frame', () => {
    const status = { type: 'status', id: 'a', seq: 3, generation: 9 };
    const of = (value: unknown) => ({ ...upstream, podUid: value });
    expect(parseServerFrame(JSON.stringify({ ...status, upstream: of('0e1361b8-4754-4bb1-956f-621bf821cdef') })).ok).toBe(true);
    for (const bad of [null, 7, '', 'x'.repeat(129), { uid: 'u' }, ['u']]) {
      expect(parseServerFrame(JSON.stringify({ ...status, upstream: of(bad) })).ok).toBe(false);
    }
  });
});
