/**
 * The upstream proof: evidence, gathered on our own schedule, that a list-watch's cache holds
 * everything the API server has, without waiting for the server's once-a-minute bookmarks.
 *
 * A probe is a second, short watch of the same collection from the last resourceVersion the
 * main watch delivered, with bookmarks allowed and `timeoutSeconds` of 3. The API server's
 * watch cache sends a bookmark two seconds before a watch's deadline (kube-apiserver's
 * cacheWatcher.nextBookmarkTime), so after about a second the probe holds every event since that
 * point followed by a bookmark carrying the server's current resourceVersion. The proof holds
 * when our long-running watch has delivered each of those events too: resourceVersions are
 * compared for equality only, never ordered. Then everything up to the bookmark is in the cache.
 *
 * A pass is dated at the moment the probe's request was sent, not at the bookmark's arrival. A
 * bookmark says the watcher has been sent every change up to its resourceVersion (KEP-956, "Watch
 * bookmark"; the API concepts page, "Watch bookmarks"), and that version is the server's state
 * when it wrote the bookmark, which is after it received our request. When we read the line says
 * nothing about when it was written: a server, a proxy or a busy backend can hold it for seconds,
 * and resourceVersions are opaque, so the delay cannot be read off them. The request's own time
 * is the one moment we know the server's state had already reached.
 *
 * What it catches: a half-open main watch (the probe, on a new request, sees events the main
 * watch never delivers); a server whose watches went quiet (no bookmark ever arrives); a cache
 * that fell out of the server's history window (410). What it costs the API server: one watch
 * request served from its watch cache every few seconds, carrying only the events of about the
 * last second, whatever the size of the collection. Reading them costs little more: each line's
 * resourceVersion is read without building the object (`watchLineFacts`).
 */
import { fromCallback, type EventObject } from 'xstate';
import type { ProofInput, UpstreamEvent } from '../../machines/upstreamMachine.js';
import { KubeApiError, type KubeClient } from './client.js';

/** What a probe asks for: metadata-only objects (as metadata informers do), else plain ones. */
export const metadataOnlyWatch = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1, application/json';

/** The probe's server-side timeout: the bookmark comes 2 s before it, so 3 s gets one after ~1 s. */
export const probeTimeoutSeconds = 3;

/**
 * Remembers which resourceVersions the main watch delivered, for the probes to check against.
 * A probe starts from the last one the main watch delivered: a watch is an ordered stream
 * without gaps, so everything before that point is in the cache already, and only what the
 * server has after it needs checking. Two generations, rotated at each probe's start; what a
 * probe sees comes after its starting point, so the main watch delivers it after the rotation.
 *
 * Each generation is a list the main watch appends to, and a probe's `DeliveryCheck` reads it,
 * not a set: every change costs the main watch one append, and only the probe's few changes are
 * looked up. Adding each version to a set of up to 100,000 was the witness's whole cost, 2.5 % of
 * a backend's busy time at 20,000 changes/s (docs/development.md, "Row 2 at 20,000/s: parsing
 * less").
 */
export class WatchWitness {
  /** The last resourceVersion the main watch (or its list) reached; where a probe starts. */
  lastResourceVersion = '';
  /** Where the main watch's last change happened: a probe can watch just there (`sample`). */
  private lastPlace: { readonly namespace?: string | undefined; readonly name?: string | undefined } | null = null;
  private current: string[] = [];
  private previous: string[] = [];
  /** Past this many remembered versions a generation is cut short: memory stays bounded at any churn. */
  static readonly maxRemembered = 500_000;

  /** The list reached `resourceVersion`: nothing before it needs remembering. */
  listed(resourceVersion: string): void {
    this.lastResourceVersion = resourceVersion;
    this.current = [];
    this.previous = [];
  }

  /** The main watch delivered an event (at `place`) or a bookmark at `resourceVersion`. */
  delivered(resourceVersion: string, place?: { readonly namespace?: string | undefined; readonly name?: string | undefined }): void {
    if (!resourceVersion) return;
    this.lastResourceVersion = resourceVersion;
    if (place) this.lastPlace = place;
    if (this.current.length < WatchWitness.maxRemembered) this.current.push(resourceVersion);
  }

