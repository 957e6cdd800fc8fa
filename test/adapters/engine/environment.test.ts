import { domSignal, onlineSignal, visibilitySignal } from '../../../adapters/engine/environment.js';

class CountingTarget extends EventTarget {
  listening = 0;
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    this.listening++;
    super.addEventListener(type, listener);
  }
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null): void {
    this.listening--;
    super.removeEventListener(type, listener);
  }
}

test('aSignalListensFromItsFirstListenerToItsLast', () => {
  const target = new CountingTarget();
  let value = 1;
  const signal = domSignal(target, ['change'], () => value);
  const seen: number[] = [];
  expect(target.listening).toBe(0);
  const a = signal.subscribe((v) => seen.push(v));
  const b = signal.subscribe((v) => seen.push(v * 10));
  expect(target.listening).toBe(1);
  value = 2;
  target.dispatchEvent(new Event('change'));
  expect(seen).toEqual([2, 20]);
  a();
  a(); // twice is harmless
  expect(target.listening).toBe(1);
  b();
  expect(target.listening).toBe(0);
  target.dispatchEvent(new Event('change'));
  expect(seen).toEqual([2, 20]);
});

test('visibilityAndOnlineReadTheirSources', () => {
  const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' });
  const seen: boolean[] = [];
  visibilitySignal(doc).subscribe((v) => seen.push(v));
  doc.dispatchEvent(new Event('visibilitychange'));
  doc.visibilityState = 'visible';
  doc.dispatchEvent(new Event('visibilitychange'));
  const win = new EventTarget();
  const nav = { onLine: false };
  onlineSignal(win, nav).subscribe((v) => seen.push(v));
  win.dispatchEvent(new Event('offline'));
  nav.onLine = true;
  win.dispatchEvent(new Event('online'));
  expect(seen).toEqual([false, true, false, true]);
});

test('withoutADocumentNothingIsWatched', () => {
  const unsubscribe = visibilitySignal(undefined).subscribe(() => {
    throw new Error('never');
  });
  expect(typeof unsubscribe).toBe('function');
  unsubscribe();
});
