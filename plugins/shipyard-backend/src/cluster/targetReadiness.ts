import { ManagedKind } from '@shipyard/backstage-plugin-common';
import { NamespaceTarget, ReadinessNeeds, ReadinessProblem } from './ClusterGateway';

/** A request through the Kubernetes plugin's proxy; `undefined` for an allowed 404 or 403. */
export type ProxyRequest = (
  cluster: string,
  method: string,
  path: string,
  options?: { body?: unknown; allow404?: boolean; allow403?: boolean },
) => Promise<any>;

/** The verbs an apply of a kind needs: server-side apply patches, and creates what does not exist yet. */
const APPLY_VERBS = ['create', 'patch'] as const;

function groupOf(kind: ManagedKind): string {
  return kind.apiVersion.includes('/') ? kind.apiVersion.split('/')[0] : '';
}

/**
 * Whether a workspace is ready for what a spec renders, asked of the
 * cluster with Shipyard's own credential and changing nothing: the
 * namespace exists, a SelfSubjectAccessReview allows create and patch of
 * every kind, the Ingress class exists (or the Gateway API is served for an
 * HTTPRoute). What cannot be asked (a 403 on reading a namespace or an
 * IngressClass) is left to the apply, which names it.
 */
export async function targetReadiness(
  request: ProxyRequest,
  target: NamespaceTarget,
  needs: ReadinessNeeds,
): Promise<ReadinessProblem[]> {
  const { cluster, namespace } = target;
  const problems: ReadinessProblem[] = [];
  const [namespaceMissing, reviews, ingressClass, routes] = await Promise.all([
    // A credential that may not read namespaces cannot tell; the apply will.
    request(cluster, 'GET', `/api/v1/namespaces/${encodeURIComponent(namespace)}`, { allow404: true }).then(
      found => found === undefined,
      () => false,
    ),
    Promise.all(
      needs.kinds.flatMap(kind =>
        APPLY_VERBS.map(async verb => {
          const review = await request(cluster, 'POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
            body: {
              apiVersion: 'authorization.k8s.io/v1',
              kind: 'SelfSubjectAccessReview',
              spec: { resourceAttributes: { namespace, verb, group: groupOf(kind), resource: kind.plural } },
            },
          });
          return { kind, verb, allowed: review?.status?.allowed === true };
        }),
      ),
    ),
    needs.ingressClassName
      ? request(cluster, 'GET', `/apis/networking.k8s.io/v1/ingressclasses/${encodeURIComponent(needs.ingressClassName)}`, {
          allow404: true,
          allow403: true,
        }).then(found => found !== undefined || undefined)
      : Promise.resolve(true),
    needs.kinds.some(k => k.kind === 'HTTPRoute')
      ? request(cluster, 'GET', '/apis/gateway.networking.k8s.io/v1', { allow404: true, allow403: true }).then(found => found !== undefined)
      : Promise.resolve(true),
  ]);
  if (namespaceMissing) {
    problems.push({
      code: 'namespace-missing',
      message: `namespace ${namespace} does not exist on cluster ${cluster}; create it (kubectl create namespace ${namespace}) and grant Shipyard's credential its rules there (examples/shipyard-rbac.yaml)`,
    });
  }
  for (const { kind, verb, allowed } of reviews) {
    if (!allowed) {
      problems.push({
        code: 'not-permitted',
        message: `Shipyard's credential on cluster ${cluster} may not ${verb} ${kind.plural}${
          groupOf(kind) ? `.${groupOf(kind)}` : ''
        } in namespace ${namespace}; grant it in a Role there (the rules of examples/shipyard-rbac.yaml)`,
      });
    }
  }
  if (ingressClass === undefined) {
    problems.push({
      code: 'ingress-class-missing',
      message: `ingress class ${needs.ingressClassName} does not exist on cluster ${cluster}; install the ingress controller that provides it, or set shipyard.workspaces[].expose.ingressClassName to one that exists`,
    });
  }
  if (!routes) {
    problems.push({
      code: 'gateway-api-missing',
      message: `cluster ${cluster} does not serve the Gateway API (gateway.networking.k8s.io/v1) for HTTPRoutes; install its CRDs, or expose through an Ingress (shipyard.workspaces[].expose.ingressClassName)`,
    });
  }
  return problems;
}
