/**
 * A watch that fell behind is handed on in turns: thousands of changes waiting on the socket
 * must not be handed to the consumer in one turn of the event loop, or every other client of the
 * backend waits that long (bench row 14l). Against the demo cluster over a real socket: a watch
 * from an old resourceVersion replays a history of 2,000 changes, read by a consumer slow enough
 * (1 ms a line, on the wall clock) that the replay takes two seconds, while a timer counts the
 * lines handed on between two of its runs.
 */
import { KubeClient, loadKubeConfig } from '../../../adapters/kube/client.js';
import { loopShareMs } from '../../../adapters/loopShare.js';
import { startDemoCluster, type DemoCluster } from '../../../demo-cluster/index.js';

const changes = 2000;
const lineMs = 1;

let cluster: DemoCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 5, nodes: 2, pods: 200, churn: 0 });
  client = new KubeClient(loadKubeConfig({ kubeconfigYaml: cluster.kubeconfigYaml }));
});
afterAll(async () => {
  client.close();
  await cluster.stop();
});

function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('aBackloggedWatchIsHandedOnInTurnsThatLeaveTheLoopToOthers', async () => {
  const listed = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
  for (let made = 0; made < changes; made += 500) cluster.load(500);
  const stream = await client.openStream('/api/v1/pods', { query: { watch: 'true', resourceVersion: listed.metadata.resourceVersion } });
  // Let the replay pile up in the socket, as it does while a consumer is busy elsewhere.
  await new Promise((resolve) => setTimeout(resolve, 500));

  let lines = 0;
  let linesThisTurn = 0;
  let mostLinesInOneTurn = 0;
  let turnsForOthers = 0;
  // A 1 ms timer runs once in each turn of the loop that takes a line or more: a turn as the
  // loop's delay monitors see it, from one timer phase to the next.
  const ticker = setInterval(() => {
    turnsForOthers++;
    mostLinesInOneTurn = Math.max(mostLinesInOneTurn, linesThisTurn);
    linesThisTurn = 0;
  }, 1);
  await new Promise<void>((resolve, reject) => {
    stream.read(
      () => {
        lines++;
        linesThisTurn++;
        busyFor(lineMs);
        if (lines === changes) {
          stream.abort();
          resolve();
        }
      },
      (error) => (lines >= changes ? resolve() : reject(error ?? new Error(`the watch ended after ${lines} lines`))),
    );
  });
  clearInterval(ticker);
  mostLinesInOneTurn = Math.max(mostLinesInOneTurn, linesThisTurn);

  expect(lines).toBe(changes);
  // The loop's share (10 ms, adapters/loopShare.ts) holds 10 of these lines, one more may start
  // just before it ends, and one more moves in the turn after a socket event spent it (11 seen);
  // a line never takes less than 1 ms, so no turn can hold more however the machine is loaded.
  // Handed on as the socket delivers them, the same replay put 78 to 108 lines (as many ms) in
  // one turn.
  expect(mostLinesInOneTurn).toBeLessThanOrEqual(loopShareMs + 4);
  expect(turnsForOthers).toBeGreaterThanOrEqual(changes / (loopShareMs + 4));
});

test('aWatchThatEndsWhileItsLinesWaitHandsThemAllOnBeforeItsEnd', async () => {
  const listed = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
  for (let made = 0; made < changes; made += 500) cluster.load(500);
  // The server ends this watch after a second; read at 1 ms a line, its lines take two.
  const stream = await client.openStream('/api/v1/pods', { query: { watch: 'true', resourceVersion: listed.metadata.resourceVersion, timeoutSeconds: 1 } });
  const versions: string[] = [];
  const ended = await new Promise<Error | undefined>((resolve) => {
    stream.read(
      (line) => {
        versions.push((JSON.parse(line) as { object: { metadata: { resourceVersion: string } } }).object.metadata.resourceVersion);
        busyFor(lineMs);
      },
      (error) => resolve(error),
    );
  });
  expect(ended).toBeUndefined();
  // Every change of the history, once each and in order, before the end was told.
  expect(versions.length).toBeGreaterThanOrEqual(changes);
  expect(new Set(versions).size).toBe(versions.length);
  expect(versions.map(Number)).toEqual([...versions.map(Number)].sort((a, b) => a - b));
});
