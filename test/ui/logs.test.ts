/**
 * The logs panel in a real Chromium against a real backend on the demo cluster: a restarted
 * container's previous run reads as `kubectl logs --previous` prints it; search marks exactly the
 * matches a count over the lines finds, and walks them with Enter and Shift+Enter; wrap and
 * timestamps change what is shown and survive a reload; the download holds the lines shown; all
 * containers of a pod are interleaved by time, tagged as `kubectl logs --all-containers --prefix`
 * tags them, and follow. Screenshots go to test-artifacts/logs-*.png.
 *
 * The demo's containers keep writing (a line every 1 to 3 s), so what is compared is read from the
 * page in one go, and comparisons with kubectl allow for lines written after the page read its own.
 */
import { jest } from '@jest/globals';
import axe from 'axe-core';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import type { Backend } from '../../server/serve.js';
import { type LaunchedBrowser, quickConfig, screenshot, until as waitUntil, useDashboard } from './browser.js';

interface DemoPod {
  metadata: { name: string; namespace: string };
  spec: { containers: { name: string }[] };
  status: {
    phase?: string;
    containerStatuses?: { name: string; restartCount?: number; state?: { running?: unknown; waiting?: { reason?: string } }; lastState?: { terminated?: { exitCode?: number; reason?: string; finishedAt?: string } } }[];
  };
}

const wait = { timeout: 30_000 };
let backend: Backend;
let chromium: LaunchedBrowser;
let page: Page;
let errors: string[];

jest.setTimeout(120_000);

  // No churn: the restarted containers stay as generated while the page and kubectl read them.
  // The troubleshooting scenario adds a pod that crash-loops round its cycle every few seconds.
useDashboard({ demo: { nodes: 3, pods: 160, churn: 0, seed: 11, scenarios: true }, port: 0, allowFaults: true, config: quickConfig }, (d) => ({ backend, chromium, page, errors } = d), { acceptDownloads: true });

const run = promisify(execFile);

/** kubectl against the demo cluster, its output as lines. Never synchronously: the demo cluster answers from this very process. */
async function kubectlLines(...args: string[]): Promise<string[]> {
  const { stdout } = await run('kubectl', ['--kubeconfig', backend.demo!.kubeconfigPath, ...args], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  return stdout.split('\n').filter((l) => l !== '');
}

const until = <T>(what: string, read: () => Promise<T>, ready: (value: T) => boolean, timeoutMs = wait.timeout) => waitUntil(page, what, read, ready, timeoutMs);

function pods(): DemoPod[] {
  return backend.demo!.listObjects('pods') as unknown as DemoPod[];
}

/** Running steadily: the scenario's pods (troubleshooting) are left to the test that wants them. */
const running = (p: DemoPod) => p.metadata.namespace !== 'troubleshooting' && p.status.phase === 'Running' && (p.status.containerStatuses ?? []).every((c) => c.state?.running);
const restarted = (p: DemoPod) => (p.status.containerStatuses ?? []).some((c) => (c.restartCount ?? 0) > 0 && c.lastState?.terminated);

function findPod(what: string, test: (p: DemoPod) => boolean): DemoPod {
  const found = pods().find(test);
  if (!found) throw new Error(`the demo cluster generated no ${what}`);
  return found;
}

/** Opens the Pods view on one pod, whose Logs panel opens with it, and waits for its lines. */
async function openLogs(pod: DemoPod): Promise<void> {
  const { namespace, name } = pod.metadata;
  await page.goto(`${backend.url}#/pods?ns=${namespace}&sel=${namespace}/${name}`);
  await page.getByTestId('logs-panel').waitFor(wait);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=log-lines] .log-line').length > 0, null, wait);
}

interface ShownLine {
  text: string;
  container: string;
  run: string;
  matches: number;
  marks: number;
  kind: 'line' | 'divider';
}

/** What the panel shows, in order, read in one go. */
function shownLines(): Promise<ShownLine[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-testid=log-lines] .log-line, [data-testid=log-lines] .log-divider')].map((el) => ({
      text: el.textContent ?? '',
      container: el.dataset.container ?? '',
      run: el.dataset.run ?? '',
      matches: Number(el.dataset.matches ?? 0),
      marks: el.querySelectorAll('mark').length,
      kind: el.classList.contains('log-divider') ? ('divider' as const) : ('line' as const),
    })),
  );
}

const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z /;

