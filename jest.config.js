// Jest runs our TypeScript as native ES modules (the project is "type": "module" because
// @kubernetes/client-node 1.x ships only ESM). @swc/jest strips types; `.js` import
// specifiers (NodeNext style) are mapped back to the `.ts` sources.
/**
 * Suites whose waits are the timing under test (freshness proofs at the tests' 5 s bound, stalls,
 * stacks of 10,000+ rows, commands timed from outside): on a machine where another suite takes a
 * core they lapsed or outran their waits (docs/development.md, "Tests and CI"), so CI runs them
 * alone, after the rest has run two at a time. A file run by hand gets neither phase: all of it,
 * one worker.
 */
const alone = [
  'adapters/engine/freshnessEndToEnd',
  'adapters/engine/quietRecovery',
  'adapters/engine/resetPieces',
  'adapters/kube/probeOnce',
  'adapters/kube/staleSocket',
  'server/credentials',
  'server/exhaustion',
  'server/expiredContinue',
  'server/heartbeatCadence',
  'server/headless',
  'server/headlessInProcess',
  'server/headlessPartial',
  'server/inCluster',
  'server/landingOutlivesRelease',
  'server/proofCadence',
  'server/proofWithoutBookmarks',
  'server/resetPieces',
  'server/security',
  'server/slowClient',
  'server/streamingList',
  'server/streamUnhealthyUpstream',
  'server/upstreamBehind',
  'server/upstreamFaults',
];

/**
 * Under --experimental-vm-modules every finished suite's context stays reachable for the worker's
 * life (a jest and Node retention, not ours: a one-assertion suite's stays too), so a worker's heap
 * only grows, and a worker that ran half of the together phase took over jest's 500 ms to exit:
 * "A worker process has failed to exit gracefully" (docs/development.md, "Tests and CI"). A worker
 * whose heap has passed this after a suite is replaced, so none holds more than about this and one
 * suite when it ends.
 */
const workerHeapLimit = '512MiB';

/**
 * The alone phase gives each suite a process of its own (a worker limit of 0 restarts the worker
 * after every suite): run in band, every suite of the phase shared one process, so the last ones
 * timed their heartbeats in a process holding the others' heaps (417 MB when heartbeatCadence
 * failed in CI run 35) and whatever work of theirs outlived them. A fresh process costs a second
 * or so a suite; what a suite times is then its own.
 */
const eachAloneSuiteItsOwnProcess = 0;

function phase(name) {
  const paths = alone.map((suite) => `<rootDir>/test/${suite}.test.ts`);
  if (name === 'together') {
    return { maxWorkers: 2, workerIdleMemoryLimit: workerHeapLimit, testPathIgnorePatterns: ['/node_modules/', ...paths.map(escapeRegExp)] };
  }
  if (name === 'alone') return { maxWorkers: 1, workerIdleMemoryLimit: eachAloneSuiteItsOwnProcess, testMatch: paths };
  if (name === undefined) return {};
  throw new Error(`KUBELIVE_JEST_PHASE: "${name}" is neither "together" nor "alone"`);
}

function escapeRegExp(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts', '**/*.test.tsx'],
  extensionsToTreatAsEsm: ['.ts', '.tsx'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.tsx?$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript', tsx: true }, target: 'es2022', transform: { react: { runtime: 'automatic' } } },
        module: { type: 'es6' },
      },
    ],
  },
  testTimeout: 30000,
  ...phase(process.env.KUBELIVE_JEST_PHASE),
};
