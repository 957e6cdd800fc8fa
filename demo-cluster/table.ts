/**
 * Server-side printing: the meta.k8s.io/v1 Table a client gets when it asks for `as=Table`, with
 * the columns kubectl shows for each kind, so `kubectl get` prints what it prints on a real
 * cluster. Priority-1 columns are the ones `-o wide` adds. Every served resource has a printer:
 * hand-made (here), from kinds.ts, a CRD's additionalPrinterColumns, or kube-apiserver's default.
 */
import { ageColumn, humanAge, nameColumn, spec, status, type Any, type Column } from './columns.js';
import { evaluate, parseJsonPath, printed, type JsonPath } from './jsonpath.js';
import { extraPrinters } from './kinds.js';
import type { CustomResourceInfo, PrinterColumn, ResourceInfo } from './resources.js';
import { jobStatus, nodeStatus, printPod } from './podPrinter.js';
import type { KubeObject } from './store.js';

function nodeRoles(o: KubeObject): string {
  const roles = Object.keys(o.metadata.labels ?? {})
    .filter((k) => k.startsWith('node-role.kubernetes.io/'))
    .map((k) => k.slice('node-role.kubernetes.io/'.length))
    .sort();
  return roles.length > 0 ? roles.join(',') : '<none>';
}

function address(o: KubeObject, type: string): string {
  return ((status(o).addresses ?? []) as Any[]).find((a) => a.type === type)?.address ?? '<none>';
}

