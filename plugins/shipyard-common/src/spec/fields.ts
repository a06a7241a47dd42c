import { z } from 'zod';
import type {
  FieldStrategy,
  KubernetesObject,
  PromotableField,
  ServiceSpec,
  SpecChange,
  Workspace,
} from '../types';
import { diffByKey, diffKeysInOrder, diffWhole } from '../diff/diffHelpers';
import {
  checked,
  envValue,
  integer,
  labelValueChecked,
  mapKey,
  portName,
  portNumber,
  probe,
  RESERVED_ANNOTATION_KEYS,
  RESERVED_LABEL_KEYS,
  resourceList,
} from './fieldSchemas';
import { imageReferenceError } from './imageReference';
import { envNameError } from './kubernetesNames';
import { SPEC_LIMITS } from './limits';

/** The name of a spec field (DESIGN §4 and §11). @public */
export type SpecFieldName = keyof ServiceSpec;

type Value<K extends SpecFieldName> = NonNullable<ServiceSpec[K]>;

/**
 * How the planner promotes a field that is taken whole from the source or
 * the target: its default rule, and the reason a plan shows for it.
 * @public
 */
export interface FieldPromotion<K extends SpecFieldName = SpecFieldName> {
  rule: FieldStrategy;
  /** Why the default rule is what it is, e.g. `prod sizes itself`. */
  reason: (target: Workspace) => string;
  /** A checklist item when a first promotion copies the field from the source. */
  review?: (value: Value<K>, source: Workspace, target: Workspace) => string;
}

/** How the planner promotes a map field (env, labels, annotations): key by key, by its own rules. @public */
export interface MapPromotion {
  map: true;
}

/** The objects a version renders as they are being built, for the field renderers. @public */
export interface RenderContext {
  /** The Kubernetes name of the service's objects and of its container. */
  name: string;
  workspace: Workspace;
  spec: ServiceSpec;
  /** The service's own container. */
  container: Record<string, unknown>;
  /** Every container of the pod, the service's own first. */
  containers: Array<Record<string, unknown>>;
  /** Pod spec fields beside `securityContext` and `containers`. */
  pod: Record<string, unknown>;
  /** Deployment spec fields beside the ones Shipyard always sets. */
  deployment: Record<string, unknown>;
  /** The spec's labels and annotations, put under Shipyard's own on every object. */
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Adds an object of the service's name after the Deployment; metadata is filled in at the end. */
  addObject(
    apiVersion: string,
    kind: string,
    body: Record<string, unknown>,
  ): void;
}

/** The objects of a service as found in the cluster (or as rendered), for the drift readers. @public */
export interface ObjectsView {
  object(kind: string): KubernetesObject | undefined;
  /** The Deployment's pod spec. */
  pod(): Record<string, unknown> | undefined;
  /** The service's own container in the Deployment's pod template. */
  container(): Record<string, unknown> | undefined;
}

/**
 * Everything Shipyard knows about one spec field: its schema, YAML order,
 * diff, default promotion rule and reason, rendering and drift reading.
 * @public
 */
export interface SpecField<K extends SpecFieldName = SpecFieldName> {
  /** The field's schema; every field but `image` is optional in a spec. */
  schema: z.ZodType<Value<K>>;
  /** The value with its keys in stable YAML order. */
  order: (value: Value<K>) => unknown;
  /** The field's changes between two specs, paths under `path` (the field name). */
  diff: (
    path: string,
    before: ServiceSpec[K] | undefined,
    after: ServiceSpec[K] | undefined,
  ) => SpecChange[];
  promotion: K extends PromotableField ? FieldPromotion<K> : MapPromotion;
  /** Writes the field into the objects being rendered. */
  render: (value: Value<K>, context: RenderContext) => void;
  /**
   * The part of the objects the field renders to, read from rendered or
   * live objects alike; drift is where the live part lacks what was
   * rendered. `null` for a field whose live state is not compared.
   */
  drift: ((objects: ObjectsView) => unknown) | null;
}

