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

/** The Shipyard HTTP API (DESIGN §5) as the frontend and scaffolder actions call it; `entityRef` is e.g. `component:default/payments`. @public */
export interface ShipyardApi {
  /** GET `/workspaces`: the configured workspaces (the route answers `{ items }`). */
  getWorkspaces(): Promise<Workspace[]>;
  /** GET `/services/{ref}/workspaces`: the service in each of its workspaces (the route answers `{ items }`). */
  getServiceWorkspaces(entityRef: string): Promise<ServiceWorkspaceState[]>;
  /** GET `/services/{ref}/workspaces/{ws}/versions?limit&cursor`: a page of versions, newest first. */
  listVersions(
    entityRef: string,
    workspace: string,
    options?: { limit?: number; cursor?: string },
  ): Promise<VersionPage>;
  /** GET `/services/{ref}/workspaces/{ws}/versions/{n}`: one version with its manifests. */
  getVersion(
    entityRef: string,
    workspace: string,
    version: number,
  ): Promise<VersionDetail>;
  /** POST `/services/{ref}/workspaces/{ws}/versions`: deploys a spec as the next version. */
  deploy(
    entityRef: string,
    workspace: string,
    request: DeployRequest,
  ): Promise<Version>;
  /** POST `/services/{ref}/workspaces/{ws}/preflight`: what a deploy of `spec` would meet (missing Secrets, warnings); stores nothing. */
  preflightDeploy(
    entityRef: string,
    workspace: string,
    spec: ServiceSpec,
  ): Promise<DeployPreflight>;
  /** POST `/services/{ref}/workspaces/{ws}/versions/{n}/rollback`: a new version with version n's spec. */
  rollback(
    entityRef: string,
    workspace: string,
    version: number,
    request?: RollbackRequest,
  ): Promise<Version>;
  /** GET `/services/{ref}/workspaces/{ws}/versions/{n}/rollback-plan`: what a rollback to n would change. */
  previewRollback(
    entityRef: string,
    workspace: string,
    version: number,
  ): Promise<RollbackPlan>;
  /** GET `/services/{ref}/diff?from=ws:n&to=ws:m`: a structured diff of two versions. */
  diff(
    entityRef: string,
    from: VersionAddress,
    to: VersionAddress,
  ): Promise<VersionDiff>;
  /** POST `/services/{ref}/promotions/plan`: the plan of a promotion. */
  planPromotion(
    entityRef: string,
    request: PromotionPlanRequest,
  ): Promise<PromotionPlan>;
  /** POST `/services/{ref}/promotions`: executes a plan, echoing its hash. */
  promote(
    entityRef: string,
    request: PromotionExecuteRequest,
  ): Promise<Version>;
  /** GET `/services/{ref}/workspaces/{ws}/live`: live objects, rollout and drift. */
  getLive(entityRef: string, workspace: string): Promise<LiveState>;
  /** DELETE `/services/{ref}/workspaces/{ws}/lease`: releases a stuck operation lease. */
  releaseLease(entityRef: string, workspace: string): Promise<void>;
}
