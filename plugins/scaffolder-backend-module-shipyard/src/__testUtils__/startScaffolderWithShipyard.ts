import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import { createServiceFactory } from '@backstage/backend-plugin-api';
import { Entity } from '@backstage/catalog-model';
import { InMemoryCatalogClient } from '@backstage/catalog-client/testUtils';
import { catalogServiceRef } from '@backstage/plugin-catalog-node';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
// The scaffolder's tests start Shipyard's backend beside it, as packages/backend does.
// eslint-disable-next-line @backstage/no-mixed-plugin-imports
import shipyardPlugin, {
  createShipyardClusterGatewayModule,
} from '@shipyard/backstage-plugin-backend';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { parseAllDocuments } from 'yaml';
// Shipyard's own test fixtures; not part of the backend's published API.
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import { FakeClusterGateway } from '../../../shipyard-backend/src/__testUtils__/FakeClusterGateway';
// eslint-disable-next-line @backstage/no-relative-monorepo-imports
import {
  entities as shipyardEntities,
  workspacesConfig,
} from '../../../shipyard-backend/src/__testUtils__/startShipyard';
import scaffolderModuleShipyard from '..';

/*
 * A backend with the real scaffolder, the real Shipyard plugin on a fake
 * cluster, and this module, as in packages/backend. Templates run through the
 * scaffolder's HTTP API as the mock user.
 */

export const USER = mockCredentials.user.header();

export interface ScaffolderWithShipyard {
  backend: TestBackend;
  gateway: FakeClusterGateway;
  /** Permissions the policy refuses from now on; every other one, the scaffolder's included, is allowed. */
  denied: Set<string>;
  /** Starts a task from a catalog template and waits until it has finished. */
  run(templateName: string, values: object): Promise<TaskResult>;
  /** The scaffolder's dry run of a template given inline, as the template editor runs it; `files` are the template's directory. */
  dryRun(
    template: Entity,
    values: object,
    files?: Record<string, string>,
  ): Promise<DryRunResult>;
  /** Calls Shipyard's API as the mock user. */
  shipyard(method: 'get' | 'post', path: string, body?: object): Promise<any>;
  stop(): Promise<void>;
}

export interface TaskResult {
  status: 'completed' | 'failed' | 'cancelled';
  output: Record<string, any>;
  log: string[];
  error?: string;
}

export interface DryRunResult {
  output: Record<string, any>;
  log: string[];
  /** Why the dry run failed: the scaffolder answers a failed step with a 400 and its message. */
  error?: string;
}

