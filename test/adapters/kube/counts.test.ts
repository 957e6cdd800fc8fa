import { countFromPage } from '../../../adapters/kube/counts.js';

describe('counting from a limit=1 list', () => {
  test('the first item plus what remains; the whole list when there is no more; unknown when the server does not say', () => {
    expect(countFromPage({ items: [{}], metadata: { continue: 'c', remainingItemCount: 41 } })).toEqual({ count: 42, reason: null });
    expect(countFromPage({ items: [{}], metadata: {} })).toEqual({ count: 1, reason: null });
    expect(countFromPage({ items: [], metadata: { resourceVersion: '3' } })).toEqual({ count: 0, reason: null });
    expect(countFromPage({ items: [{}], metadata: { continue: 'c' } })).toEqual({ count: null, reason: expect.stringMatching(/did not say/) });
  });
});
