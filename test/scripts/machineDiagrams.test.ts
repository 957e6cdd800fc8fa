import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { machineTransitions } from '../../machines/introspect.js';
import { subscriptionMachine } from '../../machines/subscriptionMachine.js';
import { mermaidFor, renderMachinesDoc } from '../../scripts/machineDiagrams.js';

const docPath = fileURLToPath(new URL('../../docs/machines.md', import.meta.url));

test('committedDiagramsMatchTheMachines', () => {
  const committed = readFileSync(docPath, 'utf8');
  expect(renderMachinesDoc(committed)).toBe(committed);
});

test('diagramShowsEveryTargetedTransition', () => {
  const diagram = mermaidFor(subscriptionMachine);
  const targeted = machineTransitions(subscriptionMachine).filter((t) => t.targets.length > 0 && t.source !== 'subscription');
  const arrows = diagram.split('\n').filter((l) => l.includes(' --> ') && !l.includes('[*]'));
  expect(arrows.length).toBe(targeted.reduce((n, t) => n + t.targets.length, 0));
  expect(diagram).toContain('subscription_subscribed_streamingHealthy_listening --> subscription_subscribed_degraded : after stallTimeout');
  expect(diagram).toContain('from any state — SCOPE.CHANGED [scopeGiven] → snapshotting; STOP → stopped');
});

test('aDocWithoutItsGeneratedBlockIsRefused', () => {
  expect(() => renderMachinesDoc('# nothing here')).toThrow(/no generated block for "subscription"/);
});