/** A log line as a user reads it, without colours and level. */
function plain(message: unknown): string {
  return (
    String(message)
      // eslint-disable-next-line no-control-regex
      .replace(/\u001b\[[0-9;]*m/g, '')
      .replace(/^(info|warn|error|debug): /, '')
  );
}

/**
 * The in-memory catalog, shared by every plugin, that also reads the YAML
 * files of a local directory when its Location is refreshed, as the real
 * catalog does for a `file` Location with a glob.
 */
class DirectoryCatalog {
  private client: InMemoryCatalogClient;

  constructor(
    private readonly entities: Entity[],
    private readonly local?: { directory: string; location: string },
  ) {
    this.client = new InMemoryCatalogClient({ entities });
  }

  readonly service = new Proxy({} as any, {
    get: (_target, method: string) => {
      if (method === 'refreshEntity') {
        return (entityRef: string) => this.refresh(entityRef);
      }
      return typeof (this.client as any)[method] === 'function'
        ? (...args: unknown[]) => (this.client as any)[method](...args)
        : undefined;
    },
  });

  private async refresh(entityRef: string) {
    if (!this.local || entityRef !== this.local.location) return;
    const files = await readdir(this.local.directory).catch(() => []);
    const found: Entity[] = [];
    for (const file of files.filter(f => f.endsWith('.yaml'))) {
      const text = await readFile(join(this.local.directory, file), 'utf8');
      found.push(...parseAllDocuments(text).map(d => d.toJS() as Entity));
    }
    const withNamespace = found.map(e => ({
      ...e,
      metadata: { namespace: 'default', ...e.metadata },
    }));
    this.client = new InMemoryCatalogClient({
      entities: [...this.entities, ...withNamespace],
    });
  }
}

/** Starts the backend with templates in the catalog beside Shipyard's test services. */
export async function startScaffolderWithShipyard(
  options: {
    templates?: Entity[];
    /** Served by the catalog once the Location named here is refreshed: the demo's local catalog. */
    localCatalog?: { directory: string; location: string };
    /** Freeze windows by workspace name (`shipyard.workspaces[].freezes`). */
    freezes?: Record<string, object[]>;
  } = {},
): Promise<ScaffolderWithShipyard> {
  const gateway = new FakeClusterGateway();
  const config: any = JSON.parse(JSON.stringify(workspacesConfig));
  for (const ws of config.shipyard.workspaces) {
    ws.cluster = 'test';
    if (options.freezes?.[ws.name]) ws.freezes = options.freezes[ws.name];
  }
  config.shipyard.rolloutPollMilliseconds = 5;
  if (options.localCatalog) {
    config.shipyard.scaffolder = { localCatalog: options.localCatalog };
  }
  config.kubernetes = {
    clusterLocatorMethods: [
      {
        type: 'config',
        clusters: [
          {
            name: 'test',
            url: 'https://127.0.0.1:1',
            authProvider: 'serviceAccount',
          },
        ],
      },
    ],
  };
  config.app = { baseUrl: 'http://localhost:3000' };

  const catalog = new DirectoryCatalog(
    [...(shipyardEntities as Entity[]), ...(options.templates ?? [])],
    options.localCatalog,
  );
  const denied = new Set<string>();
  const decide = (name: string) =>
    denied.has(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW;

  const backend = await startTestBackend({
    features: [
      shipyardPlugin,
      scaffolderPlugin,
      scaffolderModuleShipyard,
      createShipyardClusterGatewayModule(gateway, 'fake-cluster'),
      mockServices.rootConfig.factory({ data: config }),
      createServiceFactory({
        service: catalogServiceRef,
        deps: {},
        factory: () => catalog.service,
      }),
      mockServices.permissions.mock({
        authorize: async requests =>
          requests.map(r => ({ result: decide(r.permission.name) })) as any,
        authorizeConditional: async requests =>
          requests.map(r => ({ result: decide(r.permission.name) })) as any,
      }).factory,
    ],
  });
  const server = backend.server;

  return {
    backend,
    gateway,
    denied,
    async run(templateName, values) {
      const created = await request(server)
        .post('/api/scaffolder/v2/tasks')
        .set('Authorization', USER)
        .send({ templateRef: `template:default/${templateName}`, values });
      if (created.status !== 201) {
        throw new Error(
          `Task not created: ${created.status} ${JSON.stringify(created.body)}`,
        );
      }
      const id = created.body.id;
      let task: any;
      for (let i = 0; i < 600; i++) {
        task = (
          await request(server)
            .get(`/api/scaffolder/v2/tasks/${id}`)
            .set('Authorization', USER)
        ).body;
        if (['completed', 'failed', 'cancelled'].includes(task.status)) break;
        await new Promise(resolve => setTimeout(resolve, 50));
      }
      const events = (
        await request(server)
          .get(`/api/scaffolder/v2/tasks/${id}/events`)
          .set('Authorization', USER)
      ).body as Array<{ type: string; body: any }>;
      const log = events
        .filter(e => e.type === 'log')
        .map(e => plain(e.body.message));
      const completion = events.find(e => e.type === 'completion');
      return {
        status: task.status,
        output: task.output ?? completion?.body?.output ?? {},
        log,
        error: completion?.body?.error?.message,
      };
    },
    async dryRun(template, values, files = {}) {
      const res = await request(server)
        .post('/api/scaffolder/v2/dry-run')
        .set('Authorization', USER)
        .send({
          template,
          values,
          directoryContents: Object.entries(files).map(([path, text]) => ({
            path,
            base64Content: Buffer.from(text).toString('base64'),
          })),
        });
      if (res.status !== 200) {
        return { output: {}, log: [], error: res.body.error?.message };
      }
      return {
        output: res.body.output ?? {},
        log: (res.body.log ?? []).map((e: any) => plain(e.body.message)),
      };
    },
    async shipyard(method, path, body) {
      const req = request(server)
        [method](`/api/shipyard${path}`)
        .set('Authorization', USER);
      const res = body ? await req.send(body) : await req;
      return res.body;
    },
    stop: () => backend.stop(),
  };
}

/** A template whose one step runs `action` with the given inputs, taken from the values of the same names. */
export function actionTemplate(
  name: string,
  action: string,
  inputs: string[],
  options: { before?: object[]; fixtures?: string } = {},
): Entity {
  return {
    apiVersion: 'scaffolder.backstage.io/v1beta3',
    kind: 'Template',
    metadata: {
      name,
      namespace: 'default',
      ...(options.fixtures
        ? {
            annotations: {
              'backstage.io/managed-by-location': `file:${join(
                options.fixtures,
                'template.yaml',
              )}`,
            },
          }
        : {}),
    },
    spec: {
      type: 'service',
      owner: 'group:default/team-a',
      parameters: [
        {
          properties: Object.fromEntries(inputs.map(input => [input, {}])),
        },
      ],
      steps: [
        ...(options.before ?? []),
        {
          id: 'shipyard',
          name: action,
          action,
          input: Object.fromEntries(
            inputs.map(input => [input, `\${{ parameters.${input} }}`]),
          ),
        },
      ],
      output: Object.fromEntries(
        [
          'version',
          'status',
          'url',
          'changes',
          'plan',
          'toVersion',
          'entityRef',
        ].map(key => [key, `\${{ steps.shipyard.output.${key} }}`]),
      ),
    },
  };
}
