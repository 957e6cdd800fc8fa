/** The three patch types, applied as RFC 7386, strategic merge (for the fields served) and RFC 6902 say. */
import { applyPatch, jsonPatch, mergePatch, strategicMergePatch } from '../../demo-cluster/patch.js';

test('mergePatchMergesObjectsDeletesNullsAndReplacesLists', () => {
  const target = { spec: { unschedulable: true, taints: [{ key: 'a', effect: 'NoSchedule' }] }, metadata: { labels: { a: '1', b: '2' } } };
  expect(mergePatch(target, { spec: { unschedulable: null, taints: [] }, metadata: { labels: { b: null, c: '3' } } })).toEqual({ spec: { taints: [] }, metadata: { labels: { a: '1', c: '3' } } });
  expect(target.spec.unschedulable).toBe(true);
});

test('strategicMergePatchHonoursDirectivesAndIgnoresListOrderHints', () => {
  const target = { metadata: { labels: { a: '1' }, annotations: { x: 'y' } }, spec: { unschedulable: true } };
  expect(strategicMergePatch(target, { metadata: { labels: { $patch: 'replace', b: '2' } }, spec: { unschedulable: null }, '$setElementOrder/taints': [] })).toEqual({
    metadata: { labels: { b: '2' }, annotations: { x: 'y' } },
    spec: {},
  });
  expect(strategicMergePatch(target, { metadata: { annotations: { $patch: 'delete' } } })).toEqual({ metadata: { labels: { a: '1' } }, spec: { unschedulable: true } });
  expect(() => strategicMergePatch(target, { $patch: 'explode' })).toThrow(expect.objectContaining({ code: 400 }));
});

test('jsonPatchAppliesOperationsInOrderAndFailsWhole', () => {
  const target = { spec: { taints: [{ key: 'a' }] }, metadata: { labels: { 'x/y': '1' } } };
  expect(
    jsonPatch(target, [
      { op: 'add', path: '/spec/taints/-', value: { key: 'b' } },
      { op: 'remove', path: '/metadata/labels/x~1y' },
      { op: 'test', path: '/spec/taints/0/key', value: 'a' },
      { op: 'copy', from: '/spec/taints/1', path: '/spec/first' },
    ]),
  ).toEqual({ spec: { taints: [{ key: 'a' }, { key: 'b' }], first: { key: 'b' } }, metadata: { labels: {} } });
  expect(() => jsonPatch(target, [{ op: 'replace', path: '/spec/missing/deeper', value: 1 }])).toThrow(expect.objectContaining({ code: 422 }));
  expect(() => jsonPatch(target, [{ op: 'test', path: '/spec/taints/0/key', value: 'z' }])).toThrow(expect.objectContaining({ code: 422 }));
  expect(target.spec.taints).toHaveLength(1);
});

test('anUnknownPatchMediaTypeIs415', () => {
  expect(() => applyPatch('application/apply-patch+yaml', {}, {})).toThrow(expect.objectContaining({ code: 415 }));
  expect(applyPatch('application/merge-patch+json; charset=utf-8', { a: 1 }, { b: 2 })).toEqual({ a: 1, b: 2 });
});
