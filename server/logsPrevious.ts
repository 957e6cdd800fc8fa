/**
 * `GET /api/v1/logs/previous?namespace=&pod=&container=&tailLines=`: the log of a container's
 * previous run, the first thing one reads for a crash loop. One read of the API server's
 * `/log?previous=true` (nothing is followed or kept: a finished run does not change), bounded in
 * lines, bytes (`maxPreviousLogBytes`) and time (the client's read deadline). A container that has
 * no previous run is a 400 in the API server's words.
 */
import { KubeApiError, KubeTimeoutError, type KubeClient } from '../adapters/kube/client.js';
import { fetchPreviousLog, maxPreviousTailLines } from '../adapters/kube/logs.js';
import type { LogLineRow } from '../adapters/rows.js';
import { scopeProblem } from '../machines/domains.js';

/** What the dashboard shows when asked without a tail: as many lines as the kubelet usually keeps of a run. */
export const defaultPreviousTailLines = 1000;

export interface PreviousLogBody {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly tailLines: number;
  readonly lines: readonly LogLineRow[];
}

/** A refusal with the HTTP status and code the backend answers it with. */
export class PreviousLogError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PreviousLogError';
  }
}

export async function readPreviousLog(client: KubeClient, params: URLSearchParams): Promise<PreviousLogBody> {
  const namespace = params.get('namespace') ?? '';
  const pod = params.get('pod') ?? '';
  const container = params.get('container') ?? '';
  // The same names a pod-logs scope accepts, checked by the same rule.
  const problem = scopeProblem('pod-logs', container ? `${namespace}/${pod}/${container}` : `${namespace}/${pod}`);
  if (namespace === '' || pod === '') throw new PreviousLogError(400, 'bad-request', 'name the pod: namespace=&pod=[&container=]');
  if (problem !== null) throw new PreviousLogError(400, 'bad-request', problem);
  const tailLines = parseTailLines(params.get('tailLines'));
  try {
    const lines = await fetchPreviousLog(client, container ? { namespace, pod, container } : { namespace, pod }, tailLines);
    return { namespace, pod, container: lines[0]?.container ?? container, tailLines, lines };
  } catch (error) {
    throw refusalOf(error);
  }
}

function parseTailLines(text: string | null): number {
  if (text === null || text === '') return defaultPreviousTailLines;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > maxPreviousTailLines) {
    throw new PreviousLogError(400, 'bad-request', `tailLines must be a whole number from 1 to ${maxPreviousTailLines}`);
  }
  return value;
}

/** The API server's own words, without our request line in front of them. */
function serverWords(error: KubeApiError): string {
  const prefix = `${error.method} ${error.path}: ${error.status ?? ''} `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

function refusalOf(error: unknown): Error {
  if (error instanceof KubeTimeoutError) return new PreviousLogError(504, 'upstream-timeout', error.message);
  if (!(error instanceof KubeApiError)) return error instanceof Error ? error : new Error(String(error));
  const words = serverWords(error);
  if (error.status === 400) {
    // The kubelet's "previous terminated container ... not found": the container never restarted.
    const code = /previous terminated container/.test(words) ? 'no-previous-run' : 'bad-request';
    return new PreviousLogError(400, code, words);
  }
  if (error.status === 403) return new PreviousLogError(403, 'forbidden', words);
  if (error.status === 404) return new PreviousLogError(404, 'not-found', words);
  if (error.status !== undefined && error.status >= 400 && error.status < 500) return new PreviousLogError(error.status, 'upstream-error', words);
  // Too large to hold, or the API server failed: ours to report as a bad gateway.
  return new PreviousLogError(502, 'upstream-error', error.message);
}
