import { z } from 'zod';
import type {
  DisruptionBudget,
  EnvFromSource,
  EnvValue,
  ExtraContainer,
  FieldStrategy,
  KubernetesObject,
  Mount,
  PromotableField,
  Resources,
  ServicePort,
  ServiceSpec,
  SpecChange,
  Workspace,
} from '../types';
import { diffByKey, diffKeysInOrder, diffWhole } from '../diff/diffHelpers';
import {
  checked,
  containerName,
  countOrPercent,
  envValue,
  exactlyOne,
  objectName,
  qualifiedNameChecked,
  quantity,
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
import { envReference } from './envReference';
import { dns1123SubdomainError, envNameError } from './kubernetesNames';
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
  /**
   * Put on the checklist when a promotion keeps the target's value although
   * the source has another (the service account, GPUs): what the target
   * runs was decided there, maybe long ago.
   */
  listRetained?: boolean;
  /** A checklist item when a first promotion copies the field from the source. */
  review?: (value: Value<K>, source: Workspace, target: Workspace) => string;
  /**
   * Parts of the value that belong to the environment although the field
   * travels with the code, e.g. a port's host: each kept from the target's
   * part of the same `key`, or asked for when the target has none.
   */
  ownedParts?: (value: Value<K>) => OwnedPart[];
}

/** A part of a field's value that belongs to the environment (see {@link FieldPromotion.ownedParts}). @public */
export interface OwnedPart {
  /** The part's path in the spec, e.g. `ports[0].expose.host`. */
  path: string;
  /** What matches it to the target's part, e.g. the port's name. */
  key: string;
  value: unknown;
  /** What the plan says about it, e.g. `the host belongs to prod`. */
  reason: (target: Workspace) => string;
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
  /** The pod's init containers, in order. */
  initContainers: Array<Record<string, unknown>>;
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
  /** The Secrets, ConfigMaps and PersistentVolumeClaims the field reads, which must exist in the namespace. */
  references?: (value: Value<K>, path: string) => SpecReference[];
}

