/**
 * What a pod's containerStatuses say about each container's runs: how often it restarted, and how
 * its last run ended (`lastState.terminated`), which is the run `kubectl logs --previous` reads.
 * The logs panel offers a previous run only to a container that has one, and says how it ended.
 */

export interface LastRun {
  readonly exitCode: number | null;
  readonly reason: string | null;
  readonly finishedAt: string | null;
}

export interface ContainerRuns {
  readonly restartCount: number;
  /** The run before the current one, when there is one. */
  readonly lastRun: LastRun | null;
}

interface StatusShape {
  name?: unknown;
  restartCount?: unknown;
  lastState?: { terminated?: { exitCode?: unknown; reason?: unknown; finishedAt?: unknown } | null } | null;
}

/** Each container's runs, by name, from a whole pod object as the API server has it. */
export function containerRunsOf(pod: Record<string, unknown>): ReadonlyMap<string, ContainerRuns> {
  const status = pod.status as { containerStatuses?: unknown } | undefined;
  const statuses = Array.isArray(status?.containerStatuses) ? (status.containerStatuses as StatusShape[]) : [];
  const runs = new Map<string, ContainerRuns>();
  for (const s of statuses) {
    if (typeof s?.name !== 'string') continue;
    const ended = s.lastState?.terminated;
    runs.set(s.name, {
      restartCount: typeof s.restartCount === 'number' ? s.restartCount : 0,
      lastRun: ended
        ? {
            exitCode: typeof ended.exitCode === 'number' ? ended.exitCode : null,
            reason: typeof ended.reason === 'string' ? ended.reason : null,
            finishedAt: typeof ended.finishedAt === 'string' ? ended.finishedAt : null,
          }
        : null,
    });
  }
  return runs;
}

/** How the previous run ended, in a few words: "at 2026-…Z, exit code 1, Error". */
export function lastRunWords(run: LastRun | null): string {
  if (run === null) return '';
  const parts = [run.finishedAt !== null ? `at ${run.finishedAt}` : null, run.exitCode !== null ? `exit code ${run.exitCode}` : null, run.reason].filter((p) => p !== null);
  return parts.join(', ');
}