test('aRestartedContainersPreviousRunReadsAsKubectlLogsPrevious', async () => {
  const pod = findPod('running pod whose only container restarted', (p) => p.spec.containers.length === 1 && running(p) && restarted(p));
  const { namespace, name } = pod.metadata;
  const container = pod.spec.containers[0]!.name;
  await openLogs(pod);
  await page.getByTestId('log-previous').check();
  await page.getByTestId('log-divider').waitFor(wait);
  // The divider says how the previous run ended, as the pod's lastState has it.
  const ended = pod.status.containerStatuses!.find((c) => c.name === container)!.lastState!.terminated!;
  await expect(page.getByTestId('log-divider').textContent()).resolves.toBe(
    `--- ${container} restarted (previous run ended at ${ended.finishedAt}, exit code ${ended.exitCode}, ${ended.reason}): the lines above are its previous run ---`,
  );

  const previousShown = async () => (await shownLines()).filter((l) => l.run === 'previous').map((l) => l.text);
  // Timestamps on (the default): as `kubectl logs --previous --timestamps` prints them.
  const stamped = await previousShown();
  expect(stamped.length).toBeGreaterThan(0);
  expect(stamped).toEqual(await kubectlLines('logs', '-n', namespace, name, '-c', container, '--previous', '--timestamps', '--tail=1000'));
  // Timestamps off: as plain `kubectl logs --previous` prints them.
  await page.getByTestId('log-timestamps').uncheck();
  await until('the previous run without timestamps', previousShown, (lines) => lines.length > 0 && !stamp.test(lines[0]!));
  expect(await previousShown()).toEqual(await kubectlLines('logs', '-n', namespace, name, '-c', container, '--previous', '--tail=1000'));
  await page.getByTestId('log-timestamps').check();

  // The previous run comes first, then the divider, then the current run's lines.
  const kinds = (await shownLines()).map((l) => (l.kind === 'divider' ? 'divider' : l.run));
  expect(kinds.indexOf('divider')).toBe(stamped.length);
  expect(kinds.slice(stamped.length + 1).every((k) => k === 'current')).toBe(true);
  await page.getByTestId('log-lines').evaluate((el) => (el.scrollTop = 0));
  await screenshot(page, 'logs-previous');
  await page.getByTestId('log-divider').evaluate((el) => el.scrollIntoView({ block: 'center' }));
  await screenshot(page, 'logs-previous-divider');

  await page.getByTestId('log-previous').uncheck();
  await until('the previous run gone', shownLines, (lines) => lines.length > 0 && lines.every((l) => l.run === 'current'));
});

test('aCrashLoopingContainersLastRunIsShownOnce', async () => {
  // Waiting to restart, it has no current run: the kubelet serves its last run both as its log and
  // as --previous, so the panel shows it once and says so. (Without churn the scenario's pod stays
  // in CrashLoopBackOff; with churn it moves round its cycle, which is why this reads until it agrees.)
  const pod = findPod('crash-looping pod of the troubleshooting scenario', (p) => p.metadata.namespace === 'troubleshooting' && p.metadata.name === 'crashloop');
  const { namespace, name } = pod.metadata;
  const container = pod.spec.containers[0]!.name;
  await openLogs(pod);
  await page.getByTestId('log-previous').check();
  const read = async () => ({
    once: (await page.getByTestId('log-previous-shown').count()) === 1,
    dividers: await page.getByTestId('log-divider').count(),
    shown: (await shownLines()).map((l) => l.text),
    previous: await kubectlLines('logs', '-n', namespace, name, '-c', container, '--previous', '--timestamps', '--tail=500'),
  });
  const waiting = await until('the last run shown once, as kubectl logs --previous prints it', read, (r) => r.once && r.previous.length > 0 && JSON.stringify(r.shown) === JSON.stringify(r.previous));
  expect(waiting.dividers).toBe(0);
  await screenshot(page, 'logs-crash-loop');
  await page.getByTestId('log-previous').uncheck();
});

