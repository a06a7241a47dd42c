import { ShipyardClient } from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from './errors';

/** Where the backend is and who is calling, from the flags or the environment. */
export interface Connection {
  /** The Backstage backend's base URL, e.g. http://localhost:7007. */
  baseUrl: string;
  token: string;
}

/** Reads `--url`/`SHIPYARD_URL` and `--token`/`SHIPYARD_TOKEN`; flags win. */
export function resolveConnection(
  flags: { url?: string; token?: string },
  env: Record<string, string | undefined>,
): Connection {
  const url = flags.url ?? env.SHIPYARD_URL;
  const token = flags.token ?? env.SHIPYARD_TOKEN;
  if (!url) {
    throw new CliError(
      "no backend URL: pass --url or set SHIPYARD_URL to the Backstage backend's base URL, e.g. http://localhost:7007",
      ExitCode.BadInput,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(
      `--url: "${url}" is not a URL; expected the Backstage backend's base URL, e.g. http://localhost:7007`,
      ExitCode.BadInput,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new CliError(
      `--url: "${url}" is not an http(s) URL`,
      ExitCode.BadInput,
    );
  }
  if (!token) {
    throw new CliError(
      'no token: pass --token or set SHIPYARD_TOKEN to a Backstage static external-access token or a user token',
      ExitCode.BadInput,
    );
  }
  return { baseUrl: url.replace(/\/+$/, ''), token };
}

/** The Shipyard API's URL under a backend base URL; a URL that already ends in /api/shipyard is kept. */
export function shipyardApiUrl(baseUrl: string): string {
  const trimmed = baseUrl.replace(/\/+$/, '');
  return trimmed.endsWith('/api/shipyard')
    ? trimmed
    : `${trimmed}/api/shipyard`;
}

/** The shared typed client, pointed at one backend and sending the token on every request. */
export function createShipyardClient(
  connection: Connection,
  fetchImpl: typeof fetch = (...args) => fetch(...args),
): ShipyardClient {
  const apiUrl = shipyardApiUrl(connection.baseUrl);
  return new ShipyardClient({
    discoveryApi: { getBaseUrl: async () => apiUrl },
    fetchApi: {
      fetch: async (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Bearer ${connection.token}`);
        try {
          return await fetchImpl(input, { ...init, headers });
        } catch (error) {
          throw new CliError(
            `cannot reach the Shipyard backend at ${
              connection.baseUrl
            }: ${networkReason(error)}`,
            ExitCode.Unreachable,
          );
        }
      },
    },
  });
}

function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } })
    ?.cause;
  if (cause?.message) return cause.message;
  if (cause?.code) return cause.code;
  return error instanceof Error ? error.message : String(error);
}
