import { authServiceFactory } from '@backstage/backend-defaults/auth';
import { httpAuthServiceFactory } from '@backstage/backend-defaults/httpAuth';
import { mockCredentials, mockServices, startTestBackend, TestDatabases } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import mcpActionsPlugin from '@backstage/plugin-mcp-actions-backend';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Knex } from 'knex';
import request from 'supertest';
import { FakeClusterGateway } from '../__testUtils__/FakeClusterGateway';
import { baseSpec, entities, startShipyard, workspacesConfig } from '../__testUtils__/startShipyard';
import { shipyardPlugin } from '../plugin';

jest.setTimeout(60_000);

const databases = TestDatabases.create({ ids: ['SQLITE_3'] });
const PAYMENTS = 'component:default/payments';

/*
 * An MCP client (the official TypeScript SDK) against a running backend with
 * @backstage/plugin-mcp-actions-backend and Shipyard, configured as the
 * README says: `backend.actions.pluginSources: [shipyard]`.
 */
describe('Shipyard actions over MCP', () => {
  let knex: Knex;
  let server: any;
  let stop: () => Promise<void>;
  const denied = new Set<string>();

  beforeAll(async () => {
    knex = await databases.init('SQLITE_3');
    const started = await startShipyard(knex, {
      gateway: new FakeClusterGateway(),
      config: { ...workspacesConfig, backend: { actions: { pluginSources: ['shipyard'] } } },
      policy: name => (denied.has(name) ? AuthorizeResult.DENY : AuthorizeResult.ALLOW),
      features: [mcpActionsPlugin],
    });
    server = started.server;
    stop = () => started.backend.stop();
  });
  afterAll(() => stop());
  afterEach(() => denied.clear());

  async function connect(userEntityRef = 'user:default/alice') {
    const client = new Client({ name: 'shipyard-mcp-test', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(`http://localhost:${server.port()}/api/mcp-actions/v1`), {
      requestInit: { headers: { Authorization: mockCredentials.user.header(userEntityRef) } },
    });
    await client.connect(transport);
    return client;
  }

  it("lists Shipyard's six actions as tools with their hints", async () => {
    const client = await connect();
    try {
      const { tools } = await client.listTools();
      expect(
        Object.fromEntries(
          tools.map(t => [t.name, [t.annotations?.readOnlyHint, t.annotations?.destructiveHint]]),
        ),
      ).toEqual({
        'shipyard.list-versions': [true, false],
        'shipyard.diff-versions': [true, false],
        'shipyard.plan-promotion': [true, false],
        'shipyard.deploy': [false, true],
        'shipyard.rollback': [false, true],
        'shipyard.promote': [false, true],
      });
      const promote = tools.find(t => t.name === 'shipyard.promote')!;
      expect(promote.inputSchema.required).toContain('planHash');
      expect(promote.description).toMatch(/the plan-promotion action/);
    } finally {
      await client.close();
    }
  });

  it('plans a promotion, deploys as the caller with origin assistant, and reports a denied call as a tool error', async () => {
    const client = await connect();
    try {
      const deployed = await client.callTool({
        name: 'shipyard.deploy',
        arguments: { entityRef: PAYMENTS, workspace: 'dev', spec: baseSpec, message: 'from an assistant' },
      });
      expect(deployed.isError).toBeFalsy();
      expect(deployed.structuredContent).toMatchObject({
        number: 1,
        origin: { type: 'assistant' },
        createdBy: 'user:default/alice',
        message: 'from an assistant',
      });

      const planned = await client.callTool({
        name: 'shipyard.plan-promotion',
        arguments: { entityRef: PAYMENTS, source: 'dev', target: 'staging' },
      });
      expect(planned.isError).toBeFalsy();
      const plan = planned.structuredContent as any;
      expect(plan).toMatchObject({
        service: PAYMENTS,
        source: { workspace: 'dev', version: 1 },
        target: { workspace: 'staging' },
        firstPromotion: true,
        blockers: [],
        planHash: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(JSON.parse((planned.content as any)[0].text)).toEqual(plan);

      denied.add('shipyard.workspace.protected.update');
      const refused = await client.callTool({
        name: 'shipyard.deploy',
        arguments: { entityRef: PAYMENTS, workspace: 'prod', spec: baseSpec },
      });
      expect(refused.isError).toBe(true);
      expect((refused.content as any)[0].text).toMatch(
        /^NotAllowedError: shipyard.workspace.protected.update is not allowed .*workspace 'prod' is protected/,
      );
      expect(await knex('shipyard_versions').where({ workspace: 'prod' }).count({ c: '*' })).toEqual([{ c: 0 }]);
    } finally {
      await client.close();
    }
  });

  it('refuses an MCP client without a Backstage token', async () => {
    const res = await request(server)
      .post('/api/mcp-actions/v1')
      .set('Authorization', mockCredentials.none.header())
      .set('Accept', 'application/json, text/event-stream')
      .send({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(401);
  });
});

/*
 * With Backstage's real auth services: what a static external-access token
 * (backend.auth.externalAccess) gets when an MCP client uses it. The MCP
 * plugin calls Shipyard on the token's behalf, and Backstage delegates a
 * service principal only as the calling plugin itself.
 */
describe('Shipyard actions over MCP with a static external-access token', () => {
  async function startWithStaticToken(accessRestrictions: object[]) {
    const backend = await startTestBackend({
      features: [
        shipyardPlugin,
        mcpActionsPlugin,
        authServiceFactory,
        httpAuthServiceFactory,
        catalogServiceMock.factory({ entities: entities as any }),
        mockServices.rootConfig.factory({
          data: {
            ...workspacesConfig,
            backend: {
              baseUrl: 'http://localhost:0',
              actions: { pluginSources: ['shipyard'] },
              auth: {
                externalAccess: [
                  { type: 'static', options: { token: 'assistant-static-token', subject: 'assistant' }, accessRestrictions },
                ],
              },
            },
          },
        }),
      ],
    });
    const client = new Client({ name: 'shipyard-mcp-test', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`http://localhost:${backend.server.port()}/api/mcp-actions/v1`), {
        requestInit: { headers: { Authorization: 'Bearer assistant-static-token' } },
      }),
    );
    const stop = async () => {
      await client.close();
      await backend.stop();
    };
    return { client, stop };
  }

  it('refuses cluster changes from a static token, which reaches Shipyard as the MCP plugin itself; reads still work', async () => {
    const { client, stop } = await startWithStaticToken([{ plugin: 'mcp-actions' }, { plugin: 'catalog' }, { plugin: 'shipyard' }]);
    try {
      const deployed = await client.callTool({
        name: 'shipyard.deploy',
        arguments: { entityRef: PAYMENTS, workspace: 'dev', spec: baseSpec },
      });
      expect(deployed.isError).toBe(true);
      expect(JSON.stringify(deployed.content)).toMatch(/needs a user's credentials; the caller is service:plugin:mcp-actions/);
      const listed = await client.callTool({ name: 'shipyard.list-versions', arguments: { entityRef: PAYMENTS, workspace: 'dev' } });
      expect(listed.isError).toBeFalsy();
    } finally {
      await stop();
    }
  });

  it("lists no Shipyard tool when the token's restrictions name Shipyard permissions", async () => {
    const { client, stop } = await startWithStaticToken([
      { plugin: 'mcp-actions' },
      { plugin: 'catalog' },
      { plugin: 'shipyard', permission: ['shipyard.version.read'] },
    ]);
    try {
      expect((await client.listTools()).tools).toEqual([]);
    } finally {
      await stop();
    }
  });
});
