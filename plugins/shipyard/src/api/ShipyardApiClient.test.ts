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

  it('rejects and lifts a rejection on the version, and lifts a hold on the workspace', async () => {
    const { api, fetch } = client([
      { status: 200, body: { number: 3, rejection: { reason: 'bad' } } },
      { status: 200, body: { number: 3 } },
      { status: 200, body: { lifted: true } },
    ]);
    const base =
      'http://localhost:7007/api/shipyard/services/component/default/payments/workspaces/dev';
    await expect(
      api.rejectVersion('component:default/payments', 'dev', 3, 'bad'),
    ).resolves.toMatchObject({ rejection: { reason: 'bad' } });
    expect(fetch).toHaveBeenLastCalledWith(`${base}/versions/3/reject`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ reason: 'bad' }),
    });
    await api.unrejectVersion('component:default/payments', 'dev', 3);
    expect(fetch).toHaveBeenLastCalledWith(`${base}/versions/3/reject`, {
      method: 'DELETE',
    });
    await api.liftHold('component:default/payments', 'dev');
    expect(fetch).toHaveBeenLastCalledWith(`${base}/hold`, {
      method: 'DELETE',
    });
  });

  it("ticks an item of a version's checklist off and opens it again, and surfaces a refusal", async () => {
    const { api, fetch } = client([
      {
        status: 200,
        body: {
          number: 4,
          checklist: [{ id: 2, text: 't', done: { by: 'u', at: 'now' } }],
        },
      },
      { status: 200, body: { number: 4, checklist: [{ id: 2, text: 't' }] } },
      {
        status: 404,
        body: { error: { name: 'NotFoundError', message: 'item: no 9' } },
      },
    ]);
    const url =
      'http://localhost:7007/api/shipyard/services/component/default/payments/workspaces/prod/versions/4/checklist/2';
    await expect(
      api.updateChecklistItem('component:default/payments', 'prod', 4, 2, true),
    ).resolves.toMatchObject({ checklist: [{ id: 2, done: { by: 'u' } }] });
    expect(fetch).toHaveBeenLastCalledWith(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ done: true }),
    });
    await api.updateChecklistItem(
      'component:default/payments',
      'prod',
      4,
      2,
      false,
    );
    expect(fetch).toHaveBeenLastCalledWith(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ done: false }),
    });
    await expect(
      api.updateChecklistItem('component:default/payments', 'prod', 4, 9, true),
    ).rejects.toMatchObject({
      name: 'ResponseError',
      response: { status: 404 },
    });
  });

  it('lists promotion requests across services or of one service, by status, and decides on them', async () => {
    const { api, fetch } = client([
      { status: 200, body: { items: [{ id: 'r1' }] } },
      { status: 200, body: { items: [] } },
      { status: 200, body: { id: 'r/1', status: 'executed' } },
      {
        status: 403,
        body: { error: { name: 'NotAllowedError', message: 'no' } },
      },
    ]);
    await expect(
      api.listPromotionRequests({ status: ['pending', 'approved'] }),
    ).resolves.toEqual([{ id: 'r1' }]);
    expect(fetch).toHaveBeenLastCalledWith(
      'http://localhost:7007/api/shipyard/promotion-requests?status=pending%2Capproved',
      { method: 'GET' },
    );
    await api.listPromotionRequests({
      entityRef: 'component:default/payments',
    });
    expect(fetch).toHaveBeenLastCalledWith(
      'http://localhost:7007/api/shipyard/services/component/default/payments/promotions/requests',
      { method: 'GET' },
    );
    await api.approvePromotionRequest('r/1', 'fine');
    expect(fetch).toHaveBeenLastCalledWith(
      'http://localhost:7007/api/shipyard/promotion-requests/r%2F1/approve',
      expect.objectContaining({ body: JSON.stringify({ reason: 'fine' }) }),
    );
    await expect(api.declinePromotionRequest('r1')).rejects.toMatchObject({
      name: 'ResponseError',
      statusCode: 403,
    });
  });
});
