/**
 * How many objects of a kind there are, without watching it: one `limit=1` list, metadata only,
 * whose answer says how many items are left beyond the first (`metadata.remainingItemCount`).
 * The sidebar shows a count for every kind; a watch per kind for that would be one per kind the
 * cluster serves. Answers are kept for `ttlMs` and at most `concurrency` lists run at once, so a
 * sidebar polled by many tabs costs the API server one small list per kind and scope per TTL.
 *
 * The server leaves `remainingItemCount` out when a label or field selector is used, and may for
 * a resource it cannot count cheaply; then, if the first page is not the whole list, the count
 * is unknown (null, with the reason).
 */
import { KubeApiError, type KubeClient, type Query } from './client.js';

/** Metadata only: a count needs no object, and a Secret's data must not be read for one. */
export const metadataOnlyList = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';

export interface CountAnswer {
  readonly count: number | null;
  /** Why the count is null: `forbidden`, the server did not say, or an error. */
  readonly reason: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** A count from the first page of a list: every item when it is the whole list, else its items plus what remains. */
export function countFromPage(body: unknown): CountAnswer {
  const items = isRecord(body) && Array.isArray(body.items) ? body.items.length : 0;
  const metadata = isRecord(body) && isRecord(body.metadata) ? body.metadata : {};
  const remaining = metadata.remainingItemCount;
  if (typeof remaining === 'number' && Number.isSafeInteger(remaining) && remaining >= 0) return { count: items + remaining, reason: null };
  if (typeof metadata.continue !== 'string' || metadata.continue === '') return { count: items, reason: null };
  return { count: null, reason: 'the API server did not say how many items remain' };
}

export interface CountOptions {
  readonly ttlMs: number;
  readonly concurrency: number;
}

export class CountCache {
  private readonly answers = new Map<string, { at: number; answer: Promise<CountAnswer> }>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  /** Lists sent, for diagnostics and the tests that count costs. */
  requests = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly options: CountOptions,
  ) {}

  /**
   * The count of a collection (`path` with `query`), from a list of one item, or of every item
   * when `whole` (a selector, where the server gives no remaining count).
   */
  count(path: string, query: Query = {}, whole = false): Promise<CountAnswer> {
    const key = `${path}?${JSON.stringify(query)}`;
    const now = Date.now();
    const known = this.answers.get(key);
    if (known && now - known.at < this.options.ttlMs) return known.answer;
    const answer = this.inTurn(() => this.ask(path, query, whole));
    this.answers.set(key, { at: now, answer });
    if (this.answers.size > 10_000) this.answers.delete(this.answers.keys().next().value!);
    return answer;
  }

  private async ask(path: string, query: Query, whole: boolean): Promise<CountAnswer> {
    this.requests++;
    try {
      const body = await this.client.requestJson<unknown>('GET', path, { query: { ...query, ...(whole ? {} : { limit: 1 }) }, accept: metadataOnlyList });
      return countFromPage(body);
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 403) return { count: null, reason: 'forbidden' };
      return { count: null, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  /** Runs `work` when fewer than `concurrency` lists are in flight. */
  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.options.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await work();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
