/**
 * Settings kept across reloads: the metrics interval. Stored in localStorage under one key; a
 * value that is missing or not one of the offered choices reads as "not set", so the backend's
 * configured interval (5 s by default) applies.
 */
export const metricsIntervalKey = 'kubelive.metricsIntervalMs';

/** The choices offered. Below 1 s metrics-server has nothing new to say; above 1 min is not live. */
export const metricsIntervalChoices: readonly number[] = [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000];

export const defaultMetricsIntervalMs = 5000;

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function loadMetricsInterval(storage: StorageLike | null): number | null {
  try {
    const value = Number(storage?.getItem(metricsIntervalKey));
    return metricsIntervalChoices.includes(value) ? value : null;
  } catch {
    return null; // storage disabled (private mode, sandboxed frame)
  }
}

export function saveMetricsInterval(storage: StorageLike | null, ms: number): void {
  try {
    storage?.setItem(metricsIntervalKey, String(ms));
  } catch {
    // not kept across reloads, but still applied now
  }
}
