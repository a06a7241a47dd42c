import { mockServices, startTestBackend, TestBackend } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { BackstageCredentials, coreServices, createServiceFactory } from '@backstage/backend-plugin-api';
import { ServiceSpec } from '@shipyard/backstage-plugin-common';
import { stringifyEntityRef } from '@backstage/catalog-model';
import { Knex } from 'knex';
import { createShipyardClusterGatewayModule, shipyardPlugin } from '../plugin';
import { FakeClusterGateway } from './FakeClusterGateway';

/*
 * Starts the real plugin in a test backend on a test database, with the
 * catalog and permissions mocked and, optionally, a fake cluster.
 */

const component = (name: string, annotations: Record<string, string> = {}, namespace = 'default') => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace, annotations },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

export const entities = [
  {
    ...component('payments', {
      'shipyard/workspaces': 'dev, staging, prod',
      'shipyard/promotion': 'dev -> staging -> prod',
    }),
    // As the catalog's processors would relate them; notifications resolve owners through these.
    relations: [{ type: 'ownedBy', targetRef: 'group:default/team-a' }],
  },
  {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Group',
    metadata: { name: 'team-a', namespace: 'default' },
    spec: { type: 'team', children: [] },
    relations: [{ type: 'hasMember', targetRef: 'user:default/owner' }],
  },
  component('ledger'),
  component('dev-only', { 'shipyard/workspaces': 'dev' }),
  // Promotion paths: two chains, and one naming a workspace that does not exist.
  component('checkout', { 'shipyard/promotion': 'dev -> staging -> prod; hotfix -> prod' }),
  component('broken-path', { 'shipyard/promotion': 'dev -> qa -> prod' }),
  // A path into dev, which needs no approval where staging and prod do.
  component('rehearsal', { 'shipyard/promotion': 'staging -> dev' }),
  // Promoted from dev to staging on its own.
  {
    ...component('orders', { 'shipyard/promotion': 'dev -> staging -> prod', 'shipyard/auto-promote': 'dev -> staging' }),
    relations: [{ type: 'ownedBy', targetRef: 'group:default/team-a' }],
  },
  // Two other teams' services whose Kubernetes objects would be named `payments` too.
  component('payments', {}, 'team-b'),
  component('impostor', { 'shipyard/service-name': 'payments' }),
];

/**
 * The catalog finds entities whatever the case of the ref, as the real one
 * does; the stock mock matches names exactly.
 */
function caseInsensitiveCatalog() {
  const byRef = new Map(entities.map(e => [stringifyEntityRef(e).toLocaleLowerCase('en-US'), e]));
  // No jest.fn: backendProcess.ts runs this outside jest.
  const catalog = catalogServiceMock({ entities: entities as any });
  catalog.getEntityByRef = async (ref: any) =>
    byRef.get((typeof ref === 'string' ? ref : stringifyEntityRef(ref)).toLocaleLowerCase('en-US')) as any;
  return createServiceFactory({ service: catalogServiceRef, deps: {}, factory: () => catalog });
}

export const workspacesConfig = {
  shipyard: {
    workspaces: [
      { name: 'dev', environment: 'dev', namespace: 'shipyard-dev' },
      { name: 'staging', environment: 'staging', namespace: 'shipyard-staging' },
      { name: 'prod', environment: 'prod', namespace: 'shipyard-prod', protected: true },
    ],
  },
};

/** Starts the plugin on one test database; `gateway` gives its workspaces a (fake) cluster. */
export async function startShipyard(
  knex: Knex,
  options: {
    permission?: AuthorizeResult.ALLOW | AuthorizeResult.DENY;
    /** A policy by permission name (and caller, and the resource asked about), instead of one answer for all. */
    policy?: (
      permissionName: string,
      credentials?: BackstageCredentials,
      resourceRef?: string,
    ) => AuthorizeResult.ALLOW | AuthorizeResult.DENY;
    gateway?: FakeClusterGateway;
    config?: object;
    /** More service factories or modules, e.g. an auditor mock. */
    features?: any[];
    /**
     * Databases of other plugins started with Shipyard (e.g. notifications):
     * each runs its own migrations, which must not share knex's migration table.
     */
    pluginDatabases?: Record<string, Knex>;
  } = {},
): Promise<{ backend: TestBackend; server: TestBackend['server'] }> {
  const config: any = JSON.parse(JSON.stringify(options.config ?? workspacesConfig));
  if (options.gateway) {
    for (const ws of config.shipyard.workspaces) ws.cluster = 'test';
    config.kubernetes = {
      clusterLocatorMethods: [
        { type: 'config', clusters: [{ name: 'test', url: 'https://127.0.0.1:1', authProvider: 'serviceAccount' }] },
      ],
    };
    config.shipyard.rolloutPollMilliseconds = 5;
  }
  const features: any[] = [
    shipyardPlugin,
    options.pluginDatabases
      ? createServiceFactory({
          service: coreServices.database,
          deps: { plugin: coreServices.pluginMetadata },
          factory: ({ plugin }) => ({ getClient: async () => options.pluginDatabases![plugin.getId()] ?? knex }),
        })
      : mockServices.database.factory({ knex }),
    mockServices.rootConfig.factory({ data: config }),
    caseInsensitiveCatalog(),
    options.policy
      ? mockServices.permissions.mock({
          authorize: async (requests, opts) =>
            requests.map(r => ({ result: options.policy!(r.permission.name, opts?.credentials, (r as any).resourceRef) })) as any,
        }).factory
      : mockServices.permissions.factory({ result: options.permission ?? AuthorizeResult.ALLOW }),
  ];
  features.push(...(options.features ?? []));
  if (options.gateway) {
    features.push(createShipyardClusterGatewayModule(options.gateway, 'fake-cluster'));
  }
  const backend = await startTestBackend({ features });
  return { backend, server: backend.server };
}

export const baseSpec: ServiceSpec = {
  image: 'ghcr.io/acme/payments:1.0.0',
  ports: [{ name: 'http', port: 8080 }],
  env: { LOG_LEVEL: 'info', DB_URL: 'postgres://dev-db/payments' },
  replicas: 1,
  readinessProbe: { httpGet: { path: '/ready', port: 'http' } },
};

