/**
 * Links from one object to the next screens about it: its Describe page, and for a workload or a
 * node its pods as a filtered Pods view. Plain links to a route's hash, so each is a history
 * entry (Back returns), can be opened in a new tab, and is what a copied URL opens.
 */
import type { ReactNode } from 'react';
import { describeRoute, podsOf, routeHash, type Route } from '../lib/route.js';

export function RouteLink({ to, children, testId, title }: { to: Route; children: ReactNode; testId?: string; title?: string }) {
  return (
    <a className="drill-link" href={routeHash(to)} data-testid={testId} title={title}>
      {children}
    </a>
  );
}

/** "Describe" for any object whose kind has a resource domain. */
export function DescribeLink({ from, domain, namespace, name, children = 'Describe' }: { from: Route; domain: string; namespace: string; name: string; children?: ReactNode }) {
  return (
    <RouteLink to={describeRoute(from, domain, namespace, name)} testId="drill-describe" title={`Describe ${name}: summary, conditions, events and related objects`}>
      {children}
    </RouteLink>
  );
}

/** "Pods" of a workload (`Deployment/web`) or of a node, as a filtered Pods view. */
export function PodsLink({ by, children = 'Pods' }: { by: { owner: string; namespace: string } | { node: string }; children?: ReactNode }) {
  const what = 'node' in by ? `on node ${by.node}` : `of ${by.owner}`;
  return (
    <RouteLink to={podsOf(by)} testId="drill-pods" title={`The pods ${what}`}>
      {children}
    </RouteLink>
  );
}