/** An object of the namespace that a spec reads (a key of it, when `key` is set). @public */
export interface SpecReference {
  kind: 'Secret' | 'ConfigMap' | 'PersistentVolumeClaim';
  name: string;
  key?: string;
  /** The spec path that reads it, e.g. `env.DB_PASSWORD` or `mounts[1].secret`. */
  path: string;
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

const imageSchema = checked(value =>
  // The size limit reports a longer one; parsing it would only add noise.
  value.length > SPEC_LIMITS.imageLength
    ? undefined
    : imageReferenceError(value),
);

const environmentOwned = (what: string) => (target: Workspace) =>
  `${what} belongs to the environment: ${target.name} keeps its own`;
const travelsWithCode = (what: string) => () => `${what} travel with the code`;

const protocolSchema = z.enum(['TCP', 'UDP', 'SCTP']);

const exposeSchema = z.strictObject({
  host: checked(host => {
    const bare = host.startsWith('*.') ? host.slice(2) : host;
    const error = dns1123SubdomainError(bare);
    return error ? `must be a host name: ${error}` : undefined;
  }),
  path: z.string().startsWith('/', 'must start with "/"').optional(),
  tls: z.boolean().optional(),
});

const mountSources = [
  'secret',
  'configMap',
  'persistentVolumeClaim',
  'emptyDir',
] as const;

const mountSchema = z
  .strictObject({
    path: z.string().startsWith('/', 'must be an absolute path'),
    secret: objectName.optional(),
    configMap: objectName.optional(),
    persistentVolumeClaim: objectName.optional(),
    emptyDir: z
      .strictObject({
        sizeLimit: quantity.optional(),
        medium: z.enum(['Memory']).optional(),
      })
      .optional(),
    readOnly: z.boolean().optional(),
  })
  .refine(exactlyOne<Mount>(mountSources), {
    message: `must have exactly one of ${mountSources.join(', ')}`,
  });

const envFromSchema = z
  .strictObject({
    secret: objectName.optional(),
    configMap: objectName.optional(),
    prefix: checked(prefix =>
      /^[A-Za-z_][A-Za-z0-9_]*$/.test(prefix)
        ? undefined
        : 'must start an env var name: letters, digits and "_", not starting with a digit',
    ).optional(),
    optional: z.boolean().optional(),
  })
  .refine(exactlyOne<EnvFromSource>(['secret', 'configMap']), {
    message: 'must have exactly one of secret, configMap',
  });

const extraContainerSchema = z.strictObject({
  name: containerName,
  image: imageSchema,
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.record(checked(envNameError), envValue).optional(),
  ports: z
    .array(
      z.strictObject({
        name: portName.optional(),
        port: portNumber,
        protocol: protocolSchema.optional(),
      }),
    )
    .optional(),
  resources: z
    .strictObject({
      requests: resourceList.optional(),
      limits: resourceList.optional(),
    })
    .optional(),
  readinessProbe: probe.optional(),
  livenessProbe: probe.optional(),
  startupProbe: probe.optional(),
});

const EXTRA_CONTAINER_ORDER = [
  'name',
  'image',
  'command',
  'args',
  'env',
  'ports',
  'resources',
  'readinessProbe',
  'livenessProbe',
  'startupProbe',
];

function orderProbe(value: unknown) {
  return orderKeys(value as object, PROBE_ORDER, nested =>
    typeof nested === 'object' && nested !== null
      ? orderKeys(nested, HANDLER_ORDER)
      : nested,
  );
}

function orderEnv(value: Record<string, EnvValue>) {
  return sortedMap(value, entry =>
    typeof entry === 'string'
      ? entry
      : Object.fromEntries(
          Object.entries(entry).map(([kind, reference]) => [
            kind,
            orderKeys(reference, REFERENCE_ORDER),
          ]),
        ),
  );
}

function orderResources(value: Resources) {
  return orderKeys(value, ['requests', 'limits'], list =>
    orderKeys(list as object, RESOURCE_NAMES),
  );
}

/** The keys an env map reads; optional ones may be missing. */
function envReferences(
  env: Record<string, EnvValue> | undefined,
  path: string,
): SpecReference[] {
  return Object.entries(env ?? {}).flatMap(([name, value]) => {
    const reference = envReference(value);
    return reference && !reference.optional
      ? [
          {
            kind: reference.kind,
            name: reference.name,
            key: reference.key,
            path: `${path}.${name}`,
          },
        ]
      : [];
  });
}

function renderEnv(env: Record<string, EnvValue>) {
  return Object.keys(env)
    .sort()
    .map(name => {
      const value = env[name];
      return typeof value === 'string'
        ? { name, value }
        : { name, valueFrom: copyJson(value) };
    });
}

/** A sidecar or init container as Kubernetes takes it. */
function renderExtraContainer(
  container: ExtraContainer,
): Record<string, unknown> {
  return compact({
    name: container.name,
    image: container.image,
    command: container.command ? [...container.command] : undefined,
    args: container.args ? [...container.args] : undefined,
    ports: container.ports?.length
      ? container.ports.map(port =>
          compact({
            name: port.name,
            containerPort: port.port,
            protocol: port.protocol ?? 'TCP',
          }),
        )
      : undefined,
    env:
      container.env && Object.keys(container.env).length
        ? renderEnv(container.env)
        : undefined,
    resources: container.resources ? copyJson(container.resources) : undefined,
    readinessProbe: container.readinessProbe
      ? copyJson(container.readinessProbe)
      : undefined,
    livenessProbe: container.livenessProbe
      ? copyJson(container.livenessProbe)
      : undefined,
    startupProbe: container.startupProbe
      ? copyJson(container.startupProbe)
      : undefined,
  });
}

function extraContainers<K extends 'sidecars' | 'initContainers'>(
  field: K,
  what: string,
): SpecField<K> {
  return {
    schema: z.array(extraContainerSchema),
    order: value =>
      value.map(container =>
        orderKeys(container, EXTRA_CONTAINER_ORDER, nested => nested),
      ),
    diff: diffWhole,
    promotion: {
      rule: 'source',
      reason: travelsWithCode(what),
    } as unknown as SpecField<K>['promotion'],
    render: (value, context) => {
      const rendered = value.map(renderExtraContainer);
      if (field === 'sidecars') {
        context.containers.push(...rendered);
      } else {
        context.initContainers.push(...rendered);
      }
    },
    drift:
      field === 'sidecars'
        ? objects => {
            const main = objects.container();
            const containers = objects.pod()?.containers;
            return Array.isArray(containers)
              ? containers.filter(each => each !== main)
              : undefined;
          }
        : objects => objects.pod()?.initContainers,
    references: (value, path) =>
      value.flatMap((container, index) =>
        envReferences(container.env, `${path}[${index}].env`),
      ),
  };
}

/** A pod spec field rendered as given (a copy), environment-owned or not. */
function podField<K extends SpecFieldName>(
  field: K,
  promotion: FieldPromotion<K>,
  schema: z.ZodType<Value<K>>,
  render: (value: Value<K>) => unknown = copyJson,
  order: (value: Value<K>) => unknown = asIs,
): SpecField<K> {
  return {
    schema,
    order,
    diff: diffWhole,
    promotion: promotion as unknown as SpecField<K>['promotion'],
    render: (value, context) => {
      context.pod[field] = render(value);
    },
    drift: objects => objects.pod()?.[field],
  };
}

/** The Ingress rules or HTTPRoute of the exposed ports, or nothing when none is exposed. */
function renderExpose(ports: ServicePort[], context: RenderContext): void {
  const exposed = ports.filter(port => port.expose);
  if (!exposed.length) {
    return;
  }
  const backendPort = (port: ServicePort) =>
    port.name ? { name: port.name } : { number: port.port };
  const gateway = context.workspace.expose?.gateway;
  if (gateway) {
    context.addObject('gateway.networking.k8s.io/v1', 'HTTPRoute', {
      parentRefs: [
        compact({ name: gateway.name, namespace: gateway.namespace }),
      ],
      hostnames: [...new Set(exposed.map(port => port.expose!.host))],
      rules: exposed.map(port => ({
        matches: [
          {
            path: { type: 'PathPrefix', value: port.expose!.path ?? '/' },
          },
        ],
        backendRefs: [{ name: context.name, port: port.port }],
      })),
    });
    return;
  }
  const hosts = [...new Set(exposed.map(port => port.expose!.host))];
  const tlsHosts = hosts.filter(host =>
    exposed.some(port => port.expose!.host === host && port.expose!.tls),
  );
  context.addObject(
    'networking.k8s.io/v1',
    'Ingress',
    compact({
      ingressClassName: context.workspace.expose?.ingressClassName,
      tls: tlsHosts.length
        ? [{ hosts: tlsHosts, secretName: `${context.name}-tls` }]
        : undefined,
      rules: hosts.map(host => ({
        host,
        http: {
          paths: exposed
            .filter(port => port.expose!.host === host)
            .map(port => ({
              path: port.expose!.path ?? '/',
              pathType: 'Prefix',
              backend: {
                service: { name: context.name, port: backendPort(port) },
              },
            })),
        },
      })),
    }),
  );
}

function probeField<
  K extends 'readinessProbe' | 'livenessProbe' | 'startupProbe',
>(field: K): SpecField<K> {
  return {
    schema: probe,
    order: orderProbe,
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
    schema: imageSchema,
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
        protocol: protocolSchema.optional(),
        expose: exposeSchema.optional(),
      }),
    ),
    order: value =>
      value.map(port =>
        orderKeys(port, PORT_ORDER, nested =>
          typeof nested === 'object' && nested !== null
            ? orderKeys(nested, ['host', 'path', 'tls'])
            : nested,
        ),
      ),
    diff: diffWhole,
    promotion: {
      rule: 'source',
      reason: ARTIFACT,
      ownedParts: ports =>
        ports.flatMap((port, index) =>
          port.expose
            ? [
                {
                  path: `ports[${index}].expose.host`,
                  key: port.name ?? String(port.port),
                  value: port.expose.host,
                  reason: (target: Workspace) =>
                    `the host belongs to ${target.name}`,
                },
              ]
            : [],
        ),
    },
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
      renderExpose(ports, context);
    },
    drift: objects => {
      const container = objects.container()?.ports;
      const service = (objects.object('Service')?.spec as any)?.ports;
      const ingress = (objects.object('Ingress')?.spec as any)?.rules;
      const route = objects.object('HTTPRoute')?.spec as any;
      return container === undefined && service === undefined
        ? undefined
        : compact({
            container,
            service,
            ingress,
            route: route
              ? { hostnames: route.hostnames, rules: route.rules }
              : undefined,
          });
    },
  },
  env: {
    schema: z.record(checked(envNameError), envValue),
    order: orderEnv,
    diff: diffByKey,
    promotion: { map: true },
    render: (env, context) => {
      if (!Object.keys(env).length) {
        return;
      }
      context.container.env = renderEnv(env);
    },
    drift: objects => objects.container()?.env,
    references: envReferences,
  },
  envFrom: {
    schema: z.array(envFromSchema),
    order: value =>
      value.map(source =>
        orderKeys(source, ['secret', 'configMap', 'prefix', 'optional']),
      ),
    diff: diffWhole,
    promotion: {
      rule: 'source',
      reason: travelsWithCode('the Secrets and ConfigMaps a service reads'),
    },
    render: (value, context) => {
      context.container.envFrom = value.map(source =>
        compact({
          prefix: source.prefix,
          [source.secret ? 'secretRef' : 'configMapRef']: compact({
            name: source.secret ?? source.configMap,
            optional: source.optional,
          }),
        }),
      );
    },
    drift: objects => objects.container()?.envFrom,
    references: (value, path) =>
      value.flatMap((source, index) =>
        source.optional
          ? []
          : [
              source.secret
                ? {
                    kind: 'Secret' as const,
                    name: source.secret,
                    path: `${path}[${index}].secret`,
                  }
                : {
                    kind: 'ConfigMap' as const,
                    name: source.configMap!,
                    path: `${path}[${index}].configMap`,
                  },
            ],
      ),
  },
  mounts: {
    schema: z.array(mountSchema),
    order: value =>
      value.map(mount =>
        orderKeys(mount, ['path', ...mountSources, 'readOnly']),
      ),
    diff: diffWhole,
    promotion: { rule: 'source', reason: travelsWithCode('mount paths') },
    render: (value, context) => {
      const volumes = value.map((mount, index) => {
        const name = `mount-${index}`;
        if (mount.secret) {
          return { name, secret: { secretName: mount.secret } };
        }
        if (mount.configMap) {
          return { name, configMap: { name: mount.configMap } };
        }
        if (mount.persistentVolumeClaim) {
          return compact({
            name,
            persistentVolumeClaim: compact({
              claimName: mount.persistentVolumeClaim,
              readOnly: mount.readOnly,
            }),
          });
        }
        return { name, emptyDir: copyJson(mount.emptyDir) };
      });
      context.container.volumeMounts = value.map((mount, index) =>
        compact({
          name: volumes[index].name,
          mountPath: mount.path,
          // Secret and ConfigMap volumes are read-only whatever the mount says.
          readOnly: mount.secret || mount.configMap ? true : mount.readOnly,
        }),
      );
      context.pod.volumes = volumes;
    },
    drift: objects => {
      const volumeMounts = objects.container()?.volumeMounts;
      const volumes = objects.pod()?.volumes;
      return volumeMounts === undefined && volumes === undefined
        ? undefined
        : compact({ volumeMounts, volumes });
    },
    references: (value, path) =>
      value.flatMap((mount, index): SpecReference[] => {
        const at = `${path}[${index}]`;
        if (mount.secret) {
          return [{ kind: 'Secret', name: mount.secret, path: `${at}.secret` }];
        }
        if (mount.configMap) {
          return [
            {
              kind: 'ConfigMap',
              name: mount.configMap,
              path: `${at}.configMap`,
            },
          ];
        }
        if (mount.persistentVolumeClaim) {
          return [
            {
              kind: 'PersistentVolumeClaim',
              name: mount.persistentVolumeClaim,
              path: `${at}.persistentVolumeClaim`,
            },
          ];
        }
        return [];
      }),
  },
  resources: {
    schema: z.strictObject({
      requests: resourceList.optional(),
      limits: resourceList.optional(),
    }),
    order: orderResources,
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
      listRetained: true,
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
  strategy: {
    schema: z.strictObject({
      type: z.enum(['RollingUpdate', 'Recreate']),
      maxSurge: countOrPercent.optional(),
      maxUnavailable: countOrPercent.optional(),
    }),
    order: value => orderKeys(value, ['type', 'maxSurge', 'maxUnavailable']),
    diff: diffWhole,
    promotion: { rule: 'source', reason: travelsWithCode('rollout settings') },
    render: (value, context) => {
      context.deployment.strategy =
        value.type === 'Recreate'
          ? { type: 'Recreate' }
          : compact({
              type: 'RollingUpdate',
              rollingUpdate:
                value.maxSurge === undefined &&
                value.maxUnavailable === undefined
                  ? undefined
                  : compact({
                      maxSurge: value.maxSurge,
                      maxUnavailable: value.maxUnavailable,
                    }),
            });
    },
    drift: objects => (objects.object('Deployment')?.spec as any)?.strategy,
  },
  readinessProbe: probeField('readinessProbe'),
  livenessProbe: probeField('livenessProbe'),
  startupProbe: probeField('startupProbe'),
  preStop: {
    schema: z.array(z.string()).min(1, 'must not be empty'),
    order: asIs,
    diff: diffWhole,
    promotion: { rule: 'source', reason: travelsWithCode('shutdown hooks') },
    render: (value, context) => {
      context.container.lifecycle = {
        preStop: { exec: { command: [...value] } },
      };
    },
    drift: objects => (objects.container()?.lifecycle as any)?.preStop,
  },
  terminationGracePeriodSeconds: podField(
    'terminationGracePeriodSeconds',
    { rule: 'source', reason: travelsWithCode('shutdown settings') },
    integer(0, 2147483647),
  ),
  sidecars: extraContainers('sidecars', 'sidecar images'),
  initContainers: extraContainers('initContainers', 'init container images'),
  serviceAccountName: podField(
    'serviceAccountName',
    {
      rule: 'target',
      reason: environmentOwned('the service account'),
      listRetained: true,
    },
    objectName,
  ),
  imagePullSecrets: {
    ...podField(
      'imagePullSecrets',
      {
        rule: 'target',
        reason: environmentOwned('the image pull secrets'),
        listRetained: true,
      },
      z.array(objectName),
      value => value.map(name => ({ name })),
    ),
    references: (value, path) =>
      value.map((name, index) => ({
        kind: 'Secret',
        name,
        path: `${path}[${index}]`,
      })),
  },
  nodeSelector: podField(
    'nodeSelector',
    {
      rule: 'target',
      reason: environmentOwned('placement'),
      listRetained: true,
    },
    z.record(qualifiedNameChecked, labelValueChecked),
    value => ({ ...value }),
    value => sortedMap(value, v => v),
  ),
  tolerations: podField(
    'tolerations',
    {
      rule: 'target',
      reason: environmentOwned('placement'),
      listRetained: true,
    },
    z.array(
      z.strictObject({
        key: qualifiedNameChecked.optional(),
        operator: z.enum(['Exists', 'Equal']).optional(),
        value: labelValueChecked.optional(),
        effect: z
          .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
          .optional(),
        tolerationSeconds: integer(0, 2147483647).optional(),
      }),
    ),
    copyJson,
    value =>
      value.map(toleration =>
        orderKeys(toleration, [
          'key',
          'operator',
          'value',
          'effect',
          'tolerationSeconds',
        ]),
      ),
  ),
  disruptionBudget: {
    schema: z
      .strictObject({
        minAvailable: countOrPercent.optional(),
        maxUnavailable: countOrPercent.optional(),
      })
      .refine(
        exactlyOne<DisruptionBudget>(['minAvailable', 'maxUnavailable']),
        {
          message: 'must have exactly one of minAvailable, maxUnavailable',
        },
      ),
    order: value => orderKeys(value, ['minAvailable', 'maxUnavailable']),
    diff: diffWhole,
    promotion: {
      rule: 'target',
      reason: environmentOwned('the disruption budget'),
      listRetained: true,
    },
    render: (value, context) => {
      context.addObject(
        'policy/v1',
        'PodDisruptionBudget',
        compact({
          selector: { matchLabels: selectorOf(context.name) },
          minAvailable: value.minAvailable,
          maxUnavailable: value.maxUnavailable,
        }),
      );
    },
    drift: objects => {
      const spec = objects.object('PodDisruptionBudget')?.spec as any;
      return spec
        ? compact({
            minAvailable: spec.minAvailable,
            maxUnavailable: spec.maxUnavailable,
          })
        : undefined;
    },
  },
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

/** Every Secret, ConfigMap and PersistentVolumeClaim a spec reads (optional references left out), in field order. @public */
export function specReferences(spec: Partial<ServiceSpec>): SpecReference[] {
  const references: SpecReference[] = [];
  forEachField((name, entry) => {
    const value = spec[name];
    if (value !== undefined && entry.references) {
      references.push(...entry.references(value, name));
    }
  });
  return references;
}

/** Calls `visit` with each field's entry, typed by its name, in YAML order. */
export function forEachField(
  visit: <K extends SpecFieldName>(name: K, entry: SpecField<K>) => void,
): void {
  for (const name of SPEC_FIELD_NAMES) {
    visit(name, SPEC_FIELDS[name] as SpecField<typeof name>);
  }
}