  /**
   * Past this many changes since the last rotation (about one probe interval), a resource is busy
   * enough that the namespace or object of its last change will likely change again within a
   * probe's second, so a sample can prove the watch. Below it a sample mostly came back empty:
   * one node, or a namespace of ConfigMaps, changing every second or two, with the main watch
   * current, had nothing new there within the probe, so a whole probe had to follow and each proof
   * took two probes (about 2 s, the whole of the soak's 3 s bound; docs/development.md, "The
   * soak's bystanders"). A whole probe of fewer changes than this costs little (row 11's sampled
   * probes carry about 120 changes for 4.7 ms).
   */
  static readonly busyFrom = 32;

  /** Whether the main watch delivered enough since the last rotation for a sample to be worth it. */
  get busy(): boolean {
    return this.current.length >= WatchWitness.busyFrom;
  }

  /**
   * A field selector for a probe that need not carry every change: the namespace (or, for a
   * cluster-scoped resource, the object) where the main watch's last change happened, which a
   * busy resource is likely to change again within the probe's second. Null: nothing to go by.
   */
  sample(): string | null {
    if (this.lastPlace?.namespace) return `metadata.namespace=${this.lastPlace.namespace}`;
    if (this.lastPlace?.name) return `metadata.name=${this.lastPlace.name}`;
    return null;
  }

  /** A probe begins: versions from before the previous probe began can be forgotten. */
  rotate(): void {
    this.previous = this.current;
    this.current = [];
  }

  /**
   * A probe that began at the last rotation proved the cache holds everything up to `bookmark`.
   * If the main watch delivered nothing since, that bookmark is where the main watch stands too,
   * so the next probe starts there: on a quiet resource the starting point keeps up with the
   * server instead of ageing towards the end of its history window.
   */
  provenUpTo(bookmark: string): void {
    if (bookmark && this.current.length === 0) this.lastResourceVersion = bookmark;
  }

  /** A check of one probe's changes against what the main watch delivered (`DeliveryCheck`). */
  deliveryCheck(versions: readonly string[]): DeliveryCheck {
    const outstanding = new Set(versions);
    // How far each generation has been read, by the list itself: one rotated or dropped is another list.
    const readUpTo = new Map<readonly string[], number>();
    return {
      missing: () => {
        for (const generation of [this.previous, this.current]) {
          let i = readUpTo.get(generation) ?? 0;
          for (; i < generation.length && outstanding.size > 0; i++) outstanding.delete(generation[i]!);
          readUpTo.set(generation, i);
        }
        return outstanding.size;
      },
    };
  }
}

/**
 * One probe's changes checked against what the main watch delivered, round after round while the
 * watch catches up. Each round reads only what was delivered since the last (a generation is only
 * appended to), so a check costs one look-up in the probe's own few versions per delivery,
 * however many rounds it takes.
 */
export interface DeliveryCheck {
  /** How many of the probe's versions the main watch has not delivered yet. */
  missing(): number;
}

interface ProbeLine {
  type?: string;
  object?: { metadata?: { resourceVersion?: string }; code?: number; message?: string; reason?: string };
}

const typePrefix = '{"type":"';
const metadataOpen = '"metadata":{';
const resourceVersionKey = '"resourceVersion":"';

/**
 * The type and the object's resourceVersion of one watch line, read without parsing the object
 * when the line has the shape API servers write (`{"type":…,"object":{"kind":…,"apiVersion":…,
 * "metadata":{…,"resourceVersion":"…"`): a probe that carries a thousand pods would otherwise
 * spend most of its time building objects only to read one field. The short cut is taken only
 * where it cannot be wrong: the metadata object opens at the object's top level (no other brace
 * before it) and the key comes before any nested object inside it. Anything else is parsed.
 */
