/** The namespace scope of a view: '' is all namespaces. Options come from the `namespaces` domain. */
import { useMemo } from 'react';
import type { NamespaceRow } from '../../adapters/rows.js';
import { useDomain } from '../hooks/useDomain.js';
import { useRows } from '../hooks/useStore.js';

export function NamespaceSelect({ value, onChange, compact = false }: { value: string; onChange: (namespace: string) => void; compact?: boolean }) {
  const { key } = useDomain('namespaces', '');
  const rows = useRows<NamespaceRow>(key);
  const names = useMemo(() => rows.map((r) => r.name).sort(), [rows]);
  // A namespace chosen before the list arrived (a deep link) stays selectable.
  const options = value !== '' && !names.includes(value) ? [value, ...names] : names;
  return (
    <label className={compact ? 'field compact' : 'field'}>
      <span className={compact ? 'visually-hidden' : undefined}>Namespace</span>
      <select value={value} onChange={(e) => onChange(e.target.value)} data-testid={compact ? 'sidebar-namespace' : 'namespace-select'}>
        <option value="">{compact ? 'all' : 'All namespaces'}</option>
        {options.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}

export function FilterBox({ value, onChange, placeholder }: { value: string; onChange: (text: string) => void; placeholder: string }) {
  return (
    <label className="field grow">
      <span>Filter</span>
      <input type="search" value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} data-testid="filter" />
    </label>
  );
}
