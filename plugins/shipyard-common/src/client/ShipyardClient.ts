import { ResponseError } from '@backstage/errors';
import { entityRefToPath } from '../catalog/entityRefPath';
import type {
  DeployPreflight,
  DeployRequest,
  LiveState,
  PromotionExecuteRequest,
  PromotionPlan,
  PromotionPlanRequest,
  RollbackPlan,
  RollbackRequest,
  ServiceSpec,
  ServiceWorkspaceState,
  Version,
  VersionAddress,
  VersionDetail,
  VersionDiff,
  VersionPage,
  Workspace,
} from '../types';
import type { ShipyardApi } from './ShipyardApi';

/** The client of the Shipyard backend, built on Backstage's discovery and fetch APIs. @public */
export class ShipyardClient implements ShipyardApi {
  private readonly discoveryApi: {
    getBaseUrl(pluginId: string): Promise<string>;
  };
  private readonly fetchApi: { fetch: typeof fetch };

  constructor(options: {
    discoveryApi: { getBaseUrl(pluginId: string): Promise<string> };
    fetchApi?: { fetch: typeof fetch };
  }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi ?? { fetch: (...args) => fetch(...args) };
  }

  async getWorkspaces(): Promise<Workspace[]> {
    return itemsOf(await this.request('GET', '/workspaces'));
  }

  async getServiceWorkspaces(
    entityRef: string,
  ): Promise<ServiceWorkspaceState[]> {
    return itemsOf(
      await this.request('GET', `${servicePath(entityRef)}/workspaces`),
    );
  }

  async listVersions(
    entityRef: string,
    workspace: string,
    options: { limit?: number; cursor?: string } = {},
  ): Promise<VersionPage> {
    const query = new URLSearchParams();
    if (options.limit !== undefined) {
      query.set('limit', String(options.limit));
    }
    if (options.cursor !== undefined) {
      query.set('cursor', options.cursor);
    }
    const search = query.toString();
    return this.request(
      'GET',
      `${workspacePath(entityRef, workspace)}/versions${
        search ? `?${search}` : ''
      }`,
    );
  }

  async getVersion(
    entityRef: string,
    workspace: string,
    version: number,
  ): Promise<VersionDetail> {
    return this.request('GET', versionPath(entityRef, workspace, version));
  }

  async deploy(
    entityRef: string,
    workspace: string,
    request: DeployRequest,
  ): Promise<Version> {
    return this.request(
      'POST',
      `${workspacePath(entityRef, workspace)}/versions`,
      request,
    );
  }

  async rollback(
    entityRef: string,
    workspace: string,
    version: number,
    request: RollbackRequest = {},
  ): Promise<Version> {
    return this.request(
      'POST',
      `${versionPath(entityRef, workspace, version)}/rollback`,
      request,
    );
  }

  async preflightDeploy(
    entityRef: string,
    workspace: string,
    spec: ServiceSpec,
  ): Promise<DeployPreflight> {
    return this.request(
      'POST',
      `${workspacePath(entityRef, workspace)}/preflight`,
      { spec },
    );
  }

  async previewRollback(
    entityRef: string,
    workspace: string,
    version: number,
  ): Promise<RollbackPlan> {
    return this.request(
      'GET',
      `${versionPath(entityRef, workspace, version)}/rollback-plan`,
    );
  }

  async diff(
    entityRef: string,
    from: VersionAddress,
    to: VersionAddress,
  ): Promise<VersionDiff> {
    const query = new URLSearchParams({
      from: `${from.workspace}:${from.version}`,
      to: `${to.workspace}:${to.version}`,
    });
    return this.request('GET', `${servicePath(entityRef)}/diff?${query}`);
  }

  async planPromotion(
    entityRef: string,
    request: PromotionPlanRequest,
  ): Promise<PromotionPlan> {
    return this.request(
      'POST',
      `${servicePath(entityRef)}/promotions/plan`,
      request,
    );
  }

  async promote(
    entityRef: string,
    request: PromotionExecuteRequest,
  ): Promise<Version> {
    return this.request(
      'POST',
      `${servicePath(entityRef)}/promotions`,
      request,
    );
  }

  async getLive(entityRef: string, workspace: string): Promise<LiveState> {
    return this.request('GET', `${workspacePath(entityRef, workspace)}/live`);
  }

  async releaseLease(entityRef: string, workspace: string): Promise<void> {
    await this.request(
      'DELETE',
      `${workspacePath(entityRef, workspace)}/lease`,
    );
  }

  private async request<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.discoveryApi.getBaseUrl('shipyard');
    const response = await this.fetchApi.fetch(`${baseUrl}${path}`, {
      method,
      ...(body !== undefined
        ? {
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          }
        : {}),
    });
    if (!response.ok) {
      throw await ResponseError.fromResponse(response);
    }
    if (response.status === 204) {
      return undefined as T;
    }
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

// The list routes answer `{ items }`, leaving room for paging.
function itemsOf<T>(body: T[] | { items: T[] }): T[] {
  return Array.isArray(body) ? body : body.items;
}

function servicePath(entityRef: string): string {
  return `/services/${entityRefToPath(entityRef)}`;
}

function workspacePath(entityRef: string, workspace: string): string {
  return `${servicePath(entityRef)}/workspaces/${encodeURIComponent(
    workspace,
  )}`;
}

function versionPath(
  entityRef: string,
  workspace: string,
  version: number,
): string {
  return `${workspacePath(entityRef, workspace)}/versions/${encodeURIComponent(
    String(version),
  )}`;
}
