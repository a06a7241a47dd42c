import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { permissionsServiceFactory } from '@backstage/backend-defaults/permissions';
import {
  AuthService,
  coreServices,
  createServiceFactory,
} from '@backstage/backend-plugin-api';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { permissionRules } from '@backstage/plugin-catalog-backend/alpha';
import {
  kubernetesProxyPermission,
  kubernetesResourcesReadPermission,
} from '@backstage/plugin-kubernetes-common';
import {
  AuthorizeResult,
  Permission,
  PolicyDecision,
} from '@backstage/plugin-permission-common';
import catalogBackend from '@backstage/plugin-catalog-backend';
import kubernetesBackend from '@backstage/plugin-kubernetes-backend';
import permissionBackend from '@backstage/plugin-permission-backend';
import { createConditionAuthorizer } from '@backstage/plugin-permission-node';
import {
  shipyardLeaseReleasePermission,
  shipyardPromotionExecutePermission,
  shipyardProtectedWorkspacePermission,
  shipyardVersionDeployPermission,
  shipyardVersionReadPermission,
  shipyardVersionRollbackPermission,
} from '@shipyard/backstage-plugin-common';
import samplePermissionPolicyModule, {
  SamplePermissionPolicy,
} from './samplePermissionPolicy';

const people: Record<string, string[]> = {
  'user:default/alice': ['group:default/payments-team'],
  'user:default/rita': ['group:default/release-managers'],
  'user:default/bob': ['group:default/storefront-team'],
};

const userInfo = {
  async getUserInfo(credentials: any) {
    const userEntityRef = credentials.principal.userEntityRef as string;
    return {
      userEntityRef,
      ownershipEntityRefs: [userEntityRef, ...(people[userEntityRef] ?? [])],
    };
  },
};

const payments: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name: 'payments', namespace: 'default' },
  spec: { type: 'service', owner: 'group:default/payments-team' },
  relations: [{ type: 'ownedBy', targetRef: 'group:default/payments-team' }],
};

/** The catalog's own rules, as the catalog applies a conditional decision. */
const appliesTo = createConditionAuthorizer<Entity>({
  getRuleByName: name =>
    Object.values(permissionRules).find(rule => rule.name === name)! as any,
});

/**
 * What the permission framework ends up deciding for `user` on `payments`:
 * conditions are resolved against the entity, as the catalog does.
 */
async function decide(
  policy: SamplePermissionPolicy,
  permission: Permission,
  user: string,
): Promise<boolean> {
  const decision: PolicyDecision = await policy.handle({ permission }, {
    credentials: mockCredentials.user(user),
  } as any);
  return appliesTo(decision, payments);
}

