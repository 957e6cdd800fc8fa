/**
 * The loop's share: one bound on how long all of a process's work done in pieces may hold the
 * event loop in one turn together. Three kinds of it run beside each other in a backend: watch
 * lines handed on as a socket delivers them, the pieces of a reset sent to clients, and a list
 * landing in the cache. Each had a slice of its own (8, 10 and 8 ms), and when all three had work
 * in the same turn the slices added up: bench row 14l's own turns of 20–24 ms on a core.
 *
 * A share opens with the first piece of work after the loop last ran its timers and closes when
 * the loop runs its timers again, so every piece between two timer phases draws on the same one,
 * whatever phase (I/O callbacks, immediates) it runs in. A turn of the loop as its delay monitors
 * see it is exactly that: from one timer phase to the next. A share that opens less than a
 * millisecond before the loop's timers (the timer's resolution) lasts into the next turn, which
 * can only leave that turn less.
 *
 * Work asks `shareSpent()` after each unit and leaves the rest for a later turn when it is. Each
 * user still does one unit a turn whatever is left, so nothing starves and a turn holds about the
 * share plus one unit of each kind. Work that is only ever a unit a turn (a snapshot written in
 * pieces) calls `openShare()` before it, so it counts against the others.
 */

/** The share: a fifth of the 50 ms no turn may pass (issue 14), as reset pieces alone had before; room is left for a unit of each kind and a collection. */
export const loopShareMs = 10;

let openedAt = -1;
let closer: NodeJS.Timeout | null = null;

function close(): void {
  openedAt = -1;
}

/** Opens this turn's share unless work earlier in the turn did. */
export function openShare(): void {
  if (openedAt >= 0) return;
  openedAt = performance.now();
  // One timer, re-armed: at the loop's next timer phase the share closes.
  if (closer === null) {
    closer = setTimeout(close, 0);
    closer.unref();
  } else closer.refresh();
}

/** Whether this turn's share is spent; opens it first if nothing in the turn has. */
export function shareSpent(): boolean {
  if (openedAt < 0) {
    openShare();
    return false;
  }
  return performance.now() - openedAt >= loopShareMs;
}

/**
 * Runs steppers round-robin in the loop's share: each call of a stepper does one unit and answers
 * whether it owes more; it is called again, in turn with the others, until it does not. One turn
 * runs at least one step, so steppers move however the share was spent before them; ten
 * clients' resets then cost a turn of the share plus one piece, where a setImmediate for each
 * would run all ten pieces in the same turn.
 *
 * Work that resumes first (`resumeFirst`) runs at the head of the turn, before any step: a watch
 * whose lines wait is how a backend stays fresh, and the steppers (pieces of resets) are bulk
 * that can wait a turn. Without it the steppers, which queue their next turn first, spent each
 * share before the waiting lines were resumed, and the lines moved one a turn.
 */
class Turns {
  private readonly owing: (() => boolean)[] = [];
  private firsts: (() => void)[] = [];
  private scheduled = false;

  add(step: () => boolean): void {
    this.owing.push(step);
    this.schedule();
  }

  addFirst(resume: () => void): void {
    this.firsts.push(resume);
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || (this.owing.length === 0 && this.firsts.length === 0)) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    openShare();
    const firsts = this.firsts;
    this.firsts = [];
    for (const resume of firsts) isolated(resume);
    while (this.owing.length > 0) {
      const step = this.owing.shift()!;
      isolated(() => {
        if (step()) this.owing.push(step);
      });
      if (shareSpent()) break;
    }
    this.schedule();
  }
}

/** One piece of work's failure (a send on a socket torn down under it) must not stop the others. */
function isolated(work: () => void): void {
  try {
    work();
  } catch (error) {
    console.error(`kubelive: work in pieces failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

const turns = new Turns();

/** Adds a stepper to the process's work in pieces (see Turns). */
export function inTurns(step: () => boolean): void {
  turns.add(step);
}

/** Runs `resume` at the head of the next turn of work in pieces, before any stepper (see Turns). */
export function resumeFirst(resume: () => void): void {
  turns.addFirst(resume);
}
