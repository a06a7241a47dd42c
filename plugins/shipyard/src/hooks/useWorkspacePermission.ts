import { useEntityPermission } from '@backstage/plugin-catalog-react/alpha';
import {
  shipyardProtectedWorkspacePermission,
  type Workspace,
} from '@shipyard/backstage-plugin-common';

/**
 * Whether the signed-in user may do `permission` on the page's service in
 * `workspace`, as the backend decides it: a protected workspace needs
 * `shipyard.workspace.protected.update` as well.
 */
export function useWorkspacePermission(
  permission: Parameters<typeof useEntityPermission>[0],
  workspace: Workspace,
): { allowed: boolean; loading: boolean } {
  const operation = useEntityPermission(permission);
  const protectedWorkspace = useEntityPermission(
    shipyardProtectedWorkspacePermission,
  );
  return {
    allowed:
      operation.allowed && (!workspace.protected || protectedWorkspace.allowed),
    loading: operation.loading || protectedWorkspace.loading,
  };
}
