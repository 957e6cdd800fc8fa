/**
 * Faults the backend can inject into its own client streams, for tests and demos
 * (`POST /_debug/faults`): close every WebSocket, keep them open but silent, or skip the delivery
 * of one frame while still counting its `seq`.
 */
export type StreamFaultName = 'close-streams' | 'stall-streams' | 'drop-next-frame';

export const streamFaultNames: readonly StreamFaultName[] = ['close-streams', 'stall-streams', 'drop-next-frame'];

export interface StreamFaultRequest {
  readonly fault: StreamFaultName;
  /** For close-streams and stall-streams: lift the fault by itself after this long. */
  readonly ms?: number;
}

export function parseFaultRequest(body: unknown): StreamFaultRequest | string {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object';
  const { fault, ms } = body as { fault?: unknown; ms?: unknown };
  if (typeof fault !== 'string' || !(streamFaultNames as readonly string[]).includes(fault)) {
    return `fault must be one of ${streamFaultNames.join(', ')}`;
  }
  if (ms !== undefined && (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > 3_600_000)) {
    return 'ms must be a positive number of milliseconds, at most an hour';
  }
  return ms === undefined ? { fault: fault as StreamFaultName } : { fault: fault as StreamFaultName, ms };
}

/**
 * The current stream faults. `onChange` lets the stream hub act when one is set or lifted; each
 * socket's StreamSocket (server/streamSocket.ts) applies them, so the code that builds frames
 * never checks a fault.
 */
export class StreamFaults {
  /** While set, every socket is closed and new ones refused. */
  closing = false;
  /** While set, nothing is sent on any stream, not even heartbeats. */
  stalled = false;
  /** The next sequenced frame is counted but not delivered. */
  dropNext = false;
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly onChange: (fault: StreamFaultName | 'cleared') => void) {}

  set(request: StreamFaultRequest): void {
    if (request.fault === 'close-streams') this.closing = true;
    if (request.fault === 'stall-streams') this.stalled = true;
    if (request.fault === 'drop-next-frame') this.dropNext = true;
    this.onChange(request.fault);
    if (request.ms !== undefined && request.fault !== 'drop-next-frame') {
      const timer = setTimeout(() => this.lift(request.fault), request.ms);
      timer.unref();
      this.timers.push(timer);
    }
  }

  clear(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    this.closing = false;
    this.stalled = false;
    this.dropNext = false;
    this.onChange('cleared');
  }

  active(): StreamFaultName[] {
    const names: StreamFaultName[] = [];
    if (this.closing) names.push('close-streams');
    if (this.stalled) names.push('stall-streams');
    if (this.dropNext) names.push('drop-next-frame');
    return names;
  }

  private lift(fault: StreamFaultName): void {
    if (fault === 'close-streams') this.closing = false;
    if (fault === 'stall-streams') this.stalled = false;
    this.onChange('cleared');
  }
}
