import { ResponseError } from '@backstage/errors';
import { ShipyardClient } from './ShipyardClient';

const baseUrl = 'http://localhost:7007/api/shipyard';
const ref = 'component:default/payments';
const servicePath = `${baseUrl}/services/component/default/payments`;

function setup(response: () => Response = () => jsonResponse({ ok: true })) {
  const fetch = jest.fn(async (_url: string, _init?: RequestInit) =>
    response(),
  );
  const discoveryApi = { getBaseUrl: jest.fn(async () => baseUrl) };
  const client = new ShipyardClient({
    discoveryApi,
    fetchApi: { fetch: fetch as any },
  });
  const call = () => {
    const [url, init] = fetch.mock.calls[0];
    return {
      url,
      method: init?.method,
      body:
        init?.body === undefined ? undefined : JSON.parse(init.body as string),
      contentType: (init?.headers as Record<string, string> | undefined)?.[
        'Content-Type'
      ],
    };
  };
  return { client, fetch, discoveryApi, call };
}

function jsonResponse(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

describe('ShipyardClient', () => {
  it.each([
    [
      'listVersions',
      (c: ShipyardClient) => c.listVersions(ref, 'prod'),
      'GET',
      `${servicePath}/workspaces/prod/versions`,
      undefined,
    ],
    [
      'listVersions with a page',
      (c: ShipyardClient) =>
        c.listVersions(ref, 'prod', { limit: 50, cursor: 'abc=/+' }),
      'GET',
      `${servicePath}/workspaces/prod/versions?limit=50&cursor=abc%3D%2F%2B`,
      undefined,
    ],
    [
      'getVersion',
      (c: ShipyardClient) => c.getVersion(ref, 'prod', 5),
      'GET',
      `${servicePath}/workspaces/prod/versions/5`,
      undefined,
    ],
    [
      'deploy',
      (c: ShipyardClient) =>
        c.deploy(ref, 'dev', {
          spec: { image: 'nginx:1' },
          message: 'hi',
          expectedCurrentVersion: 3,
        }),
      'POST',
      `${servicePath}/workspaces/dev/versions`,
      { spec: { image: 'nginx:1' }, message: 'hi', expectedCurrentVersion: 3 },
    ],
    [
      'rollback',
      (c: ShipyardClient) =>
        c.rollback(ref, 'prod', 5, { reason: 'bad release' }),
      'POST',
      `${servicePath}/workspaces/prod/versions/5/rollback`,
      { reason: 'bad release' },
    ],
    [
      'rollback without a reason',
      (c: ShipyardClient) => c.rollback(ref, 'prod', 5),
      'POST',
      `${servicePath}/workspaces/prod/versions/5/rollback`,
      {},
    ],
    [
      'preflightDeploy',
      (c: ShipyardClient) =>
        c.preflightDeploy(ref, 'dev', { image: 'nginx:1' }),
      'POST',
      `${servicePath}/workspaces/dev/preflight`,
      { spec: { image: 'nginx:1' } },
    ],
    [
      'previewRollback',
      (c: ShipyardClient) => c.previewRollback(ref, 'prod', 5),
      'GET',
      `${servicePath}/workspaces/prod/versions/5/rollback-plan`,
      undefined,
    ],
    [
      'diff',
      (c: ShipyardClient) =>
        c.diff(
          ref,
          { workspace: 'staging', version: 7 },
          { workspace: 'prod', version: 3 },
        ),
      'GET',
      `${servicePath}/diff?from=staging%3A7&to=prod%3A3`,
      undefined,
    ],
    [
      'planPromotion',
      (c: ShipyardClient) =>
        c.planPromotion(ref, { source: 'staging', target: 'prod' }),
      'POST',
      `${servicePath}/promotions/plan`,
      { source: 'staging', target: 'prod' },
    ],
    [
      'promote',
      (c: ShipyardClient) =>
        c.promote(ref, {
          source: 'staging',
          target: 'prod',
          planHash: 'h',
          inputs: { env: { NEW: { secretKeyRef: { name: 's', key: 'k' } } } },
          reason: 'go',
        }),
      'POST',
      `${servicePath}/promotions`,
      {
        source: 'staging',
        target: 'prod',
        planHash: 'h',
        inputs: { env: { NEW: { secretKeyRef: { name: 's', key: 'k' } } } },
        reason: 'go',
      },
    ],
    [
      'getLive',
      (c: ShipyardClient) => c.getLive(ref, 'prod'),
      'GET',
      `${servicePath}/workspaces/prod/live`,
      undefined,
    ],
  ])('%s calls the documented route', async (_, invoke, method, url, body) => {
    const { client, call, discoveryApi } = setup();
    await expect(invoke(client)).resolves.toEqual({ ok: true });
    expect(discoveryApi.getBaseUrl).toHaveBeenCalledWith('shipyard');
    expect(call()).toEqual({
      url,
      method,
      body,
      contentType: body === undefined ? undefined : 'application/json',
    });
  });

  it.each([
    [
      'getWorkspaces',
      (c: ShipyardClient) => c.getWorkspaces(),
      `${baseUrl}/workspaces`,
    ],
    [
      'getServiceWorkspaces',
      (c: ShipyardClient) => c.getServiceWorkspaces(ref),
      `${servicePath}/workspaces`,
    ],
  ])('%s calls the documented route', async (_, invoke, url) => {
    const { client, call } = setup(() => jsonResponse([]));
    await expect(invoke(client)).resolves.toEqual([]);
    expect(call()).toEqual({
      url,
      method: 'GET',
      body: undefined,
      contentType: undefined,
    });
  });

  it('unwraps the { items } of the list routes', async () => {
    const workspace = { name: 'prod' };
    const { client } = setup(() => jsonResponse({ items: [workspace] }));
    await expect(client.getWorkspaces()).resolves.toEqual([workspace]);
    const other = setup(() =>
      jsonResponse({ service: ref, items: [{ workspace }] }),
    );
    await expect(other.client.getServiceWorkspaces(ref)).resolves.toEqual([
      { workspace },
    ]);
  });

  it('releases a lease with DELETE and accepts an empty 204', async () => {
    const { client, call } = setup(() => new Response(null, { status: 204 }));
    await expect(client.releaseLease(ref, 'prod')).resolves.toBeUndefined();
    expect(call()).toMatchObject({
      url: `${servicePath}/workspaces/prod/lease`,
      method: 'DELETE',
    });
  });

  it('encodes entity refs and workspace names in paths', async () => {
    const { client, call } = setup();
    await client.getLive('Component:Team A/pay ments', 'eu/west');
    expect(call().url).toBe(
      `${baseUrl}/services/component/team%20a/pay%20ments/workspaces/eu%2Fwest/live`,
    );
  });

  it('throws a ResponseError carrying the backend error, e.g. a 409 ConflictError', async () => {
    const { client } = setup(() =>
      jsonResponse(
        {
          error: { name: 'ConflictError', message: 'The plan is stale' },
          request: { method: 'POST', url: '/promotions' },
          response: { statusCode: 409 },
        },
        409,
      ),
    );
    const error = await client
      .promote(ref, { source: 'staging', target: 'prod', planHash: 'old' })
      .catch(e => e);
    expect(error).toBeInstanceOf(ResponseError);
    expect(error.statusCode).toBe(409);
    expect(error.body.error.name).toBe('ConflictError');
    expect(error.cause.message).toBe('The plan is stale');
  });

  it('throws a ResponseError for a non-JSON error response too', async () => {
    const { client } = setup(
      () => new Response('Bad gateway', { status: 502 }),
    );
    await expect(client.getWorkspaces()).rejects.toBeInstanceOf(ResponseError);
  });

  it('uses the global fetch when no fetchApi is given', async () => {
    const original = global.fetch;
    const fetch = jest.fn(async () => jsonResponse([]));
    global.fetch = fetch as any;
    try {
      const client = new ShipyardClient({
        discoveryApi: { getBaseUrl: async () => baseUrl },
      });
      await expect(client.getWorkspaces()).resolves.toEqual([]);
      expect(fetch).toHaveBeenCalledWith(`${baseUrl}/workspaces`, {
        method: 'GET',
      });
    } finally {
      global.fetch = original;
    }
  });
});