/** One entry per spec field; a field without one does not compile. @public */
export type SpecFieldRegistry = {
  readonly [K in SpecFieldName]-?: SpecField<K>;
};

// ---- YAML order helpers -------------------------------------------------

/** A copy with the keys of `order` first, then any other sorted; undefined dropped. */
export function orderKeys(
  value: object,
  order: readonly string[],
  mapValue: (nested: unknown) => unknown = nested => nested,
): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of order) {
    if (source[key] !== undefined) {
      result[key] = mapValue(source[key]);
    }
  }
  for (const key of Object.keys(source).sort()) {
    if (!Object.hasOwn(result, key) && source[key] !== undefined) {
      result[key] = mapValue(source[key]);
    }
  }
  return result;
}

/** A copy of a map with its keys sorted. */
export function sortedMap<T, U>(
  map: Record<string, T>,
  mapValue: (value: T) => U,
): Record<string, U> {
  const result: Record<string, U> = {};
  for (const key of Object.keys(map).sort()) {
    result[key] = mapValue(map[key]);
  }
  return result;
}

const asIs = <T>(value: T): unknown => value;

// ---- render helpers -----------------------------------------------------

function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

/** Drops undefined members, so rendered objects hold only what is set. */
export function compact<T extends Record<string, unknown>>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) {
      result[key] = member;
    }
  }
  return result as T;
}

// ---- the fields ----------------------------------------------------------

const PROBE_ORDER = [
  'httpGet',
  'tcpSocket',
  'grpc',
  'exec',
  'initialDelaySeconds',
  'periodSeconds',
  'timeoutSeconds',
  'successThreshold',
  'failureThreshold',
];
const HANDLER_ORDER = ['path', 'port', 'scheme', 'service', 'command'];
const PORT_ORDER = ['name', 'port', 'targetPort', 'protocol'];
const REFERENCE_ORDER = ['name', 'key', 'optional'];
const RESOURCE_NAMES = ['cpu', 'memory', 'ephemeral-storage'];
const AUTOSCALING_ORDER = [
  'minReplicas',
  'maxReplicas',
  'targetCPUUtilizationPercentage',
  'targetMemoryUtilizationPercentage',
];

const ARTIFACT = () => 'the artifact being promoted';
const PROBES = () => 'probes travel with the code';
// Named after the real target: promoting into staging, staging sizes itself.
const SIZING = (target: Workspace) => `${target.name} sizes itself`;

function probeField<
  K extends 'readinessProbe' | 'livenessProbe' | 'startupProbe',
>(field: K): SpecField<K> {
  return {
    schema: probe,
    order: value =>
      orderKeys(value, PROBE_ORDER, nested =>
        typeof nested === 'object' && nested !== null
          ? orderKeys(nested, HANDLER_ORDER)
          : nested,
      ),
    diff: diffWhole,
    promotion: {
      rule: 'source',
      reason: PROBES,
    } as unknown as SpecField<K>['promotion'],
    render: (value, context) => {
      context.container[field] = copyJson(value);
    },
    drift: objects => objects.container()?.[field],
  };
}

function stringList<K extends 'command' | 'args'>(field: K): SpecField<K> {
  return {
    schema: z.array(z.string()),
    order: asIs,
    diff: diffWhole,
    promotion: {
      rule: 'source',
      reason: ARTIFACT,
    } as unknown as SpecField<K>['promotion'],
    render: (value, context) => {
      context.container[field] = [...value];
    },
    drift: objects => objects.container()?.[field],
  };
}

function metadataMap<K extends 'labels' | 'annotations'>(
  field: K,
  schema: z.ZodType<Record<string, string>>,
): SpecField<K> {
  return {
    schema,
    order: value => sortedMap(value, v => v),
    diff: diffByKey,
    promotion: { map: true } as unknown as SpecField<K>['promotion'],
    render: (value, context) => {
      Object.assign(context[field], value);
    },
    // Others (the API server, operators) add labels and annotations freely.
    drift: null,
  };
}

