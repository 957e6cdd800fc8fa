/**
 * Helm releases from their revisions: the `helm-releases` domain carries one row per revision
 * (one release Secret each); `helm list` shows each release at its newest revision, and
 * `helm history` the rest. Pure, tested without React.
 */
import type { HelmReleaseRow } from '../../adapters/rows.js';
import { compareText } from './order.js';

export interface HelmRelease {
  /** `namespace/release`: a release name is unique in its namespace. */
  readonly id: string;
  readonly latest: HelmReleaseRow;
  /** Every revision, newest first (the latest included). */
  readonly history: readonly HelmReleaseRow[];
}

export function releaseId(row: Pick<HelmReleaseRow, 'namespace' | 'release'>): string {
  return `${row.namespace}/${row.release}`;
}

/** One entry per release, newest revision as its face, in namespace then name order. */
export function helmReleases(rows: readonly HelmReleaseRow[]): HelmRelease[] {
  const byRelease = new Map<string, HelmReleaseRow[]>();
  for (const row of rows) {
    const id = releaseId(row);
    const list = byRelease.get(id);
    if (list) list.push(row);
    else byRelease.set(id, [row]);
  }
  const releases: HelmRelease[] = [];
  for (const [id, revisions] of byRelease) {
    revisions.sort((a, b) => b.revision - a.revision);
    releases.push({ id, latest: revisions[0]!, history: revisions });
  }
  return releases.sort((a, b) => compareText(a.latest.namespace, b.latest.namespace) || compareText(a.latest.release, b.latest.release));
}

/** Releases with any of the filter's words in their name, namespace, chart, versions or status. */
export function filterReleases(releases: readonly HelmRelease[], filter: string): readonly HelmRelease[] {
  const words = filter.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return releases;
  return releases.filter(({ latest: r }) => {
    const text = [r.release, r.namespace, r.chart, r.chartVersion, r.appVersion, r.status].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}

/** A release's line in the table, or one of its older revisions under it when expanded. */
export interface HelmLine {
  readonly key: string;
  readonly row: HelmReleaseRow;
  readonly release: HelmRelease;
  /** True for an older revision shown under its release. */
  readonly past: boolean;
}

/** The table's lines: each release, and under the expanded ones their older revisions. */
export function helmLines(releases: readonly HelmRelease[], expanded: ReadonlySet<string>): HelmLine[] {
  const lines: HelmLine[] = [];
  for (const release of releases) {
    lines.push({ key: release.id, row: release.latest, release, past: false });
    if (!expanded.has(release.id)) continue;
    for (const row of release.history.slice(1)) lines.push({ key: `${release.id}#${row.revision}`, row, release, past: true });
  }
  return lines;
}
