/**
 * The loop's share (adapters/loopShare.ts): every kind of work done in pieces draws on one bound
 * a turn, so kinds that have work in the same turn do not add their slices up (bench row 14l).
 * Against the demo cluster over a real socket: a watch replaying 1,500 changes, read at 1 ms a
 * line, runs beside two steppers taking 1 ms a unit (two clients' resets going out in pieces).
 * A timer counts the units done between two of its runs: a turn of the loop as a delay monitor
 * sees it. Units are busy on the wall clock, so a loaded machine can only fit fewer in a turn.
 * The lines come first in each turn: they are the backend's news, the pieces are bulk.
 */
import { KubeClient, loadKubeConfig } from '../../adapters/kube/client.js';
import { inTurns, loopShareMs, openShare } from '../../adapters/loopShare.js';
import { startDemoCluster, type DemoCluster } from '../../demo-cluster/index.js';

const changes = 1500;

let cluster: DemoCluster;
let client: KubeClient;
beforeAll(async () => {
  cluster = await startDemoCluster({ seed: 6, nodes: 2, pods: 200, churn: 0 });
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

/** Counts units of work between two runs of a 1 ms timer: the most in one turn, and the turns. */
function turnCounter() {
  let thisTurn = 0;
  let most = 0;
  let turns = 0;
  const ticker = setInterval(() => {
    most = Math.max(most, thisTurn);
    thisTurn = 0;
    turns++;
  }, 1);
  return {
    unit: () => thisTurn++,
    stop: () => {
      clearInterval(ticker);
      most = Math.max(most, thisTurn);
      return { most, turns };
    },
  };
}

test('watchLinesAndResetPiecesTogetherHoldTheLoopForOneShareATurn', async () => {
  const listed = await client.requestJson<{ metadata: { resourceVersion: string } }>('GET', '/api/v1/pods', { query: { limit: 1 } });
  for (let made = 0; made < changes; made += 500) cluster.load(500);
  const stream = await client.openStream('/api/v1/pods', { query: { watch: 'true', resourceVersion: listed.metadata.resourceVersion } });
  // Let the replay pile up in the socket, as it does while a backend is busy elsewhere.
  await new Promise((resolve) => setTimeout(resolve, 500));

  const counter = turnCounter();
  const stepped = [0, 0];
  let linesDone = false;
  const steppersDone = stepped.map(
    (_, i) =>
      new Promise<void>((resolve) => {
        inTurns(() => {
          counter.unit();
          busyFor(1);
          stepped[i]!++;
          // Each stepper keeps owing until the replay is read, then stops.
          if (!linesDone) return true;
          resolve();
          return false;
        });
      }),
  );
  let lines = 0;
  await new Promise<void>((resolve, reject) => {
    stream.read(
      () => {
        lines++;
        counter.unit();
        busyFor(1);
        if (lines === changes) {
          stream.abort();
          resolve();
        }
      },
      (error) => (lines >= changes ? resolve() : reject(error ?? new Error(`the watch ended after ${lines} lines`))),
    );
  });
  linesDone = true;
  await Promise.all(steppersDone);
  const { most, turns } = counter.stop();

  expect(lines).toBe(changes);
  // Both steppers moved all along, not only once the lines were read: a share spent by the
  // lines still gives the steppers a unit a turn, round-robin.
  expect(Math.min(...stepped)).toBeGreaterThanOrEqual(changes / (4 * loopShareMs));
  // And the lines came first: the steppers had what the lines left of each share (a unit each a
  // turn, about 500 units here), not the share with the lines left a unit a turn (5,049 when the
  // lines were resumed behind the steppers). Lines move in every turn they wait, so the steppers
  // cannot pass them however loaded the machine.
  expect(Math.max(...stepped)).toBeLessThan(changes);
  // One share (10 units of 1 ms), the unit that crosses it, and one more unit of each kind that
  // still moves in a spent turn: the lines in the turn after their socket event, and the
  // steppers. With a slice each (8 ms of lines, 10 ms of pieces) a turn held 19.
  expect(most).toBeLessThanOrEqual(loopShareMs + 4);
  expect(turns).toBeGreaterThanOrEqual((changes + stepped[0]! + stepped[1]!) / (loopShareMs + 4));
});

test('aStepperWhoseUnitsOutlastTheShareDoesNotStopTheOthers', async () => {
  const counter = turnCounter();
  let slowUnits = 0;
  let quickUnits = 0;
  await new Promise<void>((resolve) => {
    // One unit of 12 ms spends the share by itself every turn it runs in.
    inTurns(() => {
      busyFor(12);
      slowUnits++;
      return quickUnits < 30;
    });
    inTurns(() => {
      counter.unit();
      busyFor(1);
      quickUnits++;
      if (quickUnits < 30) return true;
      resolve();
      return false;
    });
  });
  counter.stop();
  expect(quickUnits).toBe(30);
  // Round-robin in spent turns: the slow stepper ran about once for each quick unit, not 30 times
  // first and not never.
  expect(slowUnits).toBeGreaterThanOrEqual(15);
  expect(slowUnits).toBeLessThanOrEqual(31);
});

test('aStepperMovesInATurnWhoseShareWasSpentBeforeIt', async () => {
  const order: string[] = [];
  await new Promise<void>((resolve) => {
    // Queued before the steppers' turn, in the same phase: it spends the whole share first, as a
    // watch's socket events can every turn while it streams.
    setImmediate(() => {
      openShare();
      busyFor(loopShareMs + 2);
      // Queued now, so it runs in the next turn's check phase: before a step that waited a turn.
      setImmediate(() => order.push('the next turn'));
    });
    inTurns(() => {
      order.push('a step');
      resolve();
      return false;
    });
  });
  // The step ran in the spent turn; waiting for a fresh share would let a busy stream put off
  // every reset for as long as it streams.
  expect(order[0]).toBe('a step');
});
