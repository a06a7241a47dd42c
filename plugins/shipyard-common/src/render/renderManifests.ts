import { InputError } from '@backstage/errors';
import { sha256Hex } from '../spec/canonical';
import { dns1123LabelError } from '../spec/kubernetesNames';
import type {
  EnvValue,
  KubernetesObject,
  ServiceSpec,
  Workspace,
} from '../types';
import { securityContextsFor } from './securityContext';

/** A kind of object Shipyard renders, with what is needed to list and prune it. @public */
export interface ManagedKind {
  apiVersion: string;
  kind: string;
  /** The resource name in API paths, e.g. `deployments`. */
  plural: string;
}

/** The kinds Shipyard renders and prunes: Deployment, Service, HorizontalPodAutoscaler. @public */
export const MANAGED_KINDS: readonly ManagedKind[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
  },
];

const DEFAULT_PROGRESS_DEADLINE_SECONDS = 120;

/** The value of the `app.kubernetes.io/managed-by` label on every rendered object. @public */
export const SHIPYARD_MANAGED_BY = 'shipyard';

/** The label that carries {@link entityRefLabelValue} on every rendered object. @public */
export const ENTITY_REF_HASH_LABEL = 'shipyard/entity-ref-hash';

/**
 * The entity ref as a label value (a ref has `:` and `/`, which label values
 * cannot hold): the first 40 hex digits of its SHA-256. Prune selects on it,
 * so Shipyard never deletes another entity's objects.
 * @public
 */
export function entityRefLabelValue(entityRef: string): string {
  return sha256Hex(entityRef).slice(0, 40);
}

/** What {@link renderManifests} renders from. @public */
export interface RenderManifestsInput {
  /** Entity ref of the service, recorded in the `shipyard/entity-ref` annotation. */
  entityRef: string;
  /** The Kubernetes name of the service's objects. */
  name: string;
  workspace: Workspace;
  version: number;
  spec: ServiceSpec;
}

/**
 * Renders a version to its Kubernetes objects: a Deployment, a Service when
 * ports exist, an HPA when autoscaling is set. Pods get the restricted
 * security contexts ({@link DEFAULT_POD_SECURITY_CONTEXT},
 * {@link DEFAULT_CONTAINER_SECURITY_CONTEXT}) unless the workspace's
 * `securityContext` replaces them; a spec cannot.
 * @public
 */
export function renderManifests(
  input: RenderManifestsInput,
): KubernetesObject[] {
  const { entityRef, name, workspace, version, spec } = input;
  const nameError = dns1123LabelError(name);
  if (nameError) {
    throw new InputError(`Invalid service name "${name}": ${nameError}`);
  }
  const selector = {
    'backstage.io/kubernetes-id': name,
    'app.kubernetes.io/name': name,
  };
  const labels = {
    ...spec.labels,
    ...selector,
    'app.kubernetes.io/managed-by': SHIPYARD_MANAGED_BY,
    'shipyard/version': String(version),
    'shipyard/workspace': workspace.name,
    [ENTITY_REF_HASH_LABEL]: entityRefLabelValue(entityRef),
  };
  const annotations = { ...spec.annotations, 'shipyard/entity-ref': entityRef };
  const metadata = () => ({
    name,
    namespace: workspace.namespace,
    labels: { ...labels },
    annotations: { ...annotations },
  });
  const ports = spec.ports ?? [];
  const securityContexts = securityContextsFor(workspace);

  const container: Record<string, unknown> = { name, image: spec.image };
  if (spec.command) {
    container.command = [...spec.command];
  }
  if (spec.args) {
    container.args = [...spec.args];
  }
  if (ports.length) {
    container.ports = ports.map(port =>
      compact({
        name: port.name,
        containerPort: port.targetPort ?? port.port,
        protocol: port.protocol ?? 'TCP',
      }),
    );
  }
  if (spec.env && Object.keys(spec.env).length) {
    container.env = Object.keys(spec.env)
      .sort()
      .map(key => envVar(key, spec.env![key]));
  }
  if (spec.resources) {
    container.resources = copyJson(spec.resources);
  }
  for (const field of [
    'readinessProbe',
    'livenessProbe',
    'startupProbe',
  ] as const) {
    if (spec[field]) {
      container[field] = copyJson(spec[field]!);
    }
  }
  if (securityContexts.container) {
    container.securityContext = securityContexts.container;
  }

  const deployment: KubernetesObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(),
    spec: compact({
      replicas: spec.autoscaling ? undefined : spec.replicas,
      revisionHistoryLimit: 3,
      progressDeadlineSeconds:
        workspace.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS,
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: { labels: { ...labels }, annotations: { ...annotations } },
        spec: compact({
          securityContext: securityContexts.pod,
          containers: [container],
        }),
      },
    }),
  };
  const objects = [deployment];

  if (ports.length) {
    objects.push({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: metadata(),
      spec: {
        type: 'ClusterIP',
        selector: { ...selector },
        ports: ports.map(port =>
          compact({
            name: port.name,
            port: port.port,
            targetPort: port.name ?? port.targetPort ?? port.port,
            protocol: port.protocol ?? 'TCP',
          }),
        ),
      },
    });
  }

  if (spec.autoscaling) {
    const { minReplicas, maxReplicas } = spec.autoscaling;
    const metrics = [
      ['cpu', spec.autoscaling.targetCPUUtilizationPercentage],
      ['memory', spec.autoscaling.targetMemoryUtilizationPercentage],
    ].flatMap(([resource, averageUtilization]) =>
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
    objects.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: metadata(),
      spec: compact({
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas,
        maxReplicas,
        metrics: metrics.length ? metrics : undefined,
      }),
    });
  }
  return objects;
}

function envVar(name: string, value: EnvValue) {
  if (typeof value === 'string') {
    return { name, value };
  }
  return { name, valueFrom: copyJson(value) };
}

function compact<T extends Record<string, unknown>>(value: T): T {
  const result: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(value)) {
    if (member !== undefined) {
      result[key] = member;
    }
  }
  return result as T;
}

function copyJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}
