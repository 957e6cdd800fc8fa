/**
 * actionMachine governs one action from its confirmation to the moment the stream shows it:
 * `confirming` (the dialog names the cluster and object and says what will happen; nothing is
 * sent), `sending` (the request, an actor), `awaitingStream` (the API server accepted it; the
 * view waits for the rows to show the change rather than trusting the answer), then `done`; or
 * `refused` with the API server's status and words. An answer the stream has not borne out
 * within `streamConfirmTimeout` is `unconfirmed`, said as such, and still becomes `done` if
 * the change arrives later. The machine names its effects; the dialog provides `sendAction`.
 */
import { assign, fromPromise, setup } from 'xstate';
import { ActionRefused, sendAction, type ActionAnswer, type ActionRequest } from './actions.js';

export interface ActionContext {
  readonly request: ActionRequest;
  /** The object's row resourceVersion when the action was confirmed (a restart shows only as a new one). */
  readonly before: string | null;
  readonly answer: ActionAnswer | null;
  readonly refusal: { readonly status: number; readonly reason: string } | null;
}

export type ActionEvent = { type: 'ACTION.CONFIRM'; request: ActionRequest; before: string | null } | { type: 'ACTION.CANCEL' } | { type: 'STREAM.ARRIVED' };

export const actionMachine = setup({
  types: {
    context: {} as ActionContext,
    events: {} as ActionEvent,
    input: {} as { request: ActionRequest },
  },
  actors: {
    sendAction: fromPromise<ActionAnswer, { request: ActionRequest }>(({ input, signal }) => sendAction(input.request, signal)),
  },
  delays: {
    // A drain evicts for up to two minutes before it answers; past this after the answer, the
    // stream not showing the change is worth saying.
    streamConfirmTimeout: 30_000,
  },
  actions: {
    // The request as confirmed (a scale's replicas are chosen in the dialog), and the row's version then.
    takeConfirmedRequest: assign(({ context, event }) => (event.type === 'ACTION.CONFIRM' ? { request: event.request, before: event.before } : context)),
  },
}).createMachine({
  id: 'action',
  context: ({ input }) => ({ request: input.request, before: null, answer: null, refusal: null }),
  initial: 'confirming',
  states: {
    confirming: {
      on: {
        'ACTION.CONFIRM': { target: 'sending', actions: 'takeConfirmedRequest' },
        'ACTION.CANCEL': 'cancelled',
      },
    },
    sending: {
      invoke: {
        src: 'sendAction',
        input: ({ context }) => ({ request: context.request }),
        onDone: { target: 'awaitingStream', actions: assign({ answer: ({ event }) => event.output }) },
        onError: {
          target: 'refused',
          actions: assign({
            refusal: ({ event }) => {
              const error = event.error;
              return error instanceof ActionRefused ? { status: error.status, reason: error.reason } : { status: 0, reason: error instanceof Error ? error.message : String(error) };
            },
          }),
        },
      },
    },
    awaitingStream: {
      on: { 'STREAM.ARRIVED': 'done' },
      after: { streamConfirmTimeout: 'unconfirmed' },
    },
    unconfirmed: {
      on: { 'STREAM.ARRIVED': 'done' },
    },
    done: { type: 'final' },
    refused: { type: 'final' },
    cancelled: { type: 'final' },
  },
});
