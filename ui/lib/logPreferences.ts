/**
 * How logs are shown, kept across reloads in localStorage: long lines wrapped or not, the
 * kubelet's timestamps shown or not. A reader sets these once, not per pod, so they are settings
 * rather than part of the URL.
 */
import type { StorageLike } from './settings.js';

export interface LogPreferences {
  readonly wrap: boolean;
  readonly timestamps: boolean;
}

export const logPreferencesKey = 'kubelive.logs';

export const defaultLogPreferences: LogPreferences = { wrap: true, timestamps: true };

export function loadLogPreferences(storage: StorageLike | null): LogPreferences {
  try {
    const stored = JSON.parse(storage?.getItem(logPreferencesKey) ?? '{}') as Partial<Record<keyof LogPreferences, unknown>>;
    return {
      wrap: typeof stored.wrap === 'boolean' ? stored.wrap : defaultLogPreferences.wrap,
      timestamps: typeof stored.timestamps === 'boolean' ? stored.timestamps : defaultLogPreferences.timestamps,
    };
  } catch {
    return defaultLogPreferences; // not JSON, or storage disabled (private mode, sandboxed frame)
  }
}

export function saveLogPreferences(storage: StorageLike | null, preferences: LogPreferences): void {
  try {
    storage?.setItem(logPreferencesKey, JSON.stringify(preferences));
  } catch {
    // not kept across reloads, but still applied now
  }
}
