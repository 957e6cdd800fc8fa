/**
 * Test helpers that talk to a demo cluster the way any client would: HTTPS with the cluster's
 * CA and bearer token, watch streams read line by line, and kubectl through the kubeconfig.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { DemoCluster } from '../../demo-cluster/index.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: <T = any>() => T;
}

export interface CallOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Default: the cluster's token; null sends none. */
  token?: string | null;
}

export function call(cluster: Pick<DemoCluster, 'url' | 'caPem' | 'token'>, path: string, options: CallOptions = {}): Promise<Reply> {
  const token = options.token === undefined ? cluster.token : options.token;
  const headers: Record<string, string> = { Accept: 'application/json', ...(options.headers ?? {}) };
  if (token !== null) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.url}${path}`, { method: options.method ?? 'GET', ca: cluster.caPem, headers, timeout: 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`request to ${path} timed out`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface WatchEvent {
  type: string;
  object: any;
}

export interface OpenWatch {
  status: number;
  events: WatchEvent[];
  /** When each event arrived (`performance.now()`), index for index with `events`. */
  arrivals: number[];
  ended: Promise<void>;
  isEnded(): boolean;
  /** Resolves with the first event (from the start of the stream) that satisfies `match`. */
  waitFor(match: (e: WatchEvent) => boolean, timeoutMs?: number): Promise<WatchEvent>;
  close(): void;
}

export function watch(cluster: Pick<DemoCluster, 'url' | 'caPem' | 'token'>, path: string, accept = 'application/json'): Promise<OpenWatch> {
  return new Promise((resolve, reject) => {
    const req = request(`${cluster.url}${path}`, { ca: cluster.caPem, headers: { Authorization: `Bearer ${cluster.token}`, Accept: accept } }, (res) => {
      const events: WatchEvent[] = [];
      const arrivals: number[] = [];
      const waiters = new Set<() => void>();
      let buffer = '';
      let ended = false;
      let endResolve: () => void = () => undefined;
      const endedPromise = new Promise<void>((r) => (endResolve = r));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let newline: number;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          if (line.trim()) {
            events.push(JSON.parse(line) as WatchEvent);
            arrivals.push(performance.now());
          }
        }
        for (const w of [...waiters]) w();
      });
      const finish = (): void => {
        ended = true;
        endResolve();
        for (const w of [...waiters]) w();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);
      resolve({
        status: res.statusCode ?? 0,
        events,
        arrivals,
        ended: endedPromise,
        isEnded: () => ended,
        close: () => req.destroy(),
        waitFor(match, timeoutMs = 20_000) {
          return new Promise((ok, fail) => {
            const check = (): void => {
              const found = events.find(match);
              if (found) {
                cleanup();
                ok(found);
              } else if (ended) {
                cleanup();
                fail(new Error(`watch ${path} ended before the awaited event; saw ${events.map((e) => e.type).join(',')}`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(new Error(`timed out waiting for a watch event on ${path}; saw ${events.length} events`));
            }, timeoutMs);
            const cleanup = (): void => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Polls `condition` until it returns a truthy value; no timing assertions, just a generous limit. */
export async function waitUntil<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<Exclude<T, undefined | null | false | 0 | ''>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as Exclude<T, undefined | null | false | 0 | ''>;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// --- kubectl ---------------------------------------------------------------------------------

const kubectlCandidates = [process.env.KUBECTL, '/usr/bin/kubectl', '/usr/local/bin/kubectl'].filter((p): p is string => !!p);
export const kubectlPath: string | undefined = kubectlCandidates.find((p) => existsSync(p));

/** The versioned kubectl binaries (kubectl.1.27 ...) installed beside the real one, oldest first. */
export function versionedKubectls(): string[] {
  if (!kubectlPath) return [];
  const dir = dirname(realpathSync(kubectlPath));
  return readdirSync(dir)
    .filter((f) => /^kubectl\.1\.\d+$/.test(f))
    .sort((a, b) => Number(a.split('.')[2]) - Number(b.split('.')[2]))
    .map((f) => join(dir, f));
}

/** kubectl missing: say so; in CI that is a failure, elsewhere the kubectl tests are skipped. */
export function requireKubectlInCi(): void {
  if (kubectlPath) return;
  const message = `kubectl not found (looked at ${kubectlCandidates.join(', ')}); the kubectl tests cannot run`;
  if (process.env.CI === 'true') throw new Error(message);
  console.warn(`${message}: skipping them outside CI`);
}

export interface KubectlResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function kubectl(kubeconfig: string, args: string[], timeoutMs = 60_000, binary = kubectlPath ?? 'kubectl'): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(binary, ['--kubeconfig', kubeconfig, ...args], { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** Starts a long-running kubectl (watch, logs -f) and collects its output until killed. */
export function kubectlStream(kubeconfig: string, args: string[]): { child: ChildProcess; output: () => string; stop: () => Promise<void> } {
  const child = spawn(kubectlPath ?? 'kubectl', ['--kubeconfig', kubeconfig, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => (out += d));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  return {
    child,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
