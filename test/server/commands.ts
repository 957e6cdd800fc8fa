/**
 * The built `kubelive` command run as a user runs it, in a child process: its stdout in lines as
 * they come, its stderr, and how it ended. Shared by the headless command suites.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname ?? new URL('.', import.meta.url).pathname, '..', '..');
const bin = join(root, 'bin', 'kubelive');
const built = join(root, 'dist', 'server', 'headless.js');

export interface Command {
  readonly child: ChildProcess;
  /** Complete lines printed so far. */
  readonly lines: string[];
  stderr(): string;
  /** The exit code (null when a signal ended it). */
  readonly exited: Promise<number | null>;
  readonly ended: Promise<{ code: number | null; signal: string | null }>;
}

/** Refuses to run against a stale tree: the command runs from `dist/`, which `npm ci` builds. */
export function requireBuiltCommand(): void {
  if (!existsSync(built)) throw new Error(`${built} is missing: run 'npm run build' (npm ci runs it through prepare) first`);
}

/** Starts `kubelive ...args`, recording the child in `children` so the suite can kill what is left. */
export function launchCommand(args: readonly string[], children: ChildProcess[]): Command {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const lines: string[] = [];
  let err = '';
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    partial += d;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, lines, stderr: () => err, exited: ended.then((e) => e.code), ended };
}

/** Kills what a suite's commands left running. */
export function killLeftovers(children: readonly ChildProcess[]): void {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
