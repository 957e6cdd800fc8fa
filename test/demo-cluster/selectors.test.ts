/** Label and field selectors, parsed as a real API server parses them. */
import { parseFieldSelector, parseLabelSelector } from '../../demo-cluster/selectors.js';

const labels = { app: 'web', tier: 'frontend', 'example.com/team': 'blue' };

test.each([
  ['app=web', true],
  ['app==web', true],
  ['app!=web', false],
  ['app!=db', true],
  ['missing!=x', true],
  ['app in (web,db)', true],
  ['app in (db)', false],
  ['app notin (db, cache)', true],
  ['missing notin (a)', true],
  ['tier', true],
  ['!tier', false],
  ['!missing', true],
  ['example.com/team=blue,tier in (frontend)', true],
  ['app=web,tier=backend', false],
  ['', true],
])('labelSelector %p matches: %p', (selector, expected) => {
  expect(parseLabelSelector(selector)(labels)).toBe(expected);
});

test.each(['app in (a', 'app=web=x', '=x', 'a b c', 'app in a'])('labelSelector %p is rejected with 400', (selector) => {
  expect(() => parseLabelSelector(selector)).toThrow(expect.objectContaining({ code: 400 }));
});

test('fieldSelectorsCompareSupportedFieldsOnly', () => {
  const supported = ['metadata.name', 'metadata.namespace', 'spec.nodeName', 'status.phase'];
  const pod = { metadata: { name: 'p', namespace: 'shop' }, spec: { nodeName: 'n1' }, status: { phase: 'Running' } };
  expect(parseFieldSelector('spec.nodeName=n1,status.phase!=Pending', supported)(pod)).toBe(true);
  expect(parseFieldSelector('status.phase==Pending', supported)(pod)).toBe(false);
  expect(parseFieldSelector('spec.nodeName=', supported)({ metadata: {}, spec: {} })).toBe(true);
  expect(() => parseFieldSelector('spec.hostname=x', supported)).toThrow(expect.objectContaining({ code: 400 }));
  expect(() => parseFieldSelector('spec.nodeName', supported)).toThrow(expect.objectContaining({ code: 400 }));
});
