import { databaseServiceFactory } from '@backstage/backend-defaults/database';
import { mockCredentials, mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import shipyardPlugin, { ClusterGateway, createShipyardClusterGatewayModule } from '@shipyard/backstage-plugin-backend';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AddressInfo } from 'node:net';
import knexFactory from 'knex';

/*
 * The real Shipyard plugin in a Backstage test backend, on the real
 * Backstage database service (so the pool and connection settings are the
 * ones production uses), with the catalog and permissions mocked. With
 * `kubernetes`, the real Kubernetes backend plugin runs beside it and
 * Shipyard reaches the cluster through its proxy.
 */

export type Engine = 'sqlite' | 'postgres';

/** A fresh, empty Backstage database for one backend. */
export interface BenchDatabase {
  engine: Engine;
  label: string;
  config: object;
  dispose(): Promise<void>;
}

export function sqliteDatabase(): BenchDatabase {
  const directory = mkdtempSync(join(tmpdir(), 'shipyard-bench-sqlite-'));
  return {
    engine: 'sqlite',
    label: 'SQLite (file)',
    config: { client: 'better-sqlite3', connection: { directory } },
    async dispose() {
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

export function postgresDatabase(connectionString: string): BenchDatabase {
  const prefix = `bench_${process.pid}_${Date.now().toString(36)}_`;
  return {
    engine: 'postgres',
    label: 'PostgreSQL',
    config: { client: 'pg', connection: connectionString, prefix },
    async dispose() {
      const admin = knexFactory({ client: 'pg', connection: connectionString });
      try {
        await admin.raw(`DROP DATABASE IF EXISTS "${prefix}shipyard" WITH (FORCE)`);
      } finally {
        await admin.destroy();
      }
    },
  };
}

export const authHeader = mockCredentials.user.header();

export const component = (name: string, annotations: Record<string, string> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: { name, namespace: 'default', annotations: { 'backstage.io/kubernetes-id': name, ...annotations } },
  spec: { type: 'service', owner: 'team-a', lifecycle: 'production' },
});

export interface ShipyardBackend {
  baseUrl: string;
  /** `fetch` against the backend with a user token. */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  stop(): Promise<void>;
}

export async function startShipyardBackend(options: {
  database: BenchDatabase;
  entities: object[];
  shipyard: object;
  kubernetes?: object;
  gateway?: ClusterGateway;
  /** More features, e.g. the real scheduler instead of the test backend's manual one. */
  features?: any[];
}): Promise<ShipyardBackend> {
  const features: any[] = [
    shipyardPlugin,
    databaseServiceFactory,
    mockServices.rootConfig.factory({
      data: {
        backend: { database: options.database.config },
        shipyard: options.shipyard,
        ...(options.kubernetes ? { kubernetes: options.kubernetes } : {}),
      },
    }),
    catalogServiceMock.factory({ entities: options.entities as any }),
    mockServices.permissions.factory({ result: AuthorizeResult.ALLOW }),
  ];
  // With a gateway of its own, Shipyard never calls the Kubernetes plugin; only its cluster names are configured.
  if (options.kubernetes && !options.gateway) {
    features.push(import('@backstage/plugin-kubernetes-backend'));
  }
  if (options.gateway) {
    features.push(createShipyardClusterGatewayModule(options.gateway, 'bench-cluster'));
  }
  features.push(...(options.features ?? []));
  const backend = await startTestBackend({ features });
  const { port } = backend.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    baseUrl,
    async call(method, path, body) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          Authorization: authHeader,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: any = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON; keep the text
      }
      return { status: response.status, body: parsed };
    },
    stop: () => backend.stop(),
  };
}