const containersOf = (o: KubeObject): Any[] => (spec(o).template?.spec?.containers ?? []) as Any[];
const containerNames: Column = { name: 'Containers', type: 'string', priority: 1, description: 'Names of each container in the template.', cell: (o) => containersOf(o).map((c) => c.name).join(',') };
const containerImages: Column = { name: 'Images', type: 'string', priority: 1, description: 'Images referenced by each container in the template.', cell: (o) => containersOf(o).map((c) => c.image).join(',') };
const selectorColumn: Column = {
  name: 'Selector',
  type: 'string',
  priority: 1,
  description: 'Label selector for pods.',
  cell: (o) => Object.entries((spec(o).selector?.matchLabels ?? {}) as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(','),
};

/** What `-o wide` adds after the age of any pod-template controller. */
const ageThenTemplate = [ageColumn, containerNames, containerImages, selectorColumn];

const columnsByKind: Record<string, Column[]> = {
  Pod: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'The aggregate readiness state of this pod for accepting traffic.', cell: (o, now) => printPod(o, now).ready },
    { name: 'Status', type: 'string', description: 'The aggregate status of the containers in this pod.', cell: (o, now) => printPod(o, now).status },
    { name: 'Restarts', type: 'string', description: 'The number of times the containers in this pod have been restarted.', cell: (o, now) => printPod(o, now).restarts },
    ageColumn,
    { name: 'IP', type: 'string', priority: 1, description: 'IP address allocated to the pod.', cell: (o) => status(o).podIP ?? '<none>' },
    { name: 'Node', type: 'string', priority: 1, description: 'Name of the Node the Pod is assigned to.', cell: (o) => spec(o).nodeName ?? '<none>' },
    { name: 'Nominated Node', type: 'string', priority: 1, description: 'Node the Pod is nominated to.', cell: (o) => status(o).nominatedNodeName || '<none>' },
    { name: 'Readiness Gates', type: 'string', priority: 1, description: 'Pod readiness gates.', cell: (o, now) => printPod(o, now).readinessGates },
  ],
  Node: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'The status of the node.', cell: nodeStatus },
    { name: 'Roles', type: 'string', description: 'The roles of the node.', cell: nodeRoles },
    ageColumn,
    { name: 'Version', type: 'string', description: 'Kubelet version reported by the node.', cell: (o) => status(o).nodeInfo?.kubeletVersion ?? '' },
    { name: 'Internal-IP', type: 'string', priority: 1, description: 'The node internal IP.', cell: (o) => address(o, 'InternalIP') },
    { name: 'External-IP', type: 'string', priority: 1, description: 'The node external IP.', cell: (o) => address(o, 'ExternalIP') },
    { name: 'OS-Image', type: 'string', priority: 1, description: 'OS image reported by the node.', cell: (o) => status(o).nodeInfo?.osImage ?? '' },
    { name: 'Kernel-Version', type: 'string', priority: 1, description: 'Kernel version reported by the node.', cell: (o) => status(o).nodeInfo?.kernelVersion ?? '' },
    { name: 'Container-Runtime', type: 'string', priority: 1, description: 'Container runtime reported by the node.', cell: (o) => status(o).nodeInfo?.containerRuntimeVersion ?? '' },
  ],
  Namespace: [nameColumn, { name: 'Status', type: 'string', description: 'The status of the namespace.', cell: (o) => status(o).phase ?? '' }, ageColumn],
  Event: [
    { name: 'Last Seen', type: 'string', description: 'Time since the event was last seen.', cell: (o, now) => humanAge(now - Date.parse(String((o as Any).lastTimestamp ?? o.metadata.creationTimestamp))) },
    { name: 'Type', type: 'string', description: 'Type of this event.', cell: (o) => (o as Any).type },
    { name: 'Reason', type: 'string', description: 'Why the event happened.', cell: (o) => (o as Any).reason },
    { name: 'Object', type: 'string', description: 'The object this event is about.', cell: (o) => `${String((o as Any).involvedObject?.kind ?? '').toLowerCase()}/${(o as Any).involvedObject?.name ?? ''}` },
    { name: 'Message', type: 'string', description: 'A human-readable description of the event.', cell: (o) => (o as Any).message },
  ],
  Deployment: [
    nameColumn,
    { name: 'Ready', type: 'string', description: 'Number of ready replicas out of desired.', cell: (o) => `${status(o).readyReplicas ?? 0}/${spec(o).replicas ?? 0}` },
    { name: 'Up-to-date', type: 'integer', description: 'Replicas updated to the desired template.', cell: (o) => status(o).updatedReplicas ?? 0 },
    { name: 'Available', type: 'integer', description: 'Replicas available to users.', cell: (o) => status(o).availableReplicas ?? 0 },
    ...ageThenTemplate,
  ],
  StatefulSet: [nameColumn, { name: 'Ready', type: 'string', description: 'Ready replicas out of desired.', cell: (o) => `${status(o).readyReplicas ?? 0}/${spec(o).replicas ?? 0}` }, ageColumn, containerNames, containerImages],
  DaemonSet: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Nodes that should run the daemon pod.', cell: (o) => status(o).desiredNumberScheduled ?? 0 },
    { name: 'Current', type: 'integer', description: 'Nodes running at least one daemon pod.', cell: (o) => status(o).currentNumberScheduled ?? 0 },
    { name: 'Ready', type: 'integer', description: 'Nodes whose daemon pod is ready.', cell: (o) => status(o).numberReady ?? 0 },
    { name: 'Up-to-date', type: 'integer', description: 'Nodes running the updated daemon pod.', cell: (o) => status(o).updatedNumberScheduled ?? 0 },
    { name: 'Available', type: 'integer', description: 'Nodes whose daemon pod is available.', cell: (o) => status(o).numberAvailable ?? 0 },
    { name: 'Node Selector', type: 'string', description: 'Node selector of the daemon pods.', cell: () => '<none>' },
    ...ageThenTemplate,
  ],
  ReplicaSet: [
    nameColumn,
    { name: 'Desired', type: 'integer', description: 'Desired replicas.', cell: (o) => spec(o).replicas ?? 0 },
    { name: 'Current', type: 'integer', description: 'Current replicas.', cell: (o) => status(o).replicas ?? 0 },
    { name: 'Ready', type: 'integer', description: 'Ready replicas.', cell: (o) => status(o).readyReplicas ?? 0 },
    ...ageThenTemplate,
  ],
  Job: [
    nameColumn,
    { name: 'Status', type: 'string', description: 'Status of the job.', cell: jobStatus },
    { name: 'Completions', type: 'string', description: 'Desired and successful completions.', cell: (o) => `${status(o).succeeded ?? 0}/${spec(o).completions ?? 1}` },
    { name: 'Duration', type: 'string', description: 'Time the job took.', cell: (o, now) => (!status(o).startTime ? '' : humanAge((status(o).completionTime ? Date.parse(status(o).completionTime) : now) - Date.parse(status(o).startTime))) },
    ageColumn,
  ],
  CronJob: [
    nameColumn,
    { name: 'Schedule', type: 'string', description: 'The cron schedule.', cell: (o) => spec(o).schedule },
    { name: 'Timezone', type: 'string', description: 'The time zone of the schedule.', cell: (o) => spec(o).timeZone ?? '<none>' },
    { name: 'Suspend', type: 'string', description: 'Whether the cron job is suspended.', cell: (o) => String(spec(o).suspend ?? false) },
    { name: 'Active', type: 'integer', description: 'Jobs running now.', cell: (o) => ((status(o).active ?? []) as unknown[]).length },
    { name: 'Last Schedule', type: 'string', description: 'When a job was last scheduled.', cell: (o, now) => (status(o).lastScheduleTime ? humanAge(now - Date.parse(status(o).lastScheduleTime)) : '<none>') },
    ageColumn,
  ],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  resourceVersion: string;
  continueToken?: string | undefined;
  remainingItemCount?: number | undefined;
  /** Leave out columnDefinitions: every event of a Table watch after the first (TableOptions.NoHeaders). */
  noHeaders?: boolean;
}