/**
 * The spec fields, in YAML order (DESIGN §4, then §11). Schema, YAML,
 * diff, planner, renderer and drift detection all read this.
 * @public
 */
export const SPEC_FIELDS: SpecFieldRegistry = {
  image: {
    schema: checked(value =>
      // The size limit reports a longer one; parsing it would only add noise.
      value.length > SPEC_LIMITS.imageLength
        ? undefined
        : imageReferenceError(value),
    ),
    order: asIs,
    diff: diffWhole,
    promotion: { rule: 'source', reason: ARTIFACT },
    render: (value, context) => {
      context.container.image = value;
    },
    drift: objects => objects.container()?.image,
  },
  command: stringList('command'),
  args: stringList('args'),
  ports: {
    schema: z.array(
      z.strictObject({
        name: portName.optional(),
        port: portNumber,
        targetPort: portNumber.optional(),
        protocol: z.enum(['TCP', 'UDP', 'SCTP']).optional(),
      }),
    ),
    order: value => value.map(port => orderKeys(port, PORT_ORDER)),
    diff: diffWhole,
    promotion: { rule: 'source', reason: ARTIFACT },
    render: (ports, context) => {
      if (!ports.length) {
        return;
      }
      context.container.ports = ports.map(port =>
        compact({
          name: port.name,
          containerPort: port.targetPort ?? port.port,
          protocol: port.protocol ?? 'TCP',
        }),
      );
      context.addObject('v1', 'Service', {
        type: 'ClusterIP',
        selector: { ...selectorOf(context.name) },
        ports: ports.map(port =>
          compact({
            name: port.name,
            port: port.port,
            targetPort: port.name ?? port.targetPort ?? port.port,
            protocol: port.protocol ?? 'TCP',
          }),
        ),
      });
    },
    drift: objects => {
      const container = objects.container()?.ports;
      const service = (objects.object('Service')?.spec as any)?.ports;
      return container === undefined && service === undefined
        ? undefined
        : compact({ container, service });
    },
  },
  env: {
    schema: z.record(checked(envNameError), envValue),
    order: value =>
      sortedMap(value, entry =>
        typeof entry === 'string'
          ? entry
          : Object.fromEntries(
              Object.entries(entry).map(([kind, reference]) => [
                kind,
                orderKeys(reference, REFERENCE_ORDER),
              ]),
            ),
      ),
    diff: diffByKey,
    promotion: { map: true },
    render: (env, context) => {
      if (!Object.keys(env).length) {
        return;
      }
      context.container.env = Object.keys(env)
        .sort()
        .map(name => {
          const value = env[name];
          return typeof value === 'string'
            ? { name, value }
            : { name, valueFrom: copyJson(value) };
        });
    },
    drift: objects => objects.container()?.env,
  },
  resources: {
    schema: z.strictObject({
      requests: resourceList.optional(),
      limits: resourceList.optional(),
    }),
    order: value =>
      orderKeys(value, ['requests', 'limits'], list =>
        orderKeys(list as object, RESOURCE_NAMES),
      ),
    diff: (path, before, after) =>
      (['requests', 'limits'] as const).flatMap(group =>
        diffKeysInOrder(RESOURCE_NAMES)(
          `${path}.${group}`,
          before?.[group],
          after?.[group],
        ),
      ),
    promotion: {
      rule: 'target',
      reason: SIZING,
      review: (_, source, target) =>
        `Resources were copied from ${source.name}: check requests and limits for ${target.name}`,
    },
    render: (value, context) => {
      context.container.resources = copyJson(value);
    },
    drift: objects => objects.container()?.resources,
  },
  replicas: {
    schema: integer(0, 1000),
    order: asIs,
    diff: diffWhole,
    promotion: {
      rule: 'target',
      reason: SIZING,
      review: (value, source, target) =>
        `Scaling was copied from ${source.name} (replicas: ${value}): size it for ${target.name}`,
    },
    render: (value, context) => {
      if (!context.spec.autoscaling) {
        context.deployment.replicas = value;
      }
    },
    drift: objects => (objects.object('Deployment')?.spec as any)?.replicas,
  },
  autoscaling: {
    schema: z.strictObject({
      minReplicas: integer(1, 1000),
      maxReplicas: integer(1, 1000),
      targetCPUUtilizationPercentage: integer(1, 100).optional(),
      targetMemoryUtilizationPercentage: integer(1, 100).optional(),
    }),
    order: value => orderKeys(value, AUTOSCALING_ORDER),
    diff: diffKeysInOrder(AUTOSCALING_ORDER),
    promotion: {
      rule: 'target',
      reason: SIZING,
      review: (value, source, target) =>
        `Scaling was copied from ${source.name} (autoscaling ${value.minReplicas}..${value.maxReplicas}): size it for ${target.name}`,
    },
    render: (value, context) => {
      const metrics = (
        [
          ['cpu', value.targetCPUUtilizationPercentage],
          ['memory', value.targetMemoryUtilizationPercentage],
        ] as const
      ).flatMap(([resource, averageUtilization]) =>
        averageUtilization === undefined
          ? []
          : [
              {
                type: 'Resource',
                resource: {
                  name: resource,
                  target: { type: 'Utilization', averageUtilization },
                },
              },
            ],
      );
      context.addObject(
        'autoscaling/v2',
        'HorizontalPodAutoscaler',
        compact({
          scaleTargetRef: {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: context.name,
          },
          minReplicas: value.minReplicas,
          maxReplicas: value.maxReplicas,
          metrics: metrics.length ? metrics : undefined,
        }),
      );
    },
    drift: objects => {
      const spec = objects.object('HorizontalPodAutoscaler')?.spec as any;
      return spec
        ? compact({
            minReplicas: spec.minReplicas,
            maxReplicas: spec.maxReplicas,
            metrics: spec.metrics,
          })
        : undefined;
    },
  },
  readinessProbe: probeField('readinessProbe'),
  livenessProbe: probeField('livenessProbe'),
  startupProbe: probeField('startupProbe'),
  labels: metadataMap(
    'labels',
    z.record(mapKey(RESERVED_LABEL_KEYS), labelValueChecked),
  ),
  annotations: metadataMap(
    'annotations',
    z.record(mapKey(RESERVED_ANNOTATION_KEYS), z.string()),
  ),
};