test('aFinishedPodsLogReadsCompleteAndHoldsEveryLineKubectlPrintsWhileARunningPodsReadsFollowing', async () => {
  // A Succeeded or Failed pod's containers never run again (the API's pod lifecycle), so what the
  // panel holds is the whole log: exactly what kubectl prints, and no promise of more.
  const finished = findPod('finished single-container pod', (p) => (p.status.phase === 'Succeeded' || p.status.phase === 'Failed') && p.spec.containers.length === 1);
  const { namespace, name } = finished.metadata;
  await openLogs(finished);
  await page.getByTestId('log-complete').waitFor(wait);
  expect(await page.getByTestId('logs-panel').getByText('following', { exact: true }).count()).toBe(0);
  const printed = await kubectlLines('logs', '-n', namespace, name, '--timestamps', '--tail=1000');
  expect(printed.length).toBeGreaterThan(0);
  await until('every line of the finished log', async () => (await shownLines()).map((l) => l.text), (lines) => lines.length === printed.length);
  expect((await shownLines()).map((l) => l.text)).toEqual(printed);
  await screenshot(page, 'logs-complete');

  await openLogs(findPod('running single-container pod', (p) => p.spec.containers.length === 1 && running(p)));
  await page.getByTestId('logs-panel').getByText('following', { exact: true }).waitFor(wait);
  expect(await page.getByTestId('log-complete').count()).toBe(0);
});

test('thePreviousRunIsOfferedToContainersThatHaveOne', async () => {
  const pod = findPod('pod with a sidecar whose first container restarted', (p) => p.spec.containers.length > 1 && running(p) && restarted(p) && !(p.status.containerStatuses ?? []).find((c) => c.name === p.spec.containers[1]!.name)?.lastState?.terminated);
  const [first, sidecar] = [pod.spec.containers[0]!.name, pod.spec.containers[1]!.name];
  await openLogs(pod);
  // The first container restarted: offered. The sidecar never did: not offered.
  await page.getByTestId('log-previous').waitFor(wait);
  await page.getByTestId('log-container').selectOption(sidecar);
  await until('no previous run offered to the sidecar', () => page.getByTestId('log-previous').count(), (n) => n === 0);
  await page.getByTestId('log-container').selectOption(first);
  await page.getByTestId('log-previous').waitFor(wait);

  // A pod that never restarted is not offered a previous run at all.
  const fresh = findPod('running pod that never restarted', (p) => running(p) && (p.status.containerStatuses ?? []).every((c) => (c.restartCount ?? 0) === 0));
  await openLogs(fresh);
  await expect(page.getByTestId('log-previous').count()).resolves.toBe(0);
});