export function watchLineFacts(text: string): { type: string; resourceVersion: string } | null {
  if (text.startsWith(typePrefix)) {
    const typeEnd = text.indexOf('"', typePrefix.length);
    const type = text.slice(typePrefix.length, typeEnd);
    const metadata = text.indexOf(metadataOpen);
    if (type !== 'ERROR' && typeEnd > 0 && metadata > 0 && braces(text, 0, metadata) === 2) {
      const key = text.indexOf(resourceVersionKey, metadata);
      const valueStart = key + resourceVersionKey.length;
      const valueEnd = text.indexOf('"', valueStart);
      if (key > 0 && valueEnd > 0 && braces(text, metadata + metadataOpen.length, key) === 0 && !text.slice(valueStart, valueEnd).includes('\\')) {
        return { type, resourceVersion: text.slice(valueStart, valueEnd) };
      }
    }
  }
  return null;
}

function braces(text: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) === 123) n++;
  return n;
}

export type ProbeOutcome =
  | {
      readonly ok: true;
      /** Null: the watch ended at its deadline without one (a server without a watch cache), after changes. */
      readonly bookmark: string | null;
      /** When the probe's request was sent: the cache held everything the server had then (`probeOnce`). */
      readonly provenAt: number;
      readonly events: number;
    }
  | { readonly ok: false; readonly status?: number; readonly message: string };

export interface ProbeOptions {
  readonly client: KubeClient;
  readonly path: string;
  readonly witness: WatchWitness;
  readonly from: string;
  /** How long the main watch may take to deliver what the probe saw: both read the same server. */
  readonly graceMs: number;
  readonly signal: AbortSignal;
  /** Watch only part of the collection (`metadata.namespace=…`): fewer changes to carry. */
  readonly fieldSelector?: string | null;
  /** The main watch's own label selector (Helm's release Secrets): a probe must watch the same set. */
  readonly labelSelector?: string | undefined;
}

/**
 * One probe: the events since `from` up to the server's bookmark, each checked against the witness.
 * A pass is dated when the request was sent (`provenAt`): whatever the server sends afterwards
 * (the bookmark, or every change up to the watch's deadline) covers at least its state then, and
 * the main watch delivered all of it. Dating it at the bookmark's arrival instead claimed the cache
 * younger by however long the lines took to reach us.
 */
