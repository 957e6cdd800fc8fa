import fc from 'fast-check';
import {
  builtinDomainNames,
  domainSpec,
  isDomain,
  parseResourceDomain,
  resourceDomain,
  scopeProblem,
  type ResourceDomain,
} from '../../machines/domains.js';
import { isRowDomain, isStreamDomain } from '../../adapters/rows.js';

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,10}[a-z0-9])?$/);
const group = fc.oneof(fc.constant(''), fc.array(label, { minLength: 1, maxLength: 3 }).map((parts) => parts.join('.')));
const version = fc.stringMatching(/^v[1-9][0-9]?((alpha|beta)[1-9])?$/);

describe('resource domains', () => {
  it('read back the group, version and resource they were made from', () => {
    fc.assert(
      fc.property(group, version, label, (g, v, r) => {
        fc.pre(g !== 'core'); // `core` is how the core group ('') is written
        const domain = resourceDomain({ group: g, version: v, resource: r });
        expect(parseResourceDomain(domain)).toEqual({ group: g, version: v, resource: r });
        expect(isDomain(domain)).toBe(true);
        expect(isStreamDomain(domain)).toBe(true);
      }),
    );
  });

  it('write the core group as core', () => {
    expect(resourceDomain({ group: '', version: 'v1', resource: 'configmaps' })).toBe('core/v1/configmaps');
    expect(parseResourceDomain('core/v1/configmaps')).toEqual({ group: '', version: 'v1', resource: 'configmaps' });
  });

  it.each([
    'configmaps',
    'core/configmaps',
    'core/v1/configmaps/x',
    'core/1/configmaps',
    'core/v1/ConfigMaps',
    'Example.com/v1/widgets',
    'example..com/v1/widgets',
    'core/v1/pods/log',
    '../v1/pods',
    'core/v1/',
    `${'a'.repeat(254)}/v1/x`,
  ])('refuse %j', (text) => {
    expect(parseResourceDomain(text)).toBeNull();
    expect(isDomain(text)).toBe(builtinDomainNames.includes(text as never));
  });

  it('are scoped like namespaces until discovery says otherwise, and stream', () => {
    const domain: ResourceDomain = 'example.com/v1/widgets';
    expect(domainSpec(domain)).toEqual({ scope: 'namespace', retrieval: 'stream' });
    expect(scopeProblem(domain, '')).toBeNull();
    expect(scopeProblem(domain, 'team-a')).toBeNull();
    expect(scopeProblem(domain, 'Team A')).not.toBeNull();
  });

  it('leave discovery polled, not streamed', () => {
    expect(domainSpec('api-resources').retrieval).toBe('snapshot');
    expect(isStreamDomain('api-resources')).toBe(false);
    expect(isRowDomain('api-resources')).toBe(true);
    expect(isStreamDomain('helm-releases')).toBe(true);
    expect(isStreamDomain('pod-metrics')).toBe(false);
  });
});
