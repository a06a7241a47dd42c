import type { Workspace, WorkspaceSecurityContext } from '../types';

/**
 * The pod security context every rendered pod gets unless its workspace's
 * operator replaces it: the Pod Security Standard "restricted" profile's
 * pod-level fields.
 * @public
 */
export const DEFAULT_POD_SECURITY_CONTEXT: Readonly<Record<string, unknown>> =
  Object.freeze({
    runAsNonRoot: true,
    seccompProfile: Object.freeze({ type: 'RuntimeDefault' }),
  });

/**
 * The container security context every rendered container gets unless its
 * workspace's operator replaces it: the "restricted" profile's
 * container-level fields.
 * @public
 */
export const DEFAULT_CONTAINER_SECURITY_CONTEXT: Readonly<
  Record<string, unknown>
> = Object.freeze({
  allowPrivilegeEscalation: false,
  capabilities: Object.freeze({ drop: Object.freeze(['ALL']) }),
});

/** The fields of a Kubernetes PodSecurityContext (core/v1), to catch typos in configuration. @public */
export const POD_SECURITY_CONTEXT_FIELDS: readonly string[] = [
  'appArmorProfile',
  'fsGroup',
  'fsGroupChangePolicy',
  'runAsGroup',
  'runAsNonRoot',
  'runAsUser',
  'seLinuxChangePolicy',
  'seLinuxOptions',
  'seccompProfile',
  'supplementalGroups',
  'supplementalGroupsPolicy',
  'sysctls',
  'windowsOptions',
];

/** The fields of a Kubernetes container SecurityContext (core/v1), to catch typos in configuration. @public */
export const CONTAINER_SECURITY_CONTEXT_FIELDS: readonly string[] = [
  'allowPrivilegeEscalation',
  'appArmorProfile',
  'capabilities',
  'privileged',
  'procMount',
  'readOnlyRootFilesystem',
  'runAsGroup',
  'runAsNonRoot',
  'runAsUser',
  'seLinuxOptions',
  'seccompProfile',
  'windowsOptions',
];

/** The pod and container security contexts to render in `workspace`; undefined renders none. */
export function securityContextsFor(
  workspace: Pick<Workspace, 'securityContext'>,
): { pod?: Record<string, unknown>; container?: Record<string, unknown> } {
  const configured: WorkspaceSecurityContext = workspace.securityContext ?? {};
  const pick = (
    given: Record<string, unknown> | undefined,
    fallback: Readonly<Record<string, unknown>>,
  ) => {
    const chosen = given ?? fallback;
    return Object.keys(chosen).length
      ? (JSON.parse(JSON.stringify(chosen)) as Record<string, unknown>)
      : undefined;
  };
  return {
    pod: pick(configured.pod, DEFAULT_POD_SECURITY_CONTEXT),
    container: pick(configured.container, DEFAULT_CONTAINER_SECURITY_CONTEXT),
  };
}