export async function probeOnce(options: ProbeOptions): Promise<ProbeOutcome> {
  const { client, path, witness, from, graceMs, signal } = options;
  const seen: string[] = [];
  let bookmark: string | null = null;
  const requestedAt = Date.now();
  try {
    const stream = await client.openStream(path, {
      query: {
        watch: 'true',
        allowWatchBookmarks: 'true',
        resourceVersion: from || undefined,
        timeoutSeconds: probeTimeoutSeconds,
        fieldSelector: options.fieldSelector ?? undefined,
        labelSelector: options.labelSelector,
      },
      // Metadata only: a probe needs each change's resourceVersion, not the object. A server that
      // cannot do it answers plain objects, which read the same way.
      accept: metadataOnlyWatch,
      signal,
    });
    const failure = await new Promise<ProbeOutcome | null>((resolve) => {
      stream.read(
        (text) => {
          if (bookmark !== null) return;
          const facts = watchLineFacts(text);
          if (facts && facts.type !== 'BOOKMARK') {
            if (facts.resourceVersion) seen.push(facts.resourceVersion);
            return;
          }
          let line: ProbeLine;
          try {
            line = JSON.parse(text) as ProbeLine;
          } catch {
            stream.abort();
            resolve({ ok: false, message: 'probe watch sent a line that is not JSON' });
            return;
          }
          const rv = line.object?.metadata?.resourceVersion ?? '';
          if (line.type === 'BOOKMARK') {
            bookmark = rv;
            // Not aborted: the server ends the watch at its deadline two seconds on, and the
            // connection goes back to the keep-alive pool for the next probe (no TLS handshake).
            resolve(null);
          } else if (line.type === 'ERROR') {
            stream.abort();
            const code = line.object?.code;
            resolve({ ok: false, ...(code !== undefined ? { status: code } : {}), message: line.object?.message ?? 'probe watch error' });
          } else if (rv) {
            seen.push(rv);
          }
        },
        (error) => {
          if (bookmark !== null) return;
          if (error) resolve({ ok: false, message: `probe watch failed: ${error.message}` });
          // A server that sends no bookmarks (a resource without a watch cache) still ends the
          // watch at its deadline, having sent every change since `from` up to then, so a proof
          // as of the request too. With none, nothing tells a quiet server from a stalled one.
          else if (seen.length > 0) resolve(null);
          else resolve({ ok: false, message: `probe watch ended after ${probeTimeoutSeconds} s without a bookmark or a change` });
        },
      );
    });
    if (failure) return failure;
  } catch (error) {
    const status = error instanceof KubeApiError ? error.status : undefined;
    return { ok: false, ...(status !== undefined ? { status } : {}), message: error instanceof Error ? error.message : String(error) };
  }
  const events = seen.length;
  const deadline = Date.now() + graceMs;
  // Each round reads only what the watch delivered since the last: a backend 3 s behind its
  // watch is checked 40 rounds a second.
  const check = witness.deliveryCheck(seen);
  for (;;) {
    const missing = check.missing();
    if (missing === 0) return { ok: true, bookmark, provenAt: requestedAt, events };
    if (Date.now() >= deadline || signal.aborted) return { ok: false, message: `the watch has not delivered ${missing} of ${events} changes the API server has` };
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * The upstream machine's `proveResource` actor: starts a probe every `intervalMs` (or as soon as
 * the last one ends, if it took longer) while the machine watches, and reports each outcome. The
 * interval counts from each probe's start because a pass is dated at its start: a proof is oldest
 * just before the next pass, one interval and one probe after its own date. The first probe
 * waits for the main watch to connect.
 */
export function proofActor(client: KubeClient, path: string, witness: WatchWitness, labelSelector?: string) {
  return fromCallback<EventObject, ProofInput>(({ input, sendBack }) => {
    const send = (event: UpstreamEvent) => sendBack(event);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | null = null;
    const schedule = (delayMs: number) => {
      timer = setTimeout(() => void probe(), delayMs);
      timer.unref?.();
    };
    // After a sampled probe that saw nothing, the next one watches the whole collection.
    let wholeNext = false;
    const probe = async () => {
      if (controller.signal.aborted) return;
      const startedAt = Date.now();
      const next = () => schedule(Math.max(0, startedAt + input.intervalMs - Date.now()));
      const from = witness.lastResourceVersion;
      if (!from) {
        // A watch from no resourceVersion would replay the whole collection: never a probe.
        send({ type: 'PROOF.FAILED', message: 'no resourceVersion to probe from yet' });
        next();
        return;
      }
      // A busy resource is probed in one namespace (or one object) only: a watch delivers in
      // order, so the main watch having the last change seen there means it has everything
      // before it. A quiet one is probed whole, which costs nothing when nothing changes.
      const fieldSelector = !wholeNext && witness.busy ? witness.sample() : null;
      wholeNext = false;
      witness.rotate();
      const outcome = await probeOnce({ client, path, witness, from, graceMs: input.graceMs, signal: controller.signal, fieldSelector, labelSelector });
      if (controller.signal.aborted) return;
      if (!outcome.ok) {
        // A sample can fail for want of a change where a whole probe would not: the next is whole.
        wholeNext = fieldSelector !== null;
        send({ type: 'PROOF.FAILED', message: outcome.message, ...(outcome.status !== undefined ? { status: outcome.status } : {}) });
      } else if (outcome.events === 0 && (fieldSelector !== null || outcome.bookmark === null)) {
        // Nothing happened in the sample: it proves nothing about the rest. Look at the whole now.
        wholeNext = true;
        schedule(0);
        return;
      } else {
        // A whole probe that reached the bookmark: the server sent it once it had sent every
        // change before it, and all of those are in the cache. Otherwise the main watch has the
        // last change the probe saw (in the sample, or before a deadline that brought no
        // bookmark), so everything before it. Either way the pass is dated at the probe's
        // request, which the bookmark's version is at least as new as; not at the bookmark's
        // arrival, since the line may have waited anywhere on its way. For a sample the date
        // holds when its last change was made after the request, and is off by at most the main
        // watch's lag when that change was older (docs/backend.md, "Sampling a busy resource").
        if (fieldSelector === null && outcome.bookmark !== null) witness.provenUpTo(outcome.bookmark);
        send({ type: 'PROOF.PASSED', provenAt: outcome.provenAt, events: outcome.events });
      }
      next();
    };
    schedule(input.firstDelayMs);
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  });
}
