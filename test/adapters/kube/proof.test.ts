/**
 * The probe's pieces that need no cluster: reading a watch line's type and resourceVersion
 * without parsing the object must agree with JSON.parse whenever it answers at all, and the
 * witness must remember what the main watch delivered across one probe rotation, and a probe's
 * check must see what the watch delivers while it waits.
 */
import fc from 'fast-check';
import { watchLineFacts, WatchWitness } from '../../../adapters/kube/proof.js';

const line = (type: string, object: unknown) => JSON.stringify({ type, object });

describe('watchLineFacts', () => {
  test('reads type and metadata.resourceVersion from the shape API servers write', () => {
    const pod = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'web-1', namespace: 'shop', uid: 'u1', resourceVersion: '4711', labels: { app: 'web' } }, spec: {}, status: {} };
    expect(watchLineFacts(line('MODIFIED', pod))).toEqual({ type: 'MODIFIED', resourceVersion: '4711' });
  });

  test('never takes a nested resourceVersion for the object’s own', () => {
    // An Event names another object's resourceVersion; here it comes before metadata's own.
    const event = { kind: 'Event', apiVersion: 'v1', involvedObject: { kind: 'Pod', resourceVersion: '12' }, metadata: { name: 'e', resourceVersion: '99' } };
    expect(watchLineFacts(line('ADDED', event))).toBeNull();
    // Metadata whose resourceVersion comes after a nested object (ownerReferences) is parsed instead.
    const owned = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', ownerReferences: [{ kind: 'ReplicaSet', name: 'rs' }], resourceVersion: '7' } };
    expect(watchLineFacts(line('ADDED', owned))).toBeNull();
    // A brace inside a string before the key: conservative, parsed instead.
    const braced = { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', annotations: { note: '{"resourceVersion":"1"}' }, resourceVersion: '8' } };
    expect(watchLineFacts(line('ADDED', braced))).toBeNull();
  });

  test('an ERROR line and anything not shaped like a watch event are left to JSON.parse', () => {
    expect(watchLineFacts(line('ERROR', { kind: 'Status', code: 410, metadata: {} }))).toBeNull();
    expect(watchLineFacts('not json at all')).toBeNull();
    expect(watchLineFacts(JSON.stringify({ object: { metadata: { resourceVersion: '1' } }, type: 'ADDED' }))).toBeNull();
  });

  test('whenever it answers, it answers what JSON.parse reads', () => {
    const text = fc.string({ maxLength: 12 });
    const value = fc.oneof(text, fc.integer(), fc.constant(null), fc.dictionary(text, text, { maxKeys: 3 }), fc.array(fc.dictionary(text, text, { maxKeys: 2 }), { maxLength: 2 }));
    const metadata = fc
      .tuple(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), value, { maxKeys: 4 }), fc.stringMatching(/^[0-9]{1,9}$/), fc.nat(5))
      .map(([fields, rv, at]) => {
        const entries = Object.entries(fields).filter(([k]) => k !== 'resourceVersion');
        entries.splice(Math.min(at, entries.length), 0, ['resourceVersion', rv]);
        return Object.fromEntries(entries);
      });
    const object = fc
      .tuple(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), value, { maxKeys: 3 }), metadata, fc.boolean())
      .map(([rest, meta, metadataFirst]) => {
        const others = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== 'metadata' && k !== 'kind' && k !== 'apiVersion'));
        return metadataFirst ? { kind: 'Widget', apiVersion: 'v1', metadata: meta, ...others } : { kind: 'Widget', apiVersion: 'v1', ...others, metadata: meta };
      });
    let answered = 0;
    fc.assert(
      fc.property(fc.constantFrom('ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'), object, (type, o) => {
        const text = line(type, o);
        const facts = watchLineFacts(text);
        if (facts === null) return;
        answered++;
        const parsed = JSON.parse(text) as { type: string; object: { metadata: { resourceVersion: string } } };
        expect(facts).toEqual({ type: parsed.type, resourceVersion: parsed.object.metadata.resourceVersion });
      }),
      { numRuns: 2000, seed: 5 },
    );
    // The short cut must actually be taken, or this property says nothing about it.
    expect(answered).toBeGreaterThan(200);
  });
});

describe('WatchWitness', () => {
  test('remembers deliveries across one rotation, forgets them after two; a list starts afresh', () => {
    const w = new WatchWitness();
    w.listed('10');
    expect(w.lastResourceVersion).toBe('10');
    w.delivered('11');
    w.rotate();
    w.delivered('12');
    expect(w.deliveryCheck(['11', '12']).missing()).toBe(0);
    w.rotate();
    expect(w.deliveryCheck(['11', '12']).missing()).toBe(1);
    expect(w.deliveryCheck(['12']).missing()).toBe(0);
    expect(w.lastResourceVersion).toBe('12');
    w.listed('20');
    expect(w.deliveryCheck(['12']).missing()).toBe(1);
  });

  test('a check made while the watch is behind counts what it delivers later, across a rotation', () => {
    const w = new WatchWitness();
    w.listed('1');
    w.delivered('2');
    const check = w.deliveryCheck(['2', '3', '4', '5']);
    expect(check.missing()).toBe(3);
    w.delivered('3');
    expect(check.missing()).toBe(2);
    // The next probe begins while this check still waits: what was delivered stays delivered.
    w.rotate();
    w.delivered('4');
    expect(check.missing()).toBe(1);
    w.delivered('6');
    w.delivered('5');
    expect(check.missing()).toBe(0);
  });

  test('a passed probe moves the starting point to its bookmark only if the main watch delivered nothing since it began', () => {
    const w = new WatchWitness();
    w.listed('10');
    w.rotate();
    w.provenUpTo('15');
    expect(w.lastResourceVersion).toBe('15');
    w.rotate();
    w.delivered('16');
    w.provenUpTo('17');
    // The main watch moved meanwhile: its own point is the one to start from.
    expect(w.lastResourceVersion).toBe('16');
  });

  test('samples where the main watch last changed something, and says whether it changed enough since the last probe for a sample to be worth it', () => {
    const w = new WatchWitness();
    w.listed('1');
    expect(w.sample()).toBeNull(); // nothing to go by: a probe watches the whole collection
    expect(w.busy).toBe(false);
    w.delivered('2', { namespace: 'shop', name: 'web-1' });
    // One change is not busy: its namespace will rarely change again within a probe's second.
    expect(w.busy).toBe(false);
    for (let v = 3; v < 2 + WatchWitness.busyFrom - 1; v++) w.delivered(String(v), { namespace: 'shop', name: 'web-1' });
    expect(w.busy).toBe(false);
    w.delivered('2000', { namespace: 'shop', name: 'web-1' });
    expect(w.busy).toBe(true);
    expect(w.sample()).toBe('metadata.namespace=shop');
    w.delivered('3'); // a bookmark says nothing about where
    expect(w.sample()).toBe('metadata.namespace=shop');
    w.delivered('4', { name: 'demo-worker-2' }); // a cluster-scoped object
    expect(w.sample()).toBe('metadata.name=demo-worker-2');
    w.rotate();
    expect(w.busy).toBe(false);
  });
});
