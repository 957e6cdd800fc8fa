/**
 * Formatting for what an operator reads: ages the way kubectl prints them, CPU in millicores,
 * memory in binary units, intervals as short durations. Pure functions, no React.
 */

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const day = 24 * hour;

/**
 * An age as `kubectl get` prints it (k8s.io/apimachinery's HumanDuration): two units while the
 * smaller one still matters ("3m12s", "5h7m", "2d4h", "2y30d"), one unit after that.
 */
export function formatAge(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '—';
  if (ms < 0) ms = 0; // a clock a little behind the API server's is not "in the future"
  const s = Math.floor(ms / second);
  if (s < 2 * 60) return `${s}s`;
  const m = Math.floor(ms / minute);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 3 * 60) return `${m}m`;
  const h = Math.floor(ms / hour);
  if (h < 8) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  const d = Math.floor(ms / day);
  if (d < 8) return h % 24 === 0 ? `${d}d` : `${d}d${h % 24}h`;
  if (d < 2 * 365) return `${d}d`;
  // Years keep their days up to eight years ("2y30d"), as HumanDuration does.
  if (d < 8 * 365) return d % 365 === 0 ? `${Math.floor(d / 365)}y` : `${Math.floor(d / 365)}y${d % 365}d`;
  return `${Math.floor(d / 365)}y`;
}

/** Age of an object from its RFC 3339 creation time. */
export function ageSince(createdAt: string | null, now: number): string {
  if (!createdAt) return '—';
  const at = Date.parse(createdAt);
  return Number.isFinite(at) ? formatAge(now - at) : '—';
}

/** Age for sorting: younger is smaller; an object without a creation time sorts as oldest. */
export function ageKey(object: { createdAt: string | null }): number {
  const at = object.createdAt ? Date.parse(object.createdAt) : Number.NaN;
  return Number.isFinite(at) ? -at : Number.POSITIVE_INFINITY;
}

/**
 * Millicores as `kubectl top` counts them: a Quantity's MilliValue rounds up, so 2603404666n is
 * 2604m there, and a figure rounded to 2603m here would disagree with the terminal beside it.
 * Usage arrives as whole nanocores over 10^6; the allowance keeps a sum's last floating-point bit
 * (2604.0000000000005) from rounding a whole millicore up once more.
 */
export function topMillicores(millicores: number): number {
  return Math.ceil(millicores - 1e-7);
}

/** CPU as `kubectl top` prints it: millicores rounded up, switching to cores past ten of them. */
export function formatCpu(millicores: number | null | undefined): string {
  if (millicores === null || millicores === undefined || !Number.isFinite(millicores)) return '—';
  const shown = topMillicores(millicores);
  if (shown < 10_000) return `${shown}m`;
  return `${(shown / 1000).toFixed(1)} cores`;
}

const binaryUnits = ['Ki', 'Mi', 'Gi', 'Ti', 'Pi'] as const;

/** Memory in the binary units Kubernetes quantities use: 512Mi, 1.7Gi. */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return '—';
  if (bytes < 1024) return `${Math.round(bytes)}B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < binaryUnits.length - 1) {
    value /= 1024;
    unit++;
  }
  // Three significant figures at most: 1.73Gi, 17.3Gi, 173Gi. Only zeros after a decimal point
  // go (1.50 → 1.5, 2.00 → 2): 270Mi once lost its zero and read as 27Mi.
  const text = value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
  return `${text.includes('.') ? text.replace(/\.?0+$/, '') : text}${binaryUnits[unit]}`;
}

/**
 * Usage as a share of allocatable, as `kubectl top node` prints its CPU% and MEMORY%: both in
 * milli-units (CPU in millicores rounded up as shown, memory in bytes × 1000), the percentage cut
 * to a whole number, never rounded up (66.8 % is 66%); '' when allocatable is unknown.
 */
export function formatShare(used: number | null | undefined, allocatable: number | null | undefined, unit: 'cpuMillicores' | 'memoryBytes'): string {
  if (used === null || used === undefined || !allocatable || !Number.isFinite(used)) return '';
  const [usedMilli, allocatableMilli] = unit === 'cpuMillicores' ? [topMillicores(used), topMillicores(allocatable)] : [Math.ceil(used) * 1000, Math.ceil(allocatable) * 1000];
  return `${Math.trunc((usedMilli / allocatableMilli) * 100)}%`;
}

/** A configured interval: 500ms, 5s, 1m, 1m30s. */
export function formatInterval(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < second) return `${Math.round(ms)}ms`;
  if (ms < minute) return Number.isInteger(ms / second) ? `${ms / second}s` : `${(ms / second).toFixed(1)}s`;
  const m = Math.floor(ms / minute);
  const s = Math.round((ms % minute) / second);
  return s === 0 ? `${m}m` : `${m}m${s}s`;
}

/** "3s ago", or "never". Sub-second ages read "just now" rather than flickering "0s ago". */
export function formatAgo(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return 'never';
  if (ms < second) return 'just now';
  return `${formatAge(ms)} ago`;
}

/** Local wall-clock time with seconds, for transition logs. */
export function formatClock(at: number): string {
  const d = new Date(at);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Taints as `kubectl describe` lists them: key=value:Effect. */
export function formatTaint(taint: { key: string; value?: string; effect: string }): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}
