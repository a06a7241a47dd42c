import type { Entity } from '@backstage/catalog-model';
import { ResponseError } from '@backstage/errors';
import { identityApiRef, type ApiRef } from '@backstage/core-plugin-api';
import {
  TestApiProvider,
  mockApis,
  renderInTestApp,
} from '@backstage/test-utils';
import { EntityProvider } from '@backstage/plugin-catalog-react';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { permissionApiRef } from '@backstage/plugin-permission-react';
import type {
  PromotionPlan,
  ServiceSpec,
  ServiceWorkspaceState,
  Version,
  Workspace,
} from '@shipyard/backstage-plugin-common';
import { ReactElement } from 'react';
import { SWRConfig } from 'swr';
import { shipyardApiRef, type ShipyardFrontendApi } from '../api';

/** A ShipyardFrontendApi whose every method is a jest mock; tests set what they need. */
export type MockShipyardApi = { [K in keyof ShipyardFrontendApi]: jest.Mock };

export function mockShipyardApi(
  overrides: Partial<MockShipyardApi> = {},
): MockShipyardApi {
  return {
    getWorkspaces: jest.fn().mockResolvedValue([]),
    getServiceWorkspaces: jest.fn().mockResolvedValue([]),
    listVersions: jest.fn().mockResolvedValue({ items: [], totalCount: 0 }),
    getVersion: jest.fn(),
    deploy: jest.fn(),
    preflightDeploy: jest
      .fn()
      .mockResolvedValue({ blockers: [], warnings: [] }),
    rollback: jest.fn(),
    previewRollback: jest.fn(),
    diff: jest.fn(),
    planPromotion: jest.fn(),
    promote: jest.fn(),
    getLive: jest.fn(),
    releaseLease: jest.fn(),
    rejectVersion: jest.fn(),
    unrejectVersion: jest.fn(),
    updateChecklistItem: jest.fn(),
    liftHold: jest.fn(),
    requestPromotion: jest.fn(),
    listPromotionRequests: jest.fn().mockResolvedValue([]),
    approvePromotionRequest: jest.fn(),
    declinePromotionRequest: jest.fn(),
    executePromotionRequest: jest.fn(),
    ...overrides,
  };
}

export const entity: Entity = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Component',
  metadata: {
    name: 'payments',
    namespace: 'default',
    annotations: {
      'shipyard/workspaces': 'dev, staging, prod',
      'shipyard/promotion': 'dev -> staging -> prod',
    },
  },
  spec: {
    type: 'service',
    owner: 'group:default/payments-team',
    lifecycle: 'production',
  },
};

export const ENTITY_REF = 'component:default/payments';

/** Who the component tests are signed in as. */
export const SIGNED_IN_USER = 'user:default/alice';

const TIERS: Record<string, number> = { dev: 0, staging: 1, prod: 2 };

export function workspace(
  name: string,
  extra: Partial<Workspace> = {},
): Workspace {
  return {
    name,
    environment: name,
    tier: TIERS[name] ?? 0,
    cluster: 'local',
    namespace: `shipyard-${name}`,
    protected: name === 'prod',
    autoRollback: false,
    ...extra,
  };
}

export function spec(extra: Partial<ServiceSpec> = {}): ServiceSpec {
  return {
    image: 'ghcr.io/acme/payments:1.0.0',
    ports: [{ name: 'http', port: 8080 }],
    env: { LOG_LEVEL: 'info' },
    replicas: 2,
    ...extra,
  };
}

export function version(number: number, extra: Partial<Version> = {}): Version {
  return {
    service: ENTITY_REF,
    workspace: 'dev',
    number,
    spec: spec({ image: `ghcr.io/acme/payments:1.${number}.0` }),
    specHash: `hash-${number}`,
    origin: { type: 'deploy' },
    status: 'succeeded',
    createdBy: 'user:default/alice',
    createdAt: new Date(Date.now() - 5 * 60_000).toISOString(),
    message: `release ${number}`,
    ...extra,
  };
}

export function state(
  name: string,
  extra: Partial<ServiceWorkspaceState> = {},
): ServiceWorkspaceState {
  return { workspace: workspace(name), versionCount: 0, ...extra };
}

