/**
 * The object YAML is read by people, but it must also say exactly what the object holds: every
 * JSON value, written by toYaml and read back by the `yaml` package as YAML 1.2 and as YAML 1.1
 * (whose readers take "yes", "0755" or "1:20" for other types), is the value it was.
 */
import fc from 'fast-check';
import { parse } from 'yaml';
import { toYaml } from '../../ui/lib/yaml.js';

const asJson = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

/** Strings an object really carries, and the ones that trip YAML readers. */
const awkward = fc.constantFrom(
  'yes', 'No', 'on', 'OFF', 'y', 'N', 'true', 'null', 'Null', '~', '', ' ', '0755', '0x1F', '1e3', '.5', '-.inf', '.NaN', '1:20', '1_000', '.', '-.', '1.2.3', '+1', '0o17', '0b101', '190:20:30',
  '2026-11-27', '2026-11-27T03:00:00Z', '- item', '? key', 'a: b', 'ends:', 'a #comment', '#x', '@at', '`tick', '!tag', '&anchor', '*alias',
  '|', '>', '%', '-', '--', '---', '--verbose', '-x', '-1', '-.5', '"quoted"', "'single'", '{a}', '[a]', 'trailing ', ' leading', 'tab\there', 'line\nbreak', 'two\n\nblank', 'end\n', 'ends\n\n\n',
  '\nstarts with a break', '  indented\nlines', 'x\n  indented after', 'carriage\r\nreturn', 'ünïcödé ✓', 'v1.31.0', 'app.kubernetes.io/name',
  'registry.k8s.io/pause:3.9', 'Back-off restarting failed container app in pod web-1', 'cpu=500m', '100Mi', 'kube-system',
);

const text = fc.oneof(awkward, fc.string(), fc.string({ unit: 'grapheme' }), fc.stringMatching(/^[a-z0-9 .:/\n#-]{0,20}$/));
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('node'), { maxLength: 4 }),
    fc.dictionary(text, tie('node'), { maxKeys: 4 }),
  ),
})).node;

test.each([['1.2', '1.2' as const], ['1.1', '1.1' as const]])('everyJsonValueReadsBackTheSameAsYaml %s', (_name, version) => {
  fc.assert(
    fc.property(fc.dictionary(text, value, { maxKeys: 6 }), (object) => {
      const json = asJson(object);
      const yaml = toYaml(json);
      expect(parse(yaml, { version, uniqueKeys: false })).toEqual(json);
    }),
    { numRuns: 500 },
  );
});

test('aPodReadsAsKubectlShowsIt', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'shop', labels: { 'app.kubernetes.io/name': 'web' }, annotations: {}, creationTimestamp: '2026-11-27T03:00:00Z' },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9', ports: [{ containerPort: 8080 }], args: ['--verbose'] }], nodeName: 'node-1' },
    status: { phase: 'Running', message: 'first line\nsecond line\n', ready: true, restarts: 0 },
  };
  expect(toYaml(pod)).toBe(
    [
      'apiVersion: v1',
      'kind: Pod',
      'metadata:',
      '  name: web-1',
      '  namespace: shop',
      '  labels:',
      '    app.kubernetes.io/name: web',
      '  annotations: {}',
      '  creationTimestamp: "2026-11-27T03:00:00Z"',
      'spec:',
      '  containers:',
      '  - name: app',
      '    image: registry.k8s.io/pause:3.9',
      '    ports:',
      '    - containerPort: 8080',
      '    args:',
      '    - --verbose',
      '  nodeName: node-1',
      'status:',
      '  phase: Running',
      '  message: |',
      '    first line',
      '    second line',
      '  ready: true',
      '  restarts: 0',
      '',
    ].join('\n'),
  );
});