describe('SamplePermissionPolicy', () => {
  const policy = new SamplePermissionPolicy({ userInfo });
  const alice = 'user:default/alice'; // owner of payments
  const bob = 'user:default/bob'; // another team
  const rita = 'user:default/rita'; // release manager

  it('lets owners deploy, roll back, promote and release leases outside protected workspaces', async () => {
    for (const permission of [
      shipyardVersionDeployPermission,
      shipyardVersionRollbackPermission,
      shipyardPromotionExecutePermission,
      shipyardLeaseReleasePermission,
    ]) {
      await expect(decide(policy, permission, alice)).resolves.toBe(true);
      await expect(decide(policy, permission, bob)).resolves.toBe(false);
    }
  });

  it('keeps protected workspaces to release managers, owners included', async () => {
    await expect(
      decide(policy, shipyardProtectedWorkspacePermission, alice),
    ).resolves.toBe(false);
    await expect(
      decide(policy, shipyardProtectedWorkspacePermission, bob),
    ).resolves.toBe(false);
    await expect(
      decide(policy, shipyardProtectedWorkspacePermission, rita),
    ).resolves.toBe(true);
  });

  it('lets release managers promote into, and roll back, any service in a protected workspace', async () => {
    // Shipyard asks for the operation's permission and the protected one together.
    for (const permission of [
      shipyardPromotionExecutePermission,
      shipyardVersionRollbackPermission,
      shipyardVersionDeployPermission,
      shipyardProtectedWorkspacePermission,
    ]) {
      await expect(decide(policy, permission, rita)).resolves.toBe(true);
    }
  });

  it('lets everyone read versions', async () => {
    for (const user of [alice, bob, rita]) {
      await expect(
        decide(policy, shipyardVersionReadPermission, user),
      ).resolves.toBe(true);
    }
  });

  it('denies the Kubernetes proxy to every user, release managers included', async () => {
    for (const user of [alice, bob, rita]) {
      await expect(
        policy.handle({ permission: kubernetesProxyPermission }, {
          credentials: mockCredentials.user(user),
        } as any),
      ).resolves.toEqual({ result: AuthorizeResult.DENY });
    }
  });

  it('allows what it does not govern, such as the Kubernetes tab', async () => {
    await expect(
      policy.handle({ permission: kubernetesResourcesReadPermission }, {
        credentials: mockCredentials.user(bob),
      } as any),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('denies Shipyard changes to callers without a user and to unknown Shipyard mutations', async () => {
    await expect(
      policy.handle({ permission: shipyardVersionDeployPermission }),
    ).resolves.toEqual({ result: AuthorizeResult.DENY });
    await expect(
      decide(
        policy,
        {
          type: 'resource',
          resourceType: 'catalog-entity',
          name: 'shipyard.freeze.override',
          attributes: { action: 'update' },
        },
        alice,
      ),
    ).resolves.toBe(false);
  });
});

/**
 * Mock auth whose on-behalf-of tokens name the calling plugin as actor, as
 * real ones do: the catalog refuses to apply conditions for a user without one.
 */
const authWithActors = createServiceFactory({
  service: coreServices.auth,
  deps: { plugin: coreServices.pluginMetadata },
  factory({ plugin }): AuthService {
    const auth = mockServices.auth({ pluginId: plugin.getId() });
    return {
      authenticate: auth.authenticate.bind(auth),
      isPrincipal: auth.isPrincipal.bind(auth) as AuthService['isPrincipal'],
      getNoneCredentials: auth.getNoneCredentials.bind(auth),
      getOwnServiceCredentials: auth.getOwnServiceCredentials.bind(auth),
      getLimitedUserToken: auth.getLimitedUserToken.bind(auth),
      listPublicServiceKeys: auth.listPublicServiceKeys.bind(auth),
      async getPluginRequestToken(options) {
        if (!auth.isPrincipal(options.onBehalfOf, 'user')) {
          return auth.getPluginRequestToken(options);
        }
        const { userEntityRef } = options.onBehalfOf.principal;
        return {
          token: mockCredentials.user.token(userEntityRef, {
            actor: { subject: `plugin:${plugin.getId()}` },
          }),
        };
      },
    };
  },
});

// A backend with the catalog, permission and Kubernetes plugins starts in seconds, not in jest's default 5.
jest.setTimeout(60_000);

describe('the sample policy module in a backend', () => {
  const directory = mkdtempSync(join(tmpdir(), 'shipyard-policy-'));
  const catalogFile = join(directory, 'catalog.yaml');
  writeFileSync(
    catalogFile,
    `apiVersion: backstage.io/v1alpha1
kind: Component
metadata: { name: payments }
spec: { type: service, lifecycle: production, owner: group:default/payments-team }
`,
  );
  const groups: Record<string, string> = {
    'user:default/alice': 'group:default/payments-team',
    'user:default/bob': 'group:default/storefront-team',
    'user:default/pat': 'group:default/platform',
  };
  // Stands in for a cluster's API server behind the Kubernetes plugin's proxy.
  const apiServerRequests: string[] = [];
  const apiServer = createServer((req, res) => {
    apiServerRequests.push(
      `${req.method} ${req.url} ${req.headers.authorization}`,
    );
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ kind: 'DeploymentList', items: [] }));
  });
  let backend: Awaited<ReturnType<typeof startTestBackend>>;
  let baseUrl: string;

  beforeAll(async () => {
    await new Promise<void>(resolve =>
      apiServer.listen(0, '127.0.0.1', resolve),
    );
    const apiServerPort = (apiServer.address() as AddressInfo).port;
    backend = await startTestBackend({
      features: [
        catalogBackend,
        permissionBackend,
        kubernetesBackend,
        samplePermissionPolicyModule,
        // The real permissions service, which decides for service principals itself.
        permissionsServiceFactory,
        authWithActors,
        mockServices.rootConfig.factory({
          data: {
            catalog: {
              rules: [{ allow: ['Component'] }],
              locations: [{ type: 'file', target: catalogFile }],
            },
            permission: {
              enabled: true,
              shipyard: { releaseManagers: 'group:default/platform' },
            },
            kubernetes: {
              serviceLocatorMethod: { type: 'multiTenant' },
              clusterLocatorMethods: [
                {
                  type: 'config',
                  clusters: [
                    {
                      name: 'prod',
                      url: `http://127.0.0.1:${apiServerPort}`,
                      authProvider: 'serviceAccount',
                      serviceAccountToken: 'shipyard-token',
                    },
                  ],
                },
              ],
            },
          },
        }),
        mockServices.userInfo.mock({
          async getUserInfo(credentials: any) {
            const userEntityRef = credentials.principal.userEntityRef;
            return {
              userEntityRef,
              ownershipEntityRefs: [userEntityRef, groups[userEntityRef]],
            };
          },
        }).factory,
      ],
    });
    baseUrl = `http://localhost:${
      (backend.server.address() as AddressInfo).port
    }`;
  });

  afterAll(async () => {
    await backend?.stop();
    apiServer.closeAllConnections();
    apiServer.close();
    rmSync(directory, { recursive: true, force: true });
  });

  const authorize = async (user: string, permission: Permission) => {
    const response = await fetch(`${baseUrl}/api/permission/authorize`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Authorization: mockCredentials.user.header(user),
      },
      body: JSON.stringify({
        items: [
          {
            id: '1',
            permission,
            ...(permission.type === 'resource'
              ? { resourceRef: 'component:default/payments' }
              : {}),
          },
        ],
      }),
    });
    if (response.status !== 200) throw new Error(await response.text());
    return (await response.json()).items[0].result;
  };

  it('is the permission backend policy, with ownership resolved by the catalog', async () => {
    // The catalog reads the file location in the background.
    const deadline = Date.now() + 30_000;
    while (
      (await authorize(
        'user:default/alice',
        shipyardVersionDeployPermission,
      )) !== AuthorizeResult.ALLOW &&
      Date.now() < deadline
    ) {
      await new Promise(resolve => setTimeout(resolve, 200));
    }

    await expect(
      authorize('user:default/alice', shipyardVersionDeployPermission),
    ).resolves.toBe(AuthorizeResult.ALLOW);
    await expect(
      authorize('user:default/bob', shipyardVersionDeployPermission),
    ).resolves.toBe(AuthorizeResult.DENY);
    await expect(
      authorize('user:default/alice', shipyardProtectedWorkspacePermission),
    ).resolves.toBe(AuthorizeResult.DENY);
    // pat's team is the configured release managers group here.
    await expect(
      authorize('user:default/pat', shipyardProtectedWorkspacePermission),
    ).resolves.toBe(AuthorizeResult.ALLOW);
  });

  // The proxy imports ESM-only @kubernetes/client-node; scripts/test.mjs runs jest so that it can.
  const withEsm = process.env.NODE_OPTIONS?.includes(
    '--experimental-vm-modules',
  )
    ? describe
    : describe.skip;

  withEsm('through the Kubernetes proxy', () => {
    it('denies users, and lets Shipyard through with its service credentials', async () => {
      const path =
        '/api/kubernetes/proxy/apis/apps/v1/namespaces/shipyard-prod/deployments';
      const asUser = await fetch(`${baseUrl}${path}`, {
        headers: {
          Authorization: mockCredentials.user.header('user:default/pat'),
          'Backstage-Kubernetes-Cluster': 'prod',
        },
      });
      expect(asUser.status).toBe(403);
      expect(apiServerRequests).toEqual([]);

      // How KubernetesClusterGateway calls the proxy: its own service credentials.
      const asShipyard = await fetch(`${baseUrl}${path}`, {
        headers: {
          Authorization: mockCredentials.service.header({
            onBehalfOf: mockCredentials.service('plugin:shipyard'),
            targetPluginId: 'kubernetes',
          }),
          'Backstage-Kubernetes-Cluster': 'prod',
        },
      });
      expect(asShipyard.status).toBe(200);
      expect(apiServerRequests).toEqual([
        'GET /apis/apps/v1/namespaces/shipyard-prod/deployments Bearer shipyard-token',
      ]);
    });
  });
});