/** The spec field names in YAML order. @public */
export const SPEC_FIELD_NAMES: readonly SpecFieldName[] = Object.keys(
  SPEC_FIELDS,
) as SpecFieldName[];

/** The selector of the service's pods; the same across versions, as Kubernetes requires. */
export function selectorOf(name: string): Record<string, string> {
  return {
    'backstage.io/kubernetes-id': name,
    'app.kubernetes.io/name': name,
  };
}

/**
 * A view of a service's objects by kind, for the registry's drift readers.
 * `objects` maps a kind to the object of the service's name, if any.
 * @public
 */
export function objectsView(
  objects: (kind: string) => KubernetesObject | undefined,
): ObjectsView {
  const pod = () =>
    (objects('Deployment')?.spec as any)?.template?.spec as
      | Record<string, unknown>
      | undefined;
  return {
    object: objects,
    pod,
    container: () => {
      const name = objects('Deployment')?.metadata.name;
      const containers = pod()?.containers;
      return Array.isArray(containers)
        ? containers.find(each => each?.name === name)
        : undefined;
    },
  };
}

/** Calls `visit` with each field's entry, typed by its name, in YAML order. */
export function forEachField(
  visit: <K extends SpecFieldName>(name: K, entry: SpecField<K>) => void,
): void {
  for (const name of SPEC_FIELD_NAMES) {
    visit(name, SPEC_FIELDS[name] as SpecField<typeof name>);
  }
}
