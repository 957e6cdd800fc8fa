// Jest runs our TypeScript as native ES modules (the project is "type": "module" because
// @kubernetes/client-node 1.x ships only ESM). @swc/jest strips types; `.js` import
// specifiers (NodeNext style) are mapped back to the `.ts` sources.
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
  // One worker (jest's default on two cores): two halved the time but failed a wait in one of
  // two quiet clean-clone runs (docs/development.md, "Tests and CI").
};