test('whenThePodCannotBeReadAContainerWithoutAPreviousRunSaysSoInTheApiServersWords', async () => {
  const pod = findPod('pod with a sidecar whose first container restarted', (p) => p.spec.containers.length > 1 && running(p) && restarted(p) && !(p.status.containerStatuses ?? []).find((c) => c.name === p.spec.containers[1]!.name)?.lastState?.terminated);
  const sidecar = pod.spec.containers[1]!.name;
  // Which containers restarted is not known: every container of a restarted pod is offered its previous run.
  await page.route('**/api/v1/object/pods/**', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":"busy","reason":"held back by the test"}' }));
  try {
    await openLogs(pod);
    await page.getByTestId('log-container').selectOption(sidecar);
    await page.getByTestId('log-previous').check();
    const problem = page.getByTestId('log-previous-problem');
    await problem.waitFor(wait);
    await expect(problem.textContent()).resolves.toBe(`Previous run of ${sidecar}: previous terminated container "${sidecar}" in pod "${pod.metadata.name}" not found`);
    await screenshot(page, 'logs-previous-missing');
    await page.getByTestId('log-previous').uncheck();
  } finally {
    await page.unroute('**/api/v1/object/pods/**');
  }
  // The held-back read and the 400 are answers the test arranged, not errors of the page's.
  for (let i = errors.length - 1; i >= 0; i--) if (/\b(503|400)\b.*api\/v1\/(object\/pods|logs\/previous)/.test(errors[i]!)) errors.splice(i, 1);
});

/** Non-overlapping occurrences of `needle`, ignoring case as the search does by default. */
function occurrences(text: string, needle: string): number {
  const [hay, pin] = [text.toLowerCase(), needle.toLowerCase()];
  let count = 0;
  for (let at = hay.indexOf(pin); at !== -1; at = hay.indexOf(pin, at + pin.length)) count++;
  return count;
}

async function searchState(): Promise<{ lines: ShownLine[]; summary: string; current: string | null; currentInView: boolean }> {
  return page.evaluate(() => {
    const box = document.querySelector('[data-testid=log-lines]')!.getBoundingClientRect();
    const current = document.querySelector<HTMLElement>('mark.current');
    const at = current?.getBoundingClientRect();
    return {
      lines: [...document.querySelectorAll<HTMLElement>('[data-testid=log-lines] .log-line')].map((el) => ({
        // Only the log's own text is searched: not the stamp in front of it.
        text: [...el.childNodes].filter((n) => !(n instanceof HTMLElement && n.classList.contains('log-time'))).map((n) => n.textContent).join('').trimStart(),
        container: el.dataset.container ?? '',
        run: el.dataset.run ?? '',
        matches: Number(el.dataset.matches ?? 0),
        marks: el.querySelectorAll('mark').length,
        kind: 'line' as const,
      })),
      summary: document.querySelector('[data-testid=log-search-summary]')?.textContent ?? '',
      current: current?.dataset.match ?? null,
      currentInView: at !== undefined && at.top >= box.top && at.bottom <= box.bottom,
    };
  });
}

test('searchMarksExactlyTheMatchesACountOverTheLinesFinds', async () => {
  const pod = findPod('running single-container pod', (p) => p.spec.containers.length === 1 && running(p));
  await openLogs(pod);
  const needle = 'STATUS=404';
  await page.getByTestId('log-search').fill(needle);
  await until('matches marked', searchState, (s) => s.lines.some((l) => l.marks > 0));
  const state = await searchState();
  // Every line is marked as often as the text occurs in it (case ignored), and no other line is.
  for (const line of state.lines) {
    expect({ text: line.text, marks: line.marks }).toEqual({ text: line.text, marks: occurrences(line.text, needle) });
    expect(line.matches).toBe(line.marks);
  }
  const total = state.lines.reduce((n, l) => n + occurrences(l.text, needle), 0);
  const lines = state.lines.filter((l) => occurrences(l.text, needle) > 0).length;
  expect(total).toBeGreaterThan(0);
  expect(state.summary).toBe(`${total} ${total === 1 ? 'match' : 'matches'} in ${lines} ${lines === 1 ? 'line' : 'lines'}`);

  // Enter goes to the first match, Shift+Enter round to the last; the current one is scrolled into view.
  await page.getByTestId('log-search').press('Enter');
  await until('the first match current', searchState, (s) => s.current === '0' && s.currentInView);
  await page.getByTestId('log-search').press('Shift+Enter');
  await page.getByTestId('log-search').press('Shift+Enter');
  const last = await until('the last match but one current', searchState, (s) => s.current !== null && s.current !== '0');
  expect(Number(last.current)).toBe(Number(last.summary.split(' of ')[1]!.split(' ')[0]) - 2);
  expect(last.currentInView).toBe(true);
  expect(last.summary).toMatch(/^\d+ of \d+ matches in \d+ lines?$/);
  await screenshot(page, 'logs-search');

  // The text is literal: regex characters find themselves and break nothing.
  await page.getByTestId('log-search').fill('duration=(');
  await until('a literal "(" searched', searchState, (s) => s.summary === 'no matches');
  // A regular expression on request; a bad one is said in words.
  await page.getByTestId('log-search-regex').check();
  await until('a bad regex said in words', searchState, (s) => s.summary.startsWith('not a regular expression: '));
  await expect(page.getByTestId('log-search').getAttribute('aria-invalid')).resolves.toBe('true');
  await screenshot(page, 'logs-search-bad-regex');
  await page.getByTestId('log-search').fill('status=[45]0\\d');
  const regex = await until('regex matches marked', searchState, (s) => s.lines.some((l) => l.marks > 0));
  for (const line of regex.lines) expect(line.marks).toBe((line.text.match(/status=[45]0\d/gi) ?? []).length);
  await page.getByTestId('log-search-regex').uncheck();
  // Esc empties the box and leaves the panel open.
  await page.getByTestId('log-search').press('Escape');
  await expect(page.getByTestId('log-search').inputValue()).resolves.toBe('');
  await expect(page.getByTestId('logs-panel').count()).resolves.toBe(1);
});

test('wrapAndTimestampsChangeWhatIsShownAndSurviveAReload', async () => {
  await page.setViewportSize({ width: 700, height: 900 });
  try {
    const pod = findPod('running single-container pod', (p) => p.spec.containers.length === 1 && running(p));
    await openLogs(pod);
    const layout = () =>
      page.evaluate(() => {
        const box = document.querySelector<HTMLElement>('[data-testid=log-lines]')!;
        const lines = [...box.querySelectorAll<HTMLElement>('.log-line')];
        const lineHeight = parseFloat(getComputedStyle(box).lineHeight);
        return {
          wrapped: lines.filter((l) => l.getBoundingClientRect().height > lineHeight * 1.5).length,
          stamped: lines.filter((l) => l.querySelector('.log-time') !== null).length,
          lines: lines.length,
          scrollsSideways: box.scrollWidth > box.clientWidth,
        };
      });
    // Both on by default: at 700 px a stamped demo line is too long for one row.
    await expect(page.getByTestId('log-wrap').isChecked()).resolves.toBe(true);
    const wrappedLayout = await layout();
    expect(wrappedLayout.stamped).toBe(wrappedLayout.lines);
    expect(wrappedLayout.wrapped).toBeGreaterThan(0);
    expect(wrappedLayout.scrollsSideways).toBe(false);
    await screenshot(page, 'logs-wrapped-700px');

    await page.getByTestId('log-wrap').uncheck();
    const unwrapped = await until('lines on one row each', layout, (l) => l.wrapped === 0);
    expect(unwrapped.scrollsSideways).toBe(true);
    await page.getByTestId('log-timestamps').uncheck();
    const plain = await until('no timestamps', layout, (l) => l.stamped === 0);
    expect(plain.lines).toBeGreaterThan(0);
    const texts = await shownLines();
    expect(texts.some((l) => stamp.test(l.text))).toBe(false);
    await screenshot(page, 'logs-nowrap-no-timestamps-700px');

    // Kept across a reload.
    await page.reload();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=log-lines] .log-line').length > 0, null, wait);
    await expect(page.getByTestId('log-wrap').isChecked()).resolves.toBe(false);
    await expect(page.getByTestId('log-timestamps').isChecked()).resolves.toBe(false);
    expect((await layout()).stamped).toBe(0);
  } finally {
    await page.getByTestId('log-wrap').check().catch(() => undefined);
    await page.getByTestId('log-timestamps').check().catch(() => undefined);
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});

test('theDownloadHoldsTheLinesShown', async () => {
  const pod = findPod('running pod whose only container restarted', (p) => p.spec.containers.length === 1 && running(p) && restarted(p));
  const container = pod.spec.containers[0]!.name;
  await openLogs(pod);
  await page.getByTestId('log-previous').check();
  await page.getByTestId('log-divider').waitFor(wait);
  const download = page.waitForEvent('download');
  // Read and click in one turn of the page, so no new line can arrive between the two.
  const shown = await page.evaluate(() => {
    const lines = [...document.querySelectorAll('[data-testid=log-lines] .log-line, [data-testid=log-lines] .log-divider')].map((el) => el.textContent ?? '');
    document.querySelector<HTMLButtonElement>('[data-testid=log-download]')!.click();
    return lines;
  });
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${pod.metadata.name}_${container}_with-previous.log`);
  const text = readFileSync((await file.path())!, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  expect(text.slice(0, -1).split('\n')).toEqual(shown);
  expect(shown.filter((l) => l.startsWith('---'))).toHaveLength(1);
  await page.getByTestId('log-previous').uncheck();
});

test('allContainersAreInterleavedByTimeTaggedAndFollowed', async () => {
  const pod = findPod('running pod with a sidecar', (p) => p.spec.containers.length > 1 && running(p));
  const { namespace, name } = pod.metadata;
  const containers = pod.spec.containers.map((c) => c.name);
  await openLogs(pod);
  await page.getByTestId('log-container').selectOption({ label: 'All containers' });

  interface Joined {
    lines: Array<{ text: string; container: string; tagClass: string }>;
    held: Record<string, string[]>;
    since: string | null;
  }
  // The page's lines and the engine's rows of each follower, read in one go.
  const read = (): Promise<Joined> =>
    page.evaluate(
      ({ ns, pod: podName, names }) => {
        const engine = (window as unknown as { kubelive: { engine: { store: { rows(key: string): Array<{ time: string | null; line: string }> } } } }).kubelive.engine;
        const held: Record<string, string[]> = {};
        for (const c of names) held[c] = engine.store.rows(`pod-logs:${ns}/${podName}/${c}`).map((r) => `[pod/${podName}/${c}] ${r.time} ${r.line}`);
        return {
          lines: [...document.querySelectorAll<HTMLElement>('[data-testid=log-lines] .log-line')].map((el) => ({
            text: el.textContent ?? '',
            container: el.dataset.container ?? '',
            tagClass: el.querySelector('.log-tag')?.className ?? '',
          })),
          held,
          since: document.querySelector('[data-testid=log-since]')?.textContent?.match(/^Interleaved from (\S+):/)?.[1] ?? null,
        };
      },
      { ns: namespace, pod: name, names: containers },
    );
  const timeOf = (text: string) => text.split(' ')[1]!;
  // Shown: every line each follower holds (from where all of them hold lines), nothing else.
  const expected = (j: Joined) => Object.values(j.held).flat().filter((t) => j.since === null || timeOf(t) >= j.since);
  const joined = await until(
    'every container\'s lines shown',
    read,
    (j) => containers.every((c) => j.held[c]!.length > 0) && JSON.stringify(j.lines.map((l) => l.text).sort()) === JSON.stringify(expected(j).sort()),
  );
  // Each tagged as kubectl --prefix tags it, in its container's colour.
  for (const line of joined.lines) {
    expect(line.text.startsWith(`[pod/${name}/${line.container}] `)).toBe(true);
    expect(line.tagClass).toBe(`log-tag log-c${containers.indexOf(line.container)}`);
  }
  expect(new Set(joined.lines.map((l) => l.container))).toEqual(new Set(containers));
  // In time order (the demo's stamps are all written to the nanosecond, so they compare as text).
  const times = joined.lines.map((l) => timeOf(l.text));
  expect(times).toEqual([...times].sort());
  // Each container's lines are its log as kubectl prints it (which may have more by now).
  for (const c of containers) {
    const printed = new Set(await kubectlLines('logs', '-n', namespace, name, '-c', c, '--timestamps'));
    const shownOfC = joined.lines.filter((l) => l.container === c).map((l) => l.text.slice(`[pod/${name}/${c}] `.length));
    expect(shownOfC.filter((l) => !printed.has(l))).toEqual([]);
  }
  await screenshot(page, 'logs-all-containers');
  // The containers' colours and the marks are read against the log surface in the dark theme too.
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.getByTestId('log-search').fill('status=500');
  await screenshot(page, 'logs-all-containers-dark');
  await page.getByTestId('log-search').fill('');
  await page.emulateMedia({ colorScheme: 'light' });

  // Following: new lines of the containers keep arriving in the joined view.
  const last = joined.lines[joined.lines.length - 1]!.text;
  await until('a newer line', read, (j) => j.lines.length > 0 && timeOf(j.lines[j.lines.length - 1]!.text) > timeOf(last), 45_000);
});

test('theLogsPanelFitsA390pxScreen', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  try {
    const pod = findPod('running pod with a sidecar', (p) => p.spec.containers.length > 1 && running(p) && restarted(p));
    await openLogs(pod);
    await page.getByTestId('log-previous').check();
    await page.getByTestId('log-divider').waitFor(wait);
    await page.getByTestId('log-search').fill('status=404');
    await page.getByTestId('log-search').press('Enter');
    // Nothing pushes the page sideways; long lines wrap inside the panel.
    const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, viewport: window.innerWidth }));
    expect(widths.page).toBeLessThanOrEqual(widths.viewport);
    await screenshot(page, 'logs-390px');
  } finally {
    await page.setViewportSize({ width: 1440, height: 900 });
  }
});

type Violation = { where: string; id: string; impact: string | null; nodes: string[] };

/** axe-core over the logs panel in both themes: its serious and critical violations, said where. */
async function panelViolations(where: string): Promise<Violation[]> {
  const found: Violation[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
    const violations = await page.evaluate(async () => {
      const result = await (window as unknown as { axe: typeof import('axe-core') }).axe.run('[data-testid=logs-panel]', { resultTypes: ['violations'] });
      return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, nodes: v.nodes.slice(0, 3).map((n) => n.html.slice(0, 160)) }));
    });
    for (const v of violations) if (v.impact === 'serious' || v.impact === 'critical') found.push({ where: `${where}, ${scheme}`, ...v });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return found;
}

test('axeFindsNoSeriousViolationInTheLogsPanelLightOrDark', async () => {
  const pod = findPod('pod with a sidecar whose first container restarted', (p) => p.spec.containers.length > 1 && running(p) && restarted(p));
  await openLogs(pod);
  // The previous run, its divider and the marks of a search, the current one among them.
  await page.getByTestId('log-previous').check();
  await page.getByTestId('log-divider').waitFor(wait);
  await page.getByTestId('log-search').fill('status=404');
  await page.getByTestId('log-search').press('Enter');
  const found = await panelViolations('previous run and search');
  // All containers: the tags' colours on the log surface.
  await page.getByTestId('log-container').selectOption({ label: 'All containers' });
  await page.waitForSelector('[data-testid=log-lines] .log-tag', wait);
  found.push(...(await panelViolations('all containers')));
  expect(found).toEqual([]);
  // axe reads the contrast of each of the 1,500 lines four times: slow on a busy machine.
}, 240_000);

test('thePageThrewNothing', () => {
  expect(errors).toEqual([]);
});
