import type { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  entityRefToPath,
  ShipyardClient,
  type PromotionRequest,
  type PromotionRequestCreate,
  type PromotionRequestStatus,
  type Version,
} from '@shipyard/backstage-plugin-common';
import type { ShipyardFrontendApi } from './ShipyardApiRef';

/**
 * The frontend's Shipyard client: the shared {@link ShipyardClient} on the
 * app's discovery and fetch APIs, so every request carries the user's token,
 * plus the promotion policy's routes.
 * @public
 */
export class ShipyardApiClient
  extends ShipyardClient
  implements ShipyardFrontendApi
{
  private readonly apis: { discoveryApi: DiscoveryApi; fetchApi: FetchApi };

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    super({ discoveryApi: options.discoveryApi, fetchApi: options.fetchApi });
    this.apis = options;
  }

  async rejectVersion(
    entityRef: string,
    workspace: string,
    version: number,
    reason: string,
  ): Promise<Version> {
    return this.call(
      'POST',
      `${versionPath(entityRef, workspace, version)}/reject`,
      {
        reason,
      },
    );
  }

  async unrejectVersion(
    entityRef: string,
    workspace: string,
    version: number,
  ): Promise<Version> {
    return this.call(
      'DELETE',
      `${versionPath(entityRef, workspace, version)}/reject`,
    );
  }

  async updateChecklistItem(
    entityRef: string,
    workspace: string,
    version: number,
    item: number,
    done: boolean,
  ): Promise<Version> {
    return this.call(
      'POST',
      `${versionPath(entityRef, workspace, version)}/checklist/${item}`,
      { done },
    );
  }

  async liftHold(entityRef: string, workspace: string): Promise<void> {
    await this.call('DELETE', `${workspacePath(entityRef, workspace)}/hold`);
  }

  async requestPromotion(
    entityRef: string,
    request: PromotionRequestCreate,
  ): Promise<PromotionRequest> {
    return this.call(
      'POST',
      `/services/${entityRefToPath(entityRef)}/promotions/requests`,
      request,
    );
  }

  async listPromotionRequests(
    options: { entityRef?: string; status?: PromotionRequestStatus[] } = {},
  ): Promise<PromotionRequest[]> {
    const query = options.status?.length
      ? `?status=${encodeURIComponent(options.status.join(','))}`
      : '';
    const path = options.entityRef
      ? `/services/${entityRefToPath(options.entityRef)}/promotions/requests`
      : '/promotion-requests';
    const body = await this.call<
      PromotionRequest[] | { items: PromotionRequest[] }
    >('GET', `${path}${query}`);
    return Array.isArray(body) ? body : body.items;
  }

  async approvePromotionRequest(
    id: string,
    reason?: string,
  ): Promise<PromotionRequest> {
    return this.call('POST', `${requestPath(id)}/approve`, { reason });
  }

  async declinePromotionRequest(
    id: string,
    reason?: string,
  ): Promise<PromotionRequest> {
    return this.call('POST', `${requestPath(id)}/decline`, { reason });
  }

  async executePromotionRequest(id: string): Promise<PromotionRequest> {
    return this.call('POST', `${requestPath(id)}/execute`, {});
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<T> {
    const baseUrl = await this.apis.discoveryApi.getBaseUrl('shipyard');
    const response = await this.apis.fetchApi.fetch(`${baseUrl}${path}`, {
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
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }
}

function workspacePath(entityRef: string, workspace: string): string {
  return `/services/${entityRefToPath(
    entityRef,
  )}/workspaces/${encodeURIComponent(workspace)}`;
}

function versionPath(entityRef: string, workspace: string, version: number) {
  return `${workspacePath(entityRef, workspace)}/versions/${version}`;
}

function requestPath(id: string): string {
  return `/promotion-requests/${encodeURIComponent(id)}`;
}
