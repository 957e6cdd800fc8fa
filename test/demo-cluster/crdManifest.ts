/**
 * CustomResourceDefinition manifests for tests: one served version per entry, with a schema that
 * keeps any field, as a user's `crd.yaml` would be.
 */
export interface CrdVersion {
  name: string;
  storage: boolean;
  served?: boolean;
  columns?: { name: string; type: string; jsonPath: string; priority?: number }[];
  /** Give the version a status subresource. */
  status?: boolean;
}

export interface CrdSpec {
  group: string;
  plural: string;
  kind: string;
  scope?: 'Namespaced' | 'Cluster';
  shortNames?: string[];
  categories?: string[];
  versions?: CrdVersion[];
}

export function crdManifest(c: CrdSpec): { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, any> } {
  const versions = c.versions ?? [{ name: 'v1', storage: true }];
  // A copy: tests change manifests to make them invalid, and the shared columns must not change.
  return structuredClone({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${c.plural}.${c.group}` },
    spec: {
      group: c.group,
      scope: c.scope ?? 'Namespaced',
      names: { plural: c.plural, kind: c.kind, ...(c.shortNames ? { shortNames: c.shortNames } : {}), ...(c.categories ? { categories: c.categories } : {}) },
      versions: versions.map((v) => ({
        name: v.name,
        served: v.served ?? true,
        storage: v.storage,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        ...(v.columns ? { additionalPrinterColumns: v.columns } : {}),
        ...(v.status ? { subresources: { status: {} } } : {}),
      })),
    },
  });
}

/** Printer columns most test CRDs share: a count and a condition's status, read by a filter. */
export const replicasAndReady = [
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
];
