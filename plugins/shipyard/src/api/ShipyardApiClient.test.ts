import { ShipyardApiClient } from './ShipyardApiClient';

function client(responses: Array<{ status: number; body: unknown }>) {
  const fetch = jest.fn(async () => {
    const { status, body } = responses.shift()!;
    return {
      ok: status < 400,
      status,
      statusText: status === 409 ? 'Conflict' : 'OK',
      url: 'http://localhost:7007/api/shipyard',
      type: 'basic',
      redirected: false,
      headers: new Map([['content-type', 'application/json']]),
      text: async () => JSON.stringify(body),
    } as unknown as Response;
  });
  const discoveryApi = {
    getBaseUrl: jest.fn(async () => 'http://localhost:7007/api/shipyard'),
  };
  return {
    api: new ShipyardApiClient({ discoveryApi, fetchApi: { fetch } }),
    fetch,
  };
}

describe('ShipyardApiClient', () => {
  it('reads the workspaces of a service from the `{ items }` answer', async () => {
    const { api, fetch } = client([
      {
        status: 200,
        body: {
          service: 'component:default/payments',
          items: [{ versionCount: 0 }],
        },
      },
    ]);
    await expect(
      api.getServiceWorkspaces('component:default/payments'),
    ).resolves.toEqual([{ versionCount: 0 }]);
    expect(fetch).toHaveBeenCalledWith(
      'http://localhost:7007/api/shipyard/services/component/default/payments/workspaces',
      expect.objectContaining({ method: 'GET' }),
    );
  });

  it('accepts a bare array too', async () => {
    const { api } = client([{ status: 200, body: [{ name: 'dev' }] }]);
    await expect(api.getWorkspaces()).resolves.toEqual([{ name: 'dev' }]);
  });

  it('sends deploys with the expected current version and surfaces a 409 as a ResponseError', async () => {
    const { api, fetch } = client([
      {
        status: 409,
        body: {
          error: {
            name: 'ConflictError',
            message:
              'expectedCurrentVersion is 3, but the current version is v4',
          },
          response: { statusCode: 409 },
        },
      },
    ]);
    await expect(
      api.deploy('component:default/payments', 'dev', {
        spec: { image: 'nginx:1' },
        expectedCurrentVersion: 3,
      }),
    ).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 409,
      cause: { name: 'ConflictError' },
    });
    expect(fetch).toHaveBeenCalledWith(
      'http://localhost:7007/api/shipyard/services/component/default/payments/workspaces/dev/versions',
      expect.objectContaining({
        method: 'POST',
        body: JSON.stringify({
          spec: { image: 'nginx:1' },
          expectedCurrentVersion: 3,
        }),
      }),
    );
  });
});
