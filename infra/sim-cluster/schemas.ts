/**
 * A small OpenAPI v3 description of the objects the simulated API accepts. It drives both the
 * `/openapi/v3` documents kubectl reads and the server-side unknown-field check
 * (`fieldValidation=Strict|Warn|Ignore`). Parts not described in detail preserve unknown fields.
 */

export interface Schema {
  type?: string;
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  allOf?: Schema[];
  $ref?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-group-version-kind'?: { group: string; kind: string; version: string }[];
  [key: string]: unknown;
}

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer', format: 'int64' };
const int32: Schema = { type: 'integer', format: 'int32' };
const bool: Schema = { type: 'boolean' };
const free: Schema = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
const strMap: Schema = { type: 'object', additionalProperties: str };
const quantityMap: Schema = { type: 'object', additionalProperties: free };
const ref = (name: string): Schema => ({ allOf: [{ $ref: `#/components/schemas/${name}` }] });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const obj = (properties: Record<string, Schema>, extra: Partial<Schema> = {}): Schema => ({
  type: 'object',
  properties,
  ...extra,
});
const names = (list: string, schema: Schema): Record<string, Schema> =>
  Object.fromEntries(list.split(' ').map((n) => [n, schema]));
const gvk = (group: string, kind: string) => ({
  'x-kubernetes-group-version-kind': [{ group, kind, version: 'v1' }],
});
const envelope = (kind: string, group: string, spec: Schema, status: Schema): Schema =>
  obj(
    { apiVersion: str, kind: str, metadata: ref(META), spec, status },
    { ...gvk(group, kind), description: `${kind} (simulated by Switchyard).` },
  );

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
export const JOB = 'io.k8s.api.batch.v1.Job';
export const NAMESPACE = 'io.k8s.api.core.v1.Namespace';
export const NODE = 'io.k8s.api.core.v1.Node';
export const POD = 'io.k8s.api.core.v1.Pod';
const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';
const CONTAINER = 'io.k8s.api.core.v1.Container';

export const SCHEMAS: Record<string, Schema> = {
  [META]: obj({
    ...names('name generateName namespace uid resourceVersion selfLink', str),
    ...names('creationTimestamp deletionTimestamp', { type: 'string', format: 'date-time' }),
    ...names('generation deletionGracePeriodSeconds', int),
    labels: strMap,
    annotations: strMap,
    finalizers: arr(str),
    ownerReferences: arr(free),
    managedFields: arr(free),
  }),
  [JOB]: envelope(
    'Job',
    'batch',
    ref('io.k8s.api.batch.v1.JobSpec'),
    ref('io.k8s.api.batch.v1.JobStatus'),
  ),
  'io.k8s.api.batch.v1.JobSpec': obj(
    {
      template: ref('io.k8s.api.core.v1.PodTemplateSpec'),
      ...names('activeDeadlineSeconds ttlSecondsAfterFinished', int),
      ...names('backoffLimit backoffLimitPerIndex completions maxFailedIndexes parallelism', int32),
      ...names('completionMode managedBy podReplacementPolicy', str),
      ...names('manualSelector suspend', bool),
      ...names('podFailurePolicy selector successPolicy', free),
    },
    { required: ['template'] },
  ),
  'io.k8s.api.batch.v1.JobStatus': free,
  'io.k8s.api.core.v1.PodTemplateSpec': obj({ metadata: ref(META), spec: ref(POD_SPEC) }),
  [POD_SPEC]: obj(
    {
      containers: arr(ref(CONTAINER)),
      initContainers: arr(ref(CONTAINER)),
      nodeSelector: strMap,
      tolerations: arr(obj(names('key operator value effect', str), {})),
      ...names(
        'dnsPolicy hostname nodeName preemptionPolicy priorityClassName restartPolicy runtimeClassName schedulerName serviceAccount serviceAccountName subdomain',
        str,
      ),
      ...names(
        'automountServiceAccountToken enableServiceLinks hostIPC hostNetwork hostPID hostUsers setHostnameAsFQDN shareProcessNamespace',
        bool,
      ),
      ...names('activeDeadlineSeconds terminationGracePeriodSeconds', int),
      priority: int32,
      ...names('affinity dnsConfig os overhead resources securityContext', free),
      ...names(
        'ephemeralContainers hostAliases imagePullSecrets readinessGates resourceClaims schedulingGates topologySpreadConstraints volumes',
        arr(free),
      ),
    },
    { required: ['containers'] },
  ),
  [CONTAINER]: obj(
    {
      ...names(
        'name image imagePullPolicy restartPolicy terminationMessagePath terminationMessagePolicy workingDir',
        str,
      ),
      ...names('args command', arr(str)),
      env: arr(obj({ name: str, value: str, valueFrom: free }, { required: ['name'] })),
      resources: obj({ limits: quantityMap, requests: quantityMap, claims: arr(free) }),
      ...names('stdin stdinOnce tty', bool),
      ...names('lifecycle livenessProbe readinessProbe securityContext startupProbe', free),
      ...names('envFrom ports resizePolicy volumeDevices volumeMounts', arr(free)),
    },
    { required: ['name'] },
  ),
  [NAMESPACE]: envelope('Namespace', '', obj({ finalizers: arr(str) }), free),
  [NODE]: envelope('Node', '', free, free),
  [POD]: envelope('Pod', '', ref(POD_SPEC), free),
};

/** Names of the schemas `roots` reference, transitively (including the roots). */
export function reachable(roots: string[]): string[] {
  const seen = new Set<string>();
  const visit = (schema: unknown): void => {
    if (!schema || typeof schema !== 'object') return;
    const ref = (schema as Schema).$ref;
    if (typeof ref === 'string') add(ref.replace('#/components/schemas/', ''));
    Object.values(schema).forEach(visit);
  };
  const add = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    visit(SCHEMAS[name]);
  };
  roots.forEach(add);
  return [...seen].sort();
}

function resolve(schema: Schema): Schema {
  const target = schema.allOf?.[0]?.$ref ?? schema.$ref;
  return target ? (SCHEMAS[target.replace('#/components/schemas/', '')] ?? free) : schema;
}

/**
 * Removes fields the schema does not know from `value` (as a real server's decoder drops them)
 * and returns their paths, e.g. `spec.template.spec.containers[0].foo`.
 */
export function pruneUnknown(schemaName: string, value: unknown): string[] {
  const unknown: string[] = [];
  const walk = (raw: Schema, v: unknown, path: string): void => {
    const schema = resolve(raw);
    if (schema['x-kubernetes-preserve-unknown-fields'] || v === null || typeof v !== 'object')
      return;
    if (Array.isArray(v)) {
      if (schema.items) v.forEach((item, i) => walk(schema.items as Schema, item, `${path}[${i}]`));
      return;
    }
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      const child = schema.properties?.[key] ?? schema.additionalProperties;
      const childPath = path ? `${path}.${key}` : key;
      if (child) walk(child, record[key], childPath);
      else if (schema.properties) {
        unknown.push(childPath);
        delete record[key];
      }
    }
  };
  walk(SCHEMAS[schemaName] ?? free, value, '');
  return unknown;
}
