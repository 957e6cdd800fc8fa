/**
 * The JSONPath subset CRD printer columns use: what it reads, what it finds nothing in, and what
 * it refuses when a CRD is created.
 */
import { evaluate, parseJsonPath, printed } from '../../demo-cluster/jsonpath.js';

const widget = {
  metadata: { name: 'w', labels: { 'app.kubernetes.io/name': 'shop' } },
  spec: { replicas: 3, ports: [{ name: 'http', port: 80 }, { name: 'grpc', port: 9090 }] },
  status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True', since: 4 }] },
};

const first = (path: string): unknown => evaluate(parseJsonPath(path), widget)[0];

test('readsFieldsIndexesWildcardsQuotedAndEscapedKeysAndFilters', () => {
  expect(first('.spec.replicas')).toBe(3);
  expect(first('.spec.ports[1].port')).toBe(9090);
  expect(evaluate(parseJsonPath('.spec.ports[*].name'), widget)).toEqual(['http', 'grpc']);
  expect(first(".metadata.labels['app.kubernetes.io/name']")).toBe('shop');
  expect(first('.metadata.labels.app\\.kubernetes\\.io/name')).toBe('shop');
  expect(first('.status.conditions[?(@.type=="Ready")].status')).toBe('True');
  expect(first(".status.conditions[?(@.type!='Ready')].status")).toBe('False');
  expect(first('.status.conditions[?(@.since)].type')).toBe('Ready');
  expect(first('.status.conditions[?(@.since==4)].type')).toBe('Ready');
  expect(first('.')).toBe(widget);
});

test('findsNothingWhereTheObjectHasNothingAndNeverThrows', () => {
  for (const path of ['.spec.missing', '.spec.replicas.deeper', '.spec.ports[7]', '.status.conditions[?(@.type=="Gone")].status', '.metadata.name[0]']) {
    expect(evaluate(parseJsonPath(path), widget)).toEqual([]);
  }
  expect(evaluate(parseJsonPath('.a.b'), null)).toEqual([]);
});

test('refusesPathsItCannotRead', () => {
  for (const path of ['spec.replicas', '', '.spec[', '.spec..x', '.spec[?(@.a > 1)]', '.spec[-1]', '.spec[1:2]']) {
    expect(() => parseJsonPath(path)).toThrow();
  }
});

test('printsStringsBareAndEverythingElseAsJson', () => {
  expect(printed('x')).toBe('x');
  expect(printed(3)).toBe('3');
  expect(printed({ a: [1] })).toBe('{"a":[1]}');
});
