/*
 * A sample permission policy for a Backstage where Shipyard writes to real
 * clusters. The demo does not install it (it keeps the allow-all policy); an
 * adopter copies this file into their backend and replaces the allow-all
 * module with
 *
 *   backend.add(import('./samplePermissionPolicy'));
 *
 * What it decides (README "Permissions in production"):
 * - Owners of an entity may deploy, roll back, promote and release leases for
 *   it, in workspaces that are not protected.
 * - Only members of the release managers group may change a protected
 *   workspace (`shipyard.workspace.protected.update`, which Shipyard checks
 *   in addition to the deploy, rollback or promotion permission), and they
 *   may do every Shipyard operation on every entity.
 * - Everyone may read versions, diffs, plans and live state.
 * - `kubernetes.proxy` is denied to every user: the proxy writes with the
 *   cluster credentials Shipyard writes with. Shipyard's own calls carry its
 *   service credentials, and service principals never reach a policy (the
 *   permissions service allows them itself), so Shipyard keeps working.
 * - Everything else is allowed, as in the demo.
 */

import {
  coreServices,
  createBackendModule,
  UserInfoService,
} from '@backstage/backend-plugin-api';
import {
  catalogConditions,
  createCatalogConditionalDecision,
} from '@backstage/plugin-catalog-backend/alpha';
import { kubernetesProxyPermission } from '@backstage/plugin-kubernetes-common';
import {
  AuthorizeResult,
  isPermission,
  isResourcePermission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import {
  PermissionPolicy,
  PolicyQuery,
  PolicyQueryUser,
} from '@backstage/plugin-permission-node';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import {
  shipyardLeaseReleasePermission,
  shipyardPromotionExecutePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionDeployPermission,
  shipyardVersionReadPermission,
  shipyardVersionRollbackPermission,
} from '@shipyard/backstage-plugin-common';

/** The group whose members may change protected workspaces, unless configured otherwise. */
export const DEFAULT_RELEASE_MANAGERS_GROUP = 'group:default/release-managers';

/** What an entity's owners may do to it outside protected workspaces. */
const OWNER_PERMISSIONS = [
  shipyardVersionDeployPermission,
  shipyardVersionRollbackPermission,
  shipyardPromotionExecutePermission,
  shipyardLeaseReleasePermission,
];

const ALLOW: PolicyDecision = { result: AuthorizeResult.ALLOW };
const DENY: PolicyDecision = { result: AuthorizeResult.DENY };

/**
 * Owners deploy, release managers change protected workspaces, and nobody
 * uses the Kubernetes proxy with Shipyard's credentials.
 */
export class SamplePermissionPolicy implements PermissionPolicy {
  constructor(
    private readonly options: {
      userInfo: UserInfoService;
      /** Entity ref of the release managers group. */
      releaseManagers?: string;
    },
  ) {}

  async handle(
    request: PolicyQuery,
    user?: PolicyQueryUser,
  ): Promise<PolicyDecision> {
    const { permission } = request;
    if (isPermission(permission, kubernetesProxyPermission)) {
      return DENY;
    }
    if (!permission.name.startsWith('shipyard.')) {
      return ALLOW;
    }
    if (
      isPermission(permission, shipyardVersionReadPermission) ||
      permission.attributes.action === 'read'
    ) {
      return ALLOW;
    }
    if (!user) {
      return DENY;
    }
    const { ownershipEntityRefs } = await this.options.userInfo.getUserInfo(
      user.credentials,
    );
    const releaseManagers =
      this.options.releaseManagers ?? DEFAULT_RELEASE_MANAGERS_GROUP;
    if (ownershipEntityRefs.includes(releaseManagers)) {
      return ALLOW;
    }
    if (isPermission(permission, shipyardProtectedWorkspacePermission)) {
      return DENY;
    }
    if (
      OWNER_PERMISSIONS.some(p => isPermission(permission, p)) &&
      isResourcePermission(permission, 'catalog-entity')
    ) {
      return createCatalogConditionalDecision(
        permission,
        catalogConditions.isEntityOwner({ claims: ownershipEntityRefs }),
      );
    }
    // A Shipyard permission this file does not know yet stays with the
    // release managers until the policy names it.
    return DENY;
  }
}

/**
 * Installs {@link SamplePermissionPolicy} as the permission policy; the
 * group is `permission.shipyard.releaseManagers` in app-config, by default
 * `group:default/release-managers`.
 */
export default createBackendModule({
  pluginId: 'permission',
  moduleId: 'shipyard-sample-policy',
  register(reg) {
    reg.registerInit({
      deps: {
        config: coreServices.rootConfig,
        policy: policyExtensionPoint,
        userInfo: coreServices.userInfo,
      },
      async init({ config, policy, userInfo }) {
        policy.setPolicy(
          new SamplePermissionPolicy({
            userInfo,
            releaseManagers: config.getOptionalString(
              'permission.shipyard.releaseManagers',
            ),
          }),
        );
      },
    });
  },
});
