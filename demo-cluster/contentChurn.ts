/**
 * ContentChurn makes the slow changes of what surrounds the workloads: a ConfigMap edited, an
 * HPA seeing new load and following its Deployment's replicas, a Widget moving phase, a backup
 * plan running, and now and then a Helm upgrade that writes a new revision and supersedes the
 * one deployed (keeping Helm's default history of ten). It draws from its own random stream, so
 * the pod churn of a seed is what it was without it.
 */
import { backupPlanDefinition, customResourceKey, hpaStatus, widgetDefinition, widgetPhases } from './content.js';
import { charts } from './contentSeed.js';
import { isoAt } from './generate.js';
import { goTime, helmSecretType, makeRelease, makeReleaseSecret, releaseLabels, releaseOfSecret, encodeRelease, type ChartShape } from './helm.js';
import type { Random } from './random.js';
import type { KubeObject, ObjectStore } from './store.js';
import type { Stores } from './stores.js';

/** Helm's default `--history-max`: older revisions are deleted on upgrade. */
const helmHistoryMax = 10;

export class ContentChurn {
  private readonly configMaps: ObjectStore;
  private readonly hpas: ObjectStore;
  private readonly secrets: ObjectStore;

  constructor(
    private readonly stores: Stores,
    private readonly random: Random,
    private readonly now: () => number,
  ) {
    this.configMaps = stores.byName('configmaps');
    this.hpas = stores.byName('horizontalpodautoscalers.autoscaling');
    this.secrets = stores.byName('secrets');
  }

  /** Changes skipped because the object picked was one a client wrote in a shape these controllers cannot read. */
  skipped = 0;

  /**
   * One change, chosen by weight. Clients may create any of these kinds with fields of any shape
   * the API accepts (an HPA without a scaleTargetRef, a Secret typed as a Helm release holding
   * garbage); like a real controller meeting an object it cannot reconcile, the change is
   * skipped and the churn goes on, rather than an exception ending the process from a timer.
   */
  once(): void {
    const roll = this.random.next();
    try {
      if (roll < 0.35) this.editConfigMap();
      else if (roll < 0.6) this.observeHpa();
      else if (roll < 0.85) this.moveWidget();
      else if (roll < 0.95) this.runBackup();
      else this.upgradeRelease();
    } catch {
      this.skipped++;
    }
  }

  private pick(store: ObjectStore, accept: (o: KubeObject) => boolean = () => true): KubeObject | undefined {
    // A store's values are not indexable; a short random walk is enough at these counts.
    const size = store.size;
    if (size === 0) return undefined;
    const skip = this.random.int(0, size - 1);
    let i = 0;
    for (const o of store.values()) if (i++ >= skip && accept(o)) return o;
    for (const o of store.values()) if (accept(o)) return o;
    return undefined;
  }

  private editConfigMap(): void {
    const cm = this.pick(this.configMaps, (o) => o.metadata.name.endsWith('-config'));
    if (!cm) return;
    this.configMaps.mutate(cm.metadata.namespace, cm.metadata.name, (d) => {
      const data = ((d.data as Record<string, string> | undefined) ?? {}) as Record<string, string>;
      data.revision = String(Number(data.revision ?? '1') + 1);
      if ('LOG_LEVEL' in data) data.LOG_LEVEL = this.random.pick(['info', 'debug', 'warn']);
      d.data = data;
    });
  }

  /** The HPA controller's view: load moves a little, replicas are what the Deployment has. */
  private observeHpa(): void {
    const hpa = this.pick(this.hpas);
    if (!hpa) return;
    const ns = hpa.metadata.namespace;
    const target = (hpa.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name;
    const deployment = this.stores.deployments.get(ns, target);
    const replicas = Number((deployment?.status as { replicas?: number } | undefined)?.replicas ?? (deployment?.spec as { replicas?: number } | undefined)?.replicas ?? 0);
    const status = hpa.status as { currentMetrics?: { resource?: { current?: { averageUtilization?: number } } }[]; conditions?: { lastTransitionTime: string }[] };
    const cpu = Math.max(5, Math.min(150, Number(status.currentMetrics?.[0]?.resource?.current?.averageUtilization ?? 50) + this.random.int(-10, 10)));
    const since = status.conditions?.[0]?.lastTransitionTime ?? isoAt(this.now());
    this.hpas.mutate(ns, hpa.metadata.name, (d) => {
      d.status = { ...hpaStatus(replicas, cpu, since), lastScaleTime: isoAt(this.now()) };
    });
  }

  private moveWidget(): void {
    const store = this.stores.find(customResourceKey(widgetDefinition));
    const widget = store && this.pick(store);
    if (!store || !widget) return;
    const phase = (widget.status as { phase?: string } | undefined)?.phase;
    const next = this.random.pick(widgetPhases.filter((p) => p !== phase));
    store.mutate(widget.metadata.namespace, widget.metadata.name, (d) => void (d.status = { ...((d.status as object | undefined) ?? {}), phase: next }));
  }

  private runBackup(): void {
    const store = this.stores.find(customResourceKey(backupPlanDefinition));
    const plan = store && this.pick(store);
    if (!store || !plan) return;
    store.mutate(undefined, plan.metadata.name, (d) => void (d.status = { lastRunTime: isoAt(this.now()), lastResult: this.random.chance(0.9) ? 'Succeeded' : 'Failed' }));
  }

  /** `helm upgrade`: a new revision (one in ten fails), the deployed one superseded if it succeeded. */
  upgradeRelease(): void {
    const releases = new Map<string, KubeObject[]>();
    for (const s of this.secrets.values()) {
      if (s.type !== helmSecretType) continue;
      const key = `${s.metadata.namespace}/${s.metadata.labels?.name ?? ''}`;
      let list = releases.get(key);
      if (!list) releases.set(key, (list = []));
      list.push(s);
    }
    if (releases.size === 0) return;
    const revisions = this.random.pick([...releases.values()]).sort((a, b) => Number(a.metadata.labels?.version) - Number(b.metadata.labels?.version));
    const latest = releaseOfSecret(revisions[revisions.length - 1] as KubeObject);
    const chart = Object.values(charts).find((c) => c.name === latest.chart.metadata.name) as ChartShape | undefined;
    if (!chart) return;
    const nowMs = this.now();
    const failed = this.random.chance(0.1);
    const next = makeRelease(chart, latest.name, latest.namespace, latest.version + 1, latest.info.first_deployed, goTime(nowMs), failed ? 'failed' : 'deployed', { replicaCount: this.random.int(1, 5) });
    this.secrets.create(makeReleaseSecret(next, this.random.uid(), isoAt(nowMs), { createdAt: Math.floor(nowMs / 1000) }));
    if (!failed) {
      for (const s of revisions) {
        if (s.metadata.labels?.status !== 'deployed') continue;
        const release = releaseOfSecret(s);
        release.info.status = 'superseded';
        this.secrets.mutate(s.metadata.namespace, s.metadata.name, (d) => {
          d.metadata.labels = releaseLabels(release, { modifiedAt: Math.floor(nowMs / 1000) });
          d.data = { release: Buffer.from(encodeRelease(release), 'utf8').toString('base64') };
        });
      }
    }
    for (const old of revisions.slice(0, Math.max(0, revisions.length + 1 - helmHistoryMax))) this.secrets.delete(old.metadata.namespace, old.metadata.name);
  }
}
