/**
 * FetchControl stands in for the network behind a fetch actor: each call waits until the test
 * settles it, or settles at once in `auto` mode. It records every call with its input and
 * whether it was aborted, so tests can see what the machine asked for.
 */
import { fromPromise } from 'xstate';

export interface FetchCall<I> {
  input: I;
  aborted: boolean;
  settled: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

export class FetchControl<I, R> {
  readonly calls: FetchCall<I>[] = [];
  auto: { value: R } | { error: unknown } | null = null;

  constructor(auto?: { value: R } | { error: unknown }) {
    this.auto = auto ?? null;
  }

  readonly logic = fromPromise<R, I>(({ input, signal }) => {
    return new Promise<R>((resolve, reject) => {
      const call: FetchCall<I> = {
        input,
        aborted: false,
        settled: false,
        resolve: (v) => {
          if (call.settled) return;
          call.settled = true;
          resolve(v as R);
        },
        reject: (e) => {
          if (call.settled) return;
          call.settled = true;
          reject(e);
        },
      };
      signal.addEventListener('abort', () => {
        call.aborted = true;
      });
      this.calls.push(call);
      if (this.auto && 'value' in this.auto) call.resolve(this.auto.value);
      else if (this.auto) call.reject(this.auto.error);
    });
  });

  /** The newest call that is still waiting. */
  get open(): FetchCall<I> | undefined {
    for (let i = this.calls.length - 1; i >= 0; i--) {
      const call = this.calls[i];
      if (call && !call.settled && !call.aborted) return call;
    }
    return undefined;
  }
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}