const nameDescription =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const creationDescription =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** kube-apiserver's default table (registry/rest/table.go) for a kind with no printer: Name and the creation time as RFC 3339. */
const defaultColumns: Column[] = [
  { name: 'Name', type: 'string', format: 'name', description: nameDescription, cell: (o) => o.metadata.name ?? '' },
  { name: 'Created At', type: 'date', description: creationDescription, cell: (o) => o.metadata.creationTimestamp ?? '0001-01-01T00:00:00Z' },
];

/** A date as the CRD table convertor shows it (metatable.ConvertToHumanReadableDateType). */
function humanDate(value: unknown, now: number): string | null {
  if (typeof value !== 'string') return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return '<invalid>';
  if (at <= Date.parse('0001-01-02T00:00:00Z')) return '<unknown>';
  return humanAge(now - at);
}

/** One additionalPrinterColumn's cell, typed as apiextensions' cellForJSONValue types it; null when absent. */
function crdCell(column: PrinterColumn, path: JsonPath, o: KubeObject, now: number): unknown {
  const value = evaluate(path, o)[0];
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'string':
      return printed(value);
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      return humanDate(value, now);
  }
}

const crdColumnCache = new WeakMap<CustomResourceInfo, Column[]>();

/**
 * A custom resource's columns as apiextensions' table convertor builds them: Name first, then the
 * version's additionalPrinterColumns, or Age alone when it has none (serveDefaultColumnsIfEmpty).
 */
function customColumns(custom: CustomResourceInfo): Column[] {
  let columns = crdColumnCache.get(custom);
  if (!columns) {
    const printerColumns: PrinterColumn[] = custom.columns.length > 0 ? custom.columns : [{ name: 'Age', type: 'date', format: '', description: creationDescription, priority: 0, jsonPath: '.metadata.creationTimestamp' }];
    columns = [
      defaultColumns[0] as Column,
      ...printerColumns.map((c): Column => {
        const path = parseJsonPath(c.jsonPath);
        return { name: c.name, type: c.type, format: c.format, priority: c.priority, description: c.description, cell: (o, now) => crdCell(c, path, o, now) };
      }),
    ];
    crdColumnCache.set(custom, columns);
  }
  return columns;
}

/** The printer for a served resource: a CRD's columns, a hand-made printer, kinds.ts's, or the default. */
export function columnsFor(info: ResourceInfo): Column[] {
  if (info.custom) return customColumns(info.custom);
  return columnsByKind[info.kind] ?? extraPrinters[info.kind] ?? defaultColumns;
}

function rowObject(o: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/**
 * A cell that cannot fail: a printer that chokes on an odd object prints nothing rather than
 * failing the request. A CRD column keeps its nulls (a path that found nothing), as
 * apiextensions' convertor sends them; hand-made printers print '' for nothing.
 */
function safeCell(column: Column, o: KubeObject, now: number, keepNull: boolean): unknown {
  let value: unknown;
  try {
    value = column.cell(o, now);
  } catch {
    return '';
  }
  // An object without a creation time (a bookmark's) has no age, as kubectl prints it.
  if (typeof value === 'string' && !o.metadata.creationTimestamp && value.includes('NaN')) return '<unknown>';
  if (value === null && keepNull) return null;
  return value ?? '';
}

export function toTable(info: ResourceInfo, objects: Iterable<KubeObject>, options: TableOptions, now = Date.now()): object {
  const columns = columnsFor(info);
  const rows: object[] = [];
  for (const o of objects) {
    const object = rowObject(o, options.includeObject);
    rows.push({ cells: columns.map((c) => safeCell(c, o, now, info.custom !== undefined)), ...(object !== undefined ? { object } : {}) });
  }
  const metadata: Record<string, unknown> = { resourceVersion: options.resourceVersion };
  if (options.continueToken) metadata.continue = options.continueToken;
  if (options.remainingItemCount !== undefined) metadata.remainingItemCount = options.remainingItemCount;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    ...(options.noHeaders ? {} : { columnDefinitions: columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 })) }),
    rows,
  };
}

/**
 * What each event of a Table watch carries, as kube-apiserver's watchEmbeddedEncoder makes it
 * (endpoints/handlers/response.go): every event's object, a BOOKMARK's too, becomes a one-row
 * Table, and only the first event has columnDefinitions (NoHeaders is set after it).
 */
export function tableWatchEncoder(info: ResourceInfo, includeObject: IncludeObject): (object: KubeObject) => object {
  let first = true;
  return (object) => {
    const table = toTable(info, [object], { includeObject, resourceVersion: String(object.metadata.resourceVersion ?? ''), noHeaders: !first });
    first = false;
    return table;
  };
}
