import {
  createShipyardClient,
  resolveConnection,
  shipyardApiUrl,
} from './client';

describe('resolveConnection', () => {
  const env = {
    SHIPYARD_URL: 'http://backstage:7007/',
    SHIPYARD_TOKEN: 'from-env',
  };

  it('reads the environment, and flags win over it', () => {
    expect(resolveConnection({}, env)).toEqual({
      baseUrl: 'http://backstage:7007',
      token: 'from-env',
    });
    expect(
      resolveConnection({ url: 'https://portal.acme.com', token: 'flag' }, env),
    ).toEqual({ baseUrl: 'https://portal.acme.com', token: 'flag' });
  });

  it('says what is missing or malformed, as bad input', () => {
    expect(() => resolveConnection({}, {})).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: expect.stringMatching(/^no backend URL: /),
      }),
    );
    expect(() =>
      resolveConnection({ url: 'localhost:7007' }, { SHIPYARD_TOKEN: 't' }),
    ).toThrow(/is not an http\(s\) URL/);
    expect(() =>
      resolveConnection({ url: 'http://localhost:7007' }, {}),
    ).toThrow(/^no token: /);
  });
});

describe('shipyardApiUrl', () => {
  it('appends /api/shipyard unless the URL already ends with it', () => {
    expect(shipyardApiUrl('http://localhost:7007')).toBe(
      'http://localhost:7007/api/shipyard',
    );
    expect(shipyardApiUrl('https://portal.acme.com/api/shipyard/')).toBe(
      'https://portal.acme.com/api/shipyard',
    );
  });
});

describe('createShipyardClient', () => {
  it('sends the token as a bearer token to the Shipyard API', async () => {
    const fetchImpl = jest.fn(
      async (_input: RequestInfo | URL, _init?: RequestInit) =>
        new Response(JSON.stringify({ items: [] }), { status: 200 }),
    );
    const client = createShipyardClient(
      { baseUrl: 'http://localhost:7007', token: 'secret-token' },
      fetchImpl as typeof fetch,
    );
    await client.getWorkspaces();
    const [url, init] = fetchImpl.mock.calls[0];
    expect(url).toBe('http://localhost:7007/api/shipyard/workspaces');
    expect(new Headers(init?.headers).get('Authorization')).toBe(
      'Bearer secret-token',
    );
  });

  it('turns a network failure into an unreachable-backend error naming the URL', async () => {
    const client = createShipyardClient(
      { baseUrl: 'http://localhost:7007', token: 't' },
      async () => {
        throw Object.assign(new TypeError('fetch failed'), {
          cause: {
            code: 'ECONNREFUSED',
            message: 'connect ECONNREFUSED 127.0.0.1:7007',
          },
        });
      },
    );
    await expect(client.getWorkspaces()).rejects.toMatchObject({
      exitCode: 4,
      message:
        'cannot reach the Shipyard backend at http://localhost:7007: connect ECONNREFUSED 127.0.0.1:7007',
    });
  });
});