export function plan(extra: Partial<PromotionPlan> = {}): PromotionPlan {
  return {
    service: ENTITY_REF,
    source: { workspace: 'staging', version: 7 },
    target: { workspace: 'prod', version: 12 },
    firstPromotion: false,
    spec: spec({ image: 'ghcr.io/acme/payments:1.7.0', replicas: 6 }),
    changes: [
      {
        path: 'image',
        action: 'overwrite',
        from: 'ghcr.io/acme/payments:1.6.0',
        to: 'ghcr.io/acme/payments:1.7.0',
        reason: 'will change, from source: the artifact being promoted',
      },
      {
        path: 'replicas',
        action: 'retain',
        from: 6,
        to: 6,
        source: 2,
        reason: 'kept in target: prod sizes itself',
      },
      {
        path: 'env.FEATURE_FLAG',
        action: 'needs-input',
        source: 'on',
        reason: 'new in source: give its value for prod',
      },
      {
        path: 'env.OLD_KEY',
        action: 'remove',
        from: 'x',
        reason: 'gone from source',
      },
      {
        path: 'ports',
        action: 'unchanged',
        from: [{ name: 'http', port: 8080 }],
        to: [{ name: 'http', port: 8080 }],
        reason: 'the same in source and target',
      },
    ],
    blockers: [
      {
        code: 'env-needs-input',
        path: 'env.FEATURE_FLAG',
        message: 'env.FEATURE_FLAG is new in staging: give its value for prod',
      },
    ],
    warnings: [
      {
        code: 'env-removed',
        path: 'env.OLD_KEY',
        message:
          'env.OLD_KEY is gone from staging and will be removed from prod',
      },
    ],
    checklist: [
      "env.DB_URL points at staging-db: point it at prod's own service",
    ],
    planHash: 'plan-hash-1',
    ...extra,
  };
}

/** A failed request as the client throws it: a ResponseError with the backend's error body. */
export async function responseError(
  statusCode: number,
  name: string,
  message: string,
): Promise<ResponseError> {
  const body = JSON.stringify({
    error: { name, message },
    request: { method: 'POST', url: '/api/shipyard' },
    response: { statusCode },
  });
  return ResponseError.fromResponse({
    ok: false,
    status: statusCode,
    statusText: statusCode === 409 ? 'Conflict' : 'Error',
    url: 'http://localhost:7007/api/shipyard',
    type: 'basic',
    redirected: false,
    headers: new Map([
      ['content-type', 'application/json'],
    ]) as unknown as Headers,
    text: async () => body,
  } as any);
}

/**
 * The APIs a Shipyard component needs: the mocked Shipyard API, the signed-in
 * user, a permission API that allows everything, and whatever `more` adds or
 * replaces (e.g. a permission API that denies).
 */
export function withDefaults(
  api: MockShipyardApi,
  more: Array<[ApiRef<any>, any]> = [],
): Array<[ApiRef<any>, any]> {
  const defaults: Array<[ApiRef<any>, any]> = [
    [shipyardApiRef, api],
    [identityApiRef, mockApis.identity({ userEntityRef: SIGNED_IN_USER })],
    [permissionApiRef, mockApis.permission()],
  ];
  return [
    ...defaults.filter(([ref]) => !more.some(([other]) => other.id === ref.id)),
    ...more,
  ];
}

/** The permission API denying the named permissions and allowing the rest, for `renderForEntity`'s `apis`. */
export function permissionsDenying(...names: string[]): [ApiRef<any>, any] {
  return [
    permissionApiRef,
    mockApis.permission({
      authorize: req =>
        names.includes(req.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
    }),
  ];
}

/** Renders a Shipyard component on the entity page of `payments`, with a mocked API. */
export function renderForEntity(
  element: ReactElement,
  api: MockShipyardApi,
  options: {
    entity?: Entity;
    routeEntries?: string[];
    /** More APIs, e.g. the Kubernetes plugin's. */
    apis?: Array<[ApiRef<any>, any]>;
  } = {},
) {
  return renderInTestApp(
    <TestApiProvider apis={withDefaults(api, options.apis)}>
      {/* usePermission caches answers in SWR's global cache: one cache per render, so tests do not leak permissions. */}
      <SWRConfig value={{ provider: () => new Map() }}>
        <EntityProvider entity={options.entity ?? entity}>
          {element}
        </EntityProvider>
      </SWRConfig>
    </TestApiProvider>,
    { routeEntries: options.routeEntries },
  );
}
