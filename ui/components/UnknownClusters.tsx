/**
 * Said instead of a view when the address names a cluster the backend does not know: an empty
 * list would read as "no pods there". Offers the clusters it does know.
 */
import type { ClusterSummary } from '../../adapters/protocol.js';
import { chooseClusters } from '../hooks/clusters.js';

export function UnknownClusters({ names, known }: { names: readonly string[]; known: readonly ClusterSummary[] }) {
  return (
    <section className="view" aria-label="Unknown cluster">
      <div className="problems" role="alert" data-testid="unknown-cluster" data-clusters={names.join(',')}>
        <div className="problem problem-error">
          {names.length === 1 ? 'No cluster' : 'No clusters'} named {names.map((n) => `“${n}”`).join(', ')} in the backend’s kubeconfig, so there is nothing to show for {names.length === 1 ? 'it' : 'them'}.
        </div>
      </div>
      {known.length > 0 ? (
        <p>
          Clusters it knows:{' '}
          {known.map((c, i) => (
            <span key={c.name}>
              {i > 0 ? ', ' : ''}
              <button type="button" className="linkish mono" onClick={() => chooseClusters([c.name])} data-testid={`unknown-pick-${c.name}`}>
                {c.name}
              </button>
            </span>
          ))}
        </p>
      ) : null}
    </section>
  );
}
