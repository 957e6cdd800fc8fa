/**
 * TestClock is the fake clock the machines run on in tests: XState schedules every delay
 * through it, and the test decides when time passes. `advance` fires due timers in time order,
 * as real time would; `fireTimer` fires one pending timer of a given delay, jumping to its due
 * time, which lets generated paths take timer transitions in any order the model allows.
 */
interface Pending {
  id: number;
  due: number;
  delay: number;
  fn: () => void;
}

export class TestClock {
  private nowMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: (...args: unknown[]) => void, delay: number): number {
    const id = this.nextId++;
    this.pending.set(id, { id, due: this.nowMs + delay, delay, fn: () => fn() });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.pending.delete(id as number);
  }

  /** Timers still waiting to fire. */
  get pendingCount(): number {
    return this.pending.size;
  }

  pendingDelays(): number[] {
    return [...this.pending.values()].map((p) => p.delay).sort((a, b) => a - b);
  }

  /** Each pending timer's delay and the time it falls due, earliest first. */
  pendingTimers(): Array<{ delay: number; due: number }> {
    return [...this.pending.values()].map(({ delay, due }) => ({ delay, due })).sort((a, b) => a.due - b.due || a.delay - b.delay);
  }

  /** Lets `ms` pass, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      const next = this.earliest();
      if (!next || next.due > until) break;
      this.pending.delete(next.id);
      this.nowMs = Math.max(this.nowMs, next.due);
      next.fn();
    }
    this.nowMs = until;
  }

  /** Fires the newest pending timer scheduled with `delay`; false if there is none. */
  fireTimer(delay: number): boolean {
    let chosen: Pending | undefined;
    for (const p of this.pending.values()) if (p.delay === delay && (!chosen || p.id > chosen.id)) chosen = p;
    if (!chosen) return false;
    this.pending.delete(chosen.id);
    this.nowMs = Math.max(this.nowMs, chosen.due);
    chosen.fn();
    return true;
  }

  private earliest(): Pending | undefined {
    let best: Pending | undefined;
    for (const p of this.pending.values()) if (!best || p.due < best.due || (p.due === best.due && p.id < best.id)) best = p;
    return best;
  }
}

/** Lets promise callbacks (fromPromise actors settling) run. */
export async function flush(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
