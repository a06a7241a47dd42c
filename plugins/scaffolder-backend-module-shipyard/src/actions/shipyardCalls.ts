import {
  AuthService,
  BackstageCredentials,
  DiscoveryService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import { InputError, ResponseError } from '@backstage/errors';
import { CatalogService } from '@backstage/plugin-catalog-node';
import {
  ServiceWorkspaceState,
  ShipyardApi,
  ShipyardClient,
} from '@shipyard/backstage-plugin-common';

/** What the Shipyard actions need from the backend. @public */
export interface ShipyardActionsOptions {
  discovery: DiscoveryService;
  auth: AuthService;
  /** Reads `app.baseUrl` for the links to the Versions tab. */
  config: RootConfigService;
  /** Lets `shipyard:deploy` wait for an entity that was registered a moment ago. */
  catalog: CatalogService;
}

/**
 * The typed Shipyard client, calling /api/shipyard with a token issued on
 * behalf of the user who started the task, so their permissions apply.
 */
export function shipyardClientFor(
  options: Pick<ShipyardActionsOptions, 'discovery' | 'auth'>,
  ctx: {
    getInitiatorCredentials(): Promise<BackstageCredentials>;
    signal?: AbortSignal;
  },
): ShipyardApi {
  const { discovery, auth } = options;
  return new ShipyardClient({
    discoveryApi: discovery,
    fetchApi: {
      fetch: async (input, init) => {
        // A token per request: a rollout that is followed for minutes must
        // not outlive the token it started with.
        const { token } = await auth.getPluginRequestToken({
          onBehalfOf: await ctx.getInitiatorCredentials(),
          targetPluginId: 'shipyard',
        });
        const headers = new Headers(init?.headers);
        headers.set('Authorization', `Bearer ${token}`);
        return fetch(input, { ...init, headers, signal: ctx.signal });
      },
    },
  });
}

/**
 * Turns a failed Shipyard call into an error whose message is the server's
 * own, e.g. `Shipyard answered 403 NotAllowedError: shipyard.version.deploy
 * is not allowed on …`, keeping the error's name and status code.
 */
export function explainShipyardError(error: unknown): unknown {
  if (error instanceof ResponseError) {
    const cause = error.body?.error;
    const detail = cause?.message
      ? `${cause.name ?? 'Error'}: ${cause.message}`
      : error.statusText;
    return Object.assign(
      new Error(`Shipyard answered ${error.statusCode} ${detail}`),
      { name: cause?.name ?? 'ResponseError', statusCode: error.statusCode },
    );
  }
  return error;
}

/** Runs a Shipyard call and rethrows its failure with the server's message. */
export async function callShipyard<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw explainShipyardError(error);
  }
}

/** The state of the service in one of its workspaces. */
export async function workspaceState(
  client: ShipyardApi,
  entityRef: string,
  workspace: string,
): Promise<ServiceWorkspaceState> {
  const states = await callShipyard(() =>
    client.getServiceWorkspaces(entityRef),
  );
  const state = states.find(s => s.workspace.name === workspace);
  if (!state) {
    throw new InputError(
      `workspace: '${workspace}' is not one of ${entityRef}'s workspaces (${states
        .map(s => s.workspace.name)
        .join(', ')})`,
    );
  }
  return state;
}
