import { InputError } from '@backstage/errors';
import { sha256Hex } from '../spec/canonical';
import { dns1123LabelError } from '../spec/kubernetesNames';
import {
  compact,
  forEachField,
  selectorOf,
  type RenderContext,
} from '../spec/fields';
import type { KubernetesObject, ServiceSpec, Workspace } from '../types';
import { securityContextsFor } from './securityContext';

/** A kind of object Shipyard renders, with what is needed to list and prune it. @public */
export interface ManagedKind {
  apiVersion: string;
  kind: string;
  /** The resource name in API paths, e.g. `deployments`. */
  plural: string;
  /** A kind a cluster may not serve (a CRD such as HTTPRoute); absent, nothing of it exists. */
  optional?: boolean;
}

/** The kinds Shipyard renders and prunes, in render order: Deployment, Service, Ingress or HTTPRoute, HorizontalPodAutoscaler, PodDisruptionBudget. @public */
export const MANAGED_KINDS: readonly ManagedKind[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', plural: 'deployments' },
  { apiVersion: 'v1', kind: 'Service', plural: 'services' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', plural: 'ingresses' },
  {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    plural: 'httproutes',
    optional: true,
  },
  {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
  },
  {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
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
  const selector = selectorOf(name);
  const container: Record<string, unknown> = { name };
  const added: Array<{
    apiVersion: string;
    kind: string;
    body: Record<string, unknown>;
  }> = [];
  const context: RenderContext = {
    name,
    workspace,
    spec,
    container,
    containers: [container],
    initContainers: [],
    pod: {},
    deployment: {},
    labels: {},
    annotations: {},
    addObject: (apiVersion, kind, body) => {
      added.push({ apiVersion, kind, body });
    },
  };
  forEachField((field, entry) => {
    const value = spec[field];
    if (value !== undefined) {
      entry.render(value, context);
    }
  });

  const labels = {
    ...context.labels,
    ...selector,
    'app.kubernetes.io/managed-by': SHIPYARD_MANAGED_BY,
    'shipyard/version': String(version),
    'shipyard/workspace': workspace.name,
    [ENTITY_REF_HASH_LABEL]: entityRefLabelValue(entityRef),
  };
  const annotations = {
    ...context.annotations,
    'shipyard/entity-ref': entityRef,
  };
  const metadata = () => ({
    name,
    namespace: workspace.namespace,
    labels: { ...labels },
    annotations: { ...annotations },
  });
  const securityContexts = securityContextsFor(workspace);
  const names = new Set<string>();
  for (const each of [...context.containers, ...context.initContainers]) {
    const containerName = each.name as string;
    if (names.has(containerName)) {
      throw new InputError(
        `Invalid spec: sidecars and initContainers: container name "${containerName}" is used twice${
          containerName === name
            ? ` (the service's own container is named ${name})`
            : ''
        }`,
      );
    }
    names.add(containerName);
    if (securityContexts.container) {
      each.securityContext = securityContexts.container;
    }
  }
  const { replicas, ...deploymentFields } = context.deployment;
  const deployment: KubernetesObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(),
    spec: compact({
      replicas,
      revisionHistoryLimit: 3,
      progressDeadlineSeconds:
        workspace.progressDeadlineSeconds ?? DEFAULT_PROGRESS_DEADLINE_SECONDS,
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: { labels: { ...labels }, annotations: { ...annotations } },
        spec: compact({
          securityContext: securityContexts.pod,
          containers: context.containers,
          initContainers: context.initContainers.length
            ? context.initContainers
            : undefined,
          ...context.pod,
        }),
      },
      ...deploymentFields,
    }),
  };
  return [
    deployment,
    ...added.map(({ apiVersion, kind, body }) => ({
      apiVersion,
      kind,
      metadata: metadata(),
      spec: body,
    })),
  ];
}
