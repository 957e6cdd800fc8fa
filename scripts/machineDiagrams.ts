/**
 * Writes the mermaid state diagrams in docs/machines.md from the machine definitions, so the
 * pictures cannot drift from the code. `node dist/scripts/machineDiagrams.js --write` rewrites
 * the generated blocks; a test fails when the committed file differs from what this produces.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { connectionMachine } from '../machines/connectionMachine.js';
import { eventLabel, machineTransitions } from '../machines/introspect.js';
import { metricsMachine } from '../machines/metricsMachine.js';
import { snapshotOnlyMachine } from '../machines/snapshotOnlyMachine.js';
import { subscriptionMachine } from '../machines/subscriptionMachine.js';

export const diagrammedMachines: Record<string, AnyStateMachine> = {
  subscription: subscriptionMachine,
  metrics: metricsMachine,
  snapshotOnly: snapshotOnlyMachine,
  connection: connectionMachine,
};

const mermaidId = (id: string) => id.replace(/[^A-Za-z0-9]/g, '_');

function declareStates(node: AnyStateNode, indent: string, lines: string[]): void {
  const children = Object.values(node.states) as AnyStateNode[];
  if (children.length === 0) return;
  const initial = node.config.initial;
  if (typeof initial === 'string') lines.push(`${indent}[*] --> ${mermaidId(`${node.id}.${initial}`)}`);
  for (const child of children) {
    const id = mermaidId(child.id);
    if (Object.keys(child.states).length > 0) {
      lines.push(`${indent}state "${child.key}" as ${id} {`);
      declareStates(child, `${indent}  `, lines);
      lines.push(`${indent}}`);
    } else {
      lines.push(`${indent}state "${child.key}" as ${id}`);
      if (child.type === 'final') lines.push(`${indent}${id} --> [*]`);
    }
  }
}

/** A mermaid stateDiagram-v2 of one machine: nested states, then every transition with a target. */
export function mermaidFor(machine: AnyStateMachine): string {
  const lines = ['stateDiagram-v2'];
  declareStates(machine.root, '  ', lines);
  const fromAnyState: string[] = [];
  for (const t of machineTransitions(machine)) {
    if (t.targets.length === 0) continue;
    const label = eventLabel(t.event) + (t.guard ? ` [${t.guard}]` : '');
    for (const target of t.targets) {
      // Root-level transitions apply in every state; mermaid has no arrow for that, so a note.
      if (t.source === machine.root.id) fromAnyState.push(`${label} → ${target.split('.').slice(1).join('.')}`);
      else lines.push(`  ${mermaidId(t.source)} --> ${mermaidId(target)} : ${label}`);
    }
  }
  const first = Object.values(machine.root.states)[0] as AnyStateNode | undefined;
  if (first && fromAnyState.length > 0) lines.push(`  note right of ${mermaidId(first.id)} : from any state — ${fromAnyState.join('; ')}`);
  return lines.join('\n');
}

const block = (name: string) => new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);

/** The document with every generated block replaced by the current diagram. */
export function renderMachinesDoc(doc: string): string {
  let out = doc;
  for (const [name, machine] of Object.entries(diagrammedMachines)) {
    const pattern = block(name);
    if (!pattern.test(out)) throw new Error(`docs/machines.md has no generated block for "${name}"`);
    out = out.replace(pattern, (_m, open: string, close: string) => `${open}\n\`\`\`mermaid\n${mermaidFor(machine)}\n\`\`\`\n${close}`);
  }
  return out;
}

export const machinesDocPath = fileURLToPath(new URL('../../docs/machines.md', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = process.argv.includes('--path') ? process.argv[process.argv.indexOf('--path') + 1]! : machinesDocPath;
  const current = readFileSync(path, 'utf8');
  const next = renderMachinesDoc(current);
  if (process.argv.includes('--write')) {
    writeFileSync(path, next);
    console.log(next === current ? 'docs/machines.md is up to date' : 'docs/machines.md rewritten');
  } else if (next !== current) {
    console.error('docs/machines.md is out of date: run npm run docs:machines');
    process.exitCode = 1;
  }
}
