/**
 * The samples of one metrics kind moved since they were last taken, gathered from the store's
 * MetricsChanged feed while attached, with the metrics versions they cover. A sort by a metric
 * re-places only the rows of these samples (lib/order.ts, SortedRows) when they cover exactly
 * the versions since it last sorted, and sorts afresh otherwise.
 *
 * `take()` answers `'all'` whenever the log may have missed something: before it was first
 * attached, while detached, and after an answer that moved too many samples to list.
 */
import { Attachments } from './attachments.js';
import type { MetricsKind, RowStore } from './store.js';

/** Sample names by namespace (`''` for nodes): looked up per row without building a key string. */
export type MovedSamples = ReadonlyMap<string, ReadonlySet<string>>;

export interface MetricsMoved {
  /** The metrics version the log started from, and the one it reached: what `samples` covers. */
  readonly from: number;
  readonly to: number;
  readonly samples: MovedSamples | 'all';
}

export class MetricsChangeLog {
  private moved = new Map<string, Set<string>>();
  private everything = true;
  private from: number;
  private readonly attachments = new Attachments(() => {
    this.everything = true; // whatever moved while detached went unseen
    this.moved = new Map();
    return this.store.onMetricsChanged((change) => {
      // Every kind's answer moves the one metrics version; only this kind's samples are kept.
      if (change.kind !== this.kind || this.everything) return;
      if (change.samples === 'all') {
        this.everything = true;
        return;
      }
      for (const sample of change.samples) {
        const namespace = this.kind === 'node' ? '' : (sample.namespace ?? '');
        let names = this.moved.get(namespace);
        if (!names) this.moved.set(namespace, (names = new Set()));
        names.add(sample.name);
      }
    });
  });

  constructor(
    private readonly store: RowStore,
    readonly kind: MetricsKind,
  ) {
    this.from = store.metricsVersion;
  }

  attach(): () => void {
    return this.attachments.attach();
  }

  /** What moved since the last take, and a fresh start from the store's version now. */
  take(): MetricsMoved {
    const to = this.store.metricsVersion;
    const taken: MetricsMoved = { from: this.from, to, samples: !this.attachments.attached || this.everything ? 'all' : this.moved };
    this.from = to;
    this.everything = !this.attachments.attached;
    this.moved = new Map();
    return taken;
  }
}
