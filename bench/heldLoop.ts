/**
 * How long a process's event loop was held, split into the time its thread ran on a core and the
 * time it waited for one. `monitorEventLoopDelay` sees only the wall clock: on two shared cores a
 * loop held 80 ms may have run 20 ms of its own work and waited 60 ms while the cluster or the
 * clients had both cores. Linux counts both for each thread in /proc/<pid>/task/<tid>/schedstat (time
 * on a core, time runnable but waiting, in ns); a timer reads it every few ms on the loop's own
 * thread, so the gap between two readings is one hold and the differences are its split.
 */
import { readFileSync } from 'node:fs';

/** One stretch between two timer turns. */
export interface Hold {
  readonly wallMs: number;
  /** On a core: our work, or our garbage collection on this thread. */
  readonly onCpuMs: number;
  /** Runnable, and not run: the machine's other processes had the cores. */
  readonly waitingMs: number;
}

export interface HeldLoopReading {
  /** The longest hold by the wall clock, as monitorEventLoopDelay sees it. */
  readonly longest: Hold;
  /** The hold with the most time on a core: the loop's longest own turn. */
  readonly mostOnCpu: Hold;
}

const tickMs = 5;

/**
 * The process's main thread's time on a core and time waiting for one so far, in ns, read from
 * any thread (the main thread's id is the process id); null where the kernel does not keep it.
 * A window's difference in `waitingNs` is how long the loop was ready to run and could not.
 */
export function mainThreadSchedstat(): { onCpuNs: number; waitingNs: number } | null {
  try {
    const [onCpu, waiting] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'latin1').split(' ');
    return { onCpuNs: Number(onCpu), waitingNs: Number(waiting) };
  } catch {
    return null;
  }
}

/** The main thread's time waiting for a core so far, in µs (null where the kernel does not keep it). */
export function waitingMicros(): number | null {
  const stat = mainThreadSchedstat();
  return stat && stat.waitingNs / 1000;
}

interface Sample {
  readonly atNs: number;
  readonly onCpuNs: number;
  readonly waitingNs: number;
}

function sample(): Sample | null {
  const stat = mainThreadSchedstat();
  return stat && { atNs: Number(process.hrtime.bigint()), ...stat };
}

const none: Hold = { wallMs: 0, onCpuMs: 0, waitingMs: 0 };

/** The holds of the main thread's loop from a restart on; it runs on that loop. */
export class HeldLoop {
  private timer: NodeJS.Timeout | null = null;
  private last: Sample | null = null;
  private longest: Hold = none;
  private mostOnCpu: Hold = none;

  /** Starts over: the holds from now on. */
  restart(): void {
    this.stop();
    this.longest = none;
    this.mostOnCpu = none;
    this.last = sample();
    if (!this.last) return;
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  /** The holds since the restart, or null where the kernel does not keep the split (not Linux, or schedstats off). */
  reading(): HeldLoopReading | null {
    if (!this.last) return null;
    if (this.timer) this.tick();
    return { longest: this.longest, mostOnCpu: this.mostOnCpu };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private tick(): void {
    const now = sample();
    const last = this.last;
    if (!now || !last) return;
    this.last = now;
    const hold: Hold = {
      wallMs: (now.atNs - last.atNs) / 1e6,
      onCpuMs: (now.onCpuNs - last.onCpuNs) / 1e6,
      waitingMs: (now.waitingNs - last.waitingNs) / 1e6,
    };
    if (hold.wallMs > this.longest.wallMs) this.longest = hold;
    if (hold.onCpuMs > this.mostOnCpu.onCpuMs) this.mostOnCpu = hold;
  }
}
