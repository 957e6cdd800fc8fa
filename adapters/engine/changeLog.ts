/**
 * The uids written to one key's rows since they were last taken, gathered from the store's
 * RowsChanged feed while attached. What derives from rows incrementally (the dashboard's list
 * order, a workload's summed usage) takes them instead of reading every row.
 *
 * `take()` answers `'all'` whenever the log may have missed something: before it was first
 * attached, while detached, and after the rows were replaced (a reset, a snapshot, a drop).
 * Attaching is counted, so two readers can attach and detach independently.
 */
import { Attachments } from './attachments.js';
import type { RowStore } from './store.js';

export type Changed = ReadonlySet<string> | 'all';

export class ChangeLog {
  private written = new Set<string>();
  private everything = true;
  private readonly attachments = new Attachments(() => {
    this.everything = true; // whatever was written while detached went unseen
    this.written = new Set();
    return this.store.onRowsChanged((change) => {
      if (change.key !== this.key) return;
      if (change.uids === 'all') this.everything = true;
      else if (!this.everything) for (const uid of change.uids) this.written.add(uid);
    });
  });

  constructor(
    private readonly store: RowStore,
    readonly key: string,
  ) {}

  attach(): () => void {
    return this.attachments.attach();
  }

  get attached(): boolean {
    return this.attachments.attached;
  }

  /** What was written since the last take, and a fresh start. */
  take(): Changed {
    if (!this.attachments.attached) return 'all';
    const taken: Changed = this.everything ? 'all' : this.written;
    this.everything = false;
    this.written = new Set();
    return taken;
  }
}
