/**
 * The open object a panel follows by name (ui/lib/openObject.ts): the live row while the list
 * carries it; the row last seen, marked gone once, when the list drops it; and a new object of the
 * same name (another uid) taking over, with the one it replaced remembered.
 */
import { followOpenObject, type OpenObject } from '../../ui/lib/openObject.js';

interface Row {
  readonly uid: string;
  readonly resourceVersion: string;
}

const row = (uid: string, resourceVersion: string): Row => ({ uid, resourceVersion });

/** Feeds the list's row of the name, tick by tick (undefined: the list has none), and returns each state. */
function follow(found: ReadonlyArray<Row | undefined>): Array<OpenObject<Row> | null> {
  const states: Array<OpenObject<Row> | null> = [];
  let open: OpenObject<Row> | null = null;
  found.forEach((r, at) => {
    open = followOpenObject(open, r, 1000 + at);
    states.push(open);
  });
  return states;
}

test('aNameTheListNeverCarriedIsNotHeld', () => {
  expect(follow([undefined, undefined])).toEqual([null, null]);
});

test('theLiveRowIsFollowedAndAnUnmovedListGivesTheSameState', () => {
  const first = row('a', '1');
  const moved = row('a', '2');
  const [one, same, two] = follow([first, first, moved]);
  expect(one).toEqual({ row: first, goneAt: null, replaced: null });
  expect(same).toBe(one);
  expect(two).toEqual({ row: moved, goneAt: null, replaced: null });
});

test('aDeletedObjectIsHeldAsLastSeenMarkedGoneAtTheFirstTickWithoutIt', () => {
  const last = row('a', '7');
  const states = follow([row('a', '6'), last, undefined, undefined]);
  expect(states[2]).toEqual({ row: last, goneAt: 1002, replaced: null });
  // Later ticks keep the time it went, and the same state.
  expect(states[3]).toBe(states[2]);
});

test('anObjectCreatedAgainUnderTheNameIsShownAndSaysWhichOneItReplaced', () => {
  const old = row('a', '7');
  const recreated = row('b', '9');
  const states = follow([old, undefined, recreated, row('b', '10')]);
  expect(states[2]).toEqual({ row: recreated, goneAt: null, replaced: 'a' });
  // It stays the new object that replaced the old one as it changes.
  expect(states[3]).toEqual({ row: row('b', '10'), goneAt: null, replaced: 'a' });
});

test('aReplacementThatComesInTheSameBatchAsTheDeletionIsShownAtOnce', () => {
  // A StatefulSet's pod is re-created under its name as soon as the old one goes: the list may
  // never be seen without it.
  const states = follow([row('a', '7'), row('b', '1')]);
  expect(states[1]).toEqual({ row: row('b', '1'), goneAt: null, replaced: 'a' });
});

test('theSameObjectComingBackIsLiveAgainNotReplaced', () => {
  // A resync may drop and bring back the same object: same uid, so nothing was replaced.
  const states = follow([row('a', '7'), undefined, row('a', '7')]);
  expect(states[2]).toEqual({ row: row('a', '7'), goneAt: null, replaced: null });
});
