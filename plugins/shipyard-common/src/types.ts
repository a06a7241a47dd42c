import type {
  ActiveFreeze,
  AutoPromotionAttempt,
  AutoPromotionHold,
  FreezeWindow,
  VersionRejection,
  WorkspaceApproval,
} from './promotionPolicy';

/*
 * The Shipyard contract: the shapes the backend stores and serves, the
 * frontend shows and the scaffolder actions send. DESIGN.md §2, §4 and §5.
 */

/** A reference to a key of a Secret in the workspace's namespace. @public */
export interface SecretKeyRef {
  secretKeyRef: { name: string; key: string; optional?: boolean };
}

/** A reference to a key of a ConfigMap in the workspace's namespace. @public */
export interface ConfigMapKeyRef {
  configMapKeyRef: { name: string; key: string; optional?: boolean };
}

/** The value of an environment variable: a literal or a reference. @public */
export type EnvValue = string | SecretKeyRef | ConfigMapKeyRef;

/**
 * Where a port is reachable from outside the cluster: an Ingress rule, or an
 * HTTPRoute where the workspace routes through a Gateway. The host belongs
 * to the environment (kept on promotion).
 * @public
 */
export interface PortExpose {
  host: string;
  /** A path prefix; `/` when absent. */
  path?: string;
  /** Serve TLS with the certificate in Secret `<name>-tls` (Ingress only). */
  tls?: boolean;
}

/** A port the container listens on; exposed through a Service. @public */
export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  expose?: PortExpose;
}

/**
 * A volume mounted into the service's container at `path`: exactly one of a
 * Secret, a ConfigMap, a PersistentVolumeClaim (by name, in the workspace's
 * namespace) or an emptyDir. Secrets and ConfigMaps are mounted read-only.
 * @public
 */
export interface Mount {
  path: string;
  secret?: string;
  configMap?: string;
  persistentVolumeClaim?: string;
  emptyDir?: { sizeLimit?: string; medium?: 'Memory' };
  readOnly?: boolean;
}

/** All keys of a Secret or a ConfigMap as environment variables: exactly one of `secret`, `configMap`. @public */
export interface EnvFromSource {
  secret?: string;
  configMap?: string;
  /** Put before every variable name. */
  prefix?: string;
  optional?: boolean;
}

/** A port of a sidecar or init container: reachable in the pod, not through the Service. @public */
export interface ContainerPort {
  name?: string;
  port: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/** A sidecar or init container: its own image, command, args, env, ports, resources and probes. @public */
export interface ExtraContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: Record<string, EnvValue>;
  ports?: ContainerPort[];
  resources?: Resources;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
}

/** A Kubernetes toleration of a node taint. @public */
export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  tolerationSeconds?: number;
}

/** How a new version replaces the running pods. @public */
export interface DeploymentStrategy {
  type: 'RollingUpdate' | 'Recreate';
  /** RollingUpdate only: a number of pods or a percentage, e.g. `25%`. */
  maxSurge?: number | string;
  /** RollingUpdate only: a number of pods or a percentage. */
  maxUnavailable?: number | string;
}

/** A PodDisruptionBudget: exactly one of `minAvailable`, `maxUnavailable` (a number of pods or a percentage). @public */
export interface DisruptionBudget {
  minAvailable?: number | string;
  maxUnavailable?: number | string;
}

/** A Kubernetes container probe, restricted to the handlers Shipyard renders. @public */
export interface Probe {
  httpGet?: {
    path?: string;
    port: number | string;
    scheme?: 'HTTP' | 'HTTPS';
  };
  tcpSocket?: { port: number | string };
  grpc?: { port: number; service?: string };
  exec?: { command: string[] };
  initialDelaySeconds?: number;
  periodSeconds?: number;
  timeoutSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}

/** Compute requests and limits, as Kubernetes quantities. @public */
export interface ResourceList {
  cpu?: string;
  memory?: string;
  'ephemeral-storage'?: string;
  /** Extended resources by their domain-prefixed name, e.g. `nvidia.com/gpu: "1"`. */
  [extended: `${string}/${string}`]: string | undefined;
}

/** Requests and limits of the container. @public */
export interface Resources {
  requests?: ResourceList;
  limits?: ResourceList;
}

/** Horizontal autoscaling, rendered to an autoscaling/v2 HorizontalPodAutoscaler. @public */
export interface Autoscaling {
  minReplicas: number;
  maxReplicas: number;
  targetCPUUtilizationPercentage?: number;
  targetMemoryUtilizationPercentage?: number;
}

/** The deployable configuration of a service (spec v1, DESIGN §4). @public */
export interface ServiceSpec {
  image: string;
  command?: string[];
  args?: string[];
  ports?: ServicePort[];
  env?: Record<string, EnvValue>;
  resources?: Resources;
  replicas?: number;
  autoscaling?: Autoscaling;
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  /** Secret, ConfigMap, PersistentVolumeClaim and emptyDir volumes in the service's container. */
  mounts?: Mount[];
  envFrom?: EnvFromSource[];
  sidecars?: ExtraContainer[];
  initContainers?: ExtraContainer[];
  serviceAccountName?: string;
  /** Names of Secrets in the namespace to pull images with. */
  imagePullSecrets?: string[];
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  strategy?: DeploymentStrategy;
  terminationGracePeriodSeconds?: number;
  /** A command the service's container runs before it is stopped. */
  preStop?: string[];
  /** Rendered to a policy/v1 PodDisruptionBudget; removed when absent. */
  disruptionBudget?: DisruptionBudget;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** A named environment tier; a higher `tier` is further along the path to production. @public */
export interface Environment {
  name: string;
  tier: number;
}

/** A cluster + namespace Shipyard deploys to (DESIGN §2). @public */
export interface Workspace {
  name: string;
  title?: string;
  environment: string;
  /** The tier of the workspace's environment (dev 0 < staging 1 < prod 2 by default). */
  tier: number;
  /** A cluster name from the Kubernetes plugin's configuration, or undefined when none is configured. */
  cluster?: string;
  namespace: string;
  protected: boolean;
  /** Roll back to the last succeeded version when a rollout fails. */
  autoRollback: boolean;
  /** Keep at most this many versions per service; undefined keeps all. */
  retention?: number;
  /** How long a rollout may make no progress before it fails; 120 when absent. */
  progressDeadlineSeconds?: number;
  /** Why versions of this workspace are recorded but not applied, when they are. */
  notApplied?: string;
  /** Label and annotation keys this workspace permits or refuses beyond the default policy. */
  labelPolicy?: LabelPolicy;
  /** The security contexts rendered pods get here instead of the restricted defaults. */
  securityContext?: WorkspaceSecurityContext;
  /** How exposed ports are reached here: an Ingress class, or a Gateway for HTTPRoutes. */
  expose?: WorkspaceExpose;
  /** Approvals a promotion into this workspace needs; none when absent. */
  approval?: WorkspaceApproval;
  /** How long a version must have succeeded in its workspace before it is promoted here; 0 when absent. */
  soakSeconds?: number;
  /** Windows in which deploys and promotions into this workspace are refused. */
  freezes?: FreezeWindow[];
}

/**
 * How a workspace exposes ports that set `expose`: an Ingress
 * (`networking.k8s.io/v1`) of `ingressClassName`, or, when `gateway` is
 * given, a Gateway API HTTPRoute attached to that Gateway.
 * @public
 */
export interface WorkspaceExpose {
  ingressClassName?: string;
  gateway?: { name: string; namespace?: string };
}

/**
 * Label and annotation keys a workspace permits or refuses in specs, on top
 * of the default policy (Kubernetes' and Shipyard's reserved prefixes). An
 * entry ending in `/` is a domain with its subdomains (`k8s.io/`); any other
 * entry is one exact key (`kubernetes.io/change-cause`).
 * @public
 */
export interface LabelPolicy {
  /** Keys permitted although the default policy reserves them. */
  allow?: string[];
  /** Keys refused in addition to the default policy. */
  deny?: string[];
}

/**
 * An operator's replacement for the restricted security contexts Shipyard
 * renders by default; each given level replaces the default entirely, and an
 * empty object renders none. Specs cannot set security contexts.
 * @public
 */
export interface WorkspaceSecurityContext {
  /** The pod's `spec.template.spec.securityContext` (a Kubernetes PodSecurityContext). */
  pod?: Record<string, unknown>;
  /** The container's `securityContext` (a Kubernetes SecurityContext). */
  container?: Record<string, unknown>;
}

/** Where a version came from. @public */
export interface VersionOrigin {
  type:
    | 'deploy'
    | 'edit'
    | 'rollback'
    | 'promotion'
    | 'auto-promotion'
    | 'scaffolder'
    | 'cli'
    | 'assistant';
  /** For a rollback: the version rolled back to. For a promotion: the source version. */
  version?: number;
  /** For a promotion or auto-promotion: the source workspace. */
  workspace?: string;
  /** Why the system itself created this version, e.g. an automatic rollback. */
  automatic?: string;
}

/**
 * The lifecycle of a version. `recorded` means stored but not applied,
 * because the workspace has no cluster configured.
 * @public
 */
export type VersionStatus =
  | 'pending'
  | 'applying'
  | 'progressing'
  | 'succeeded'
  | 'failed'
  | 'recorded';

/** Rollout progress of a Deployment, as the cluster reports it. @public */
export interface RolloutProgress {
  desiredReplicas: number;
  updatedReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  observedGeneration?: number;
  generation?: number;
  message?: string;
}

/** One deployed version of a service in a workspace. @public */
export interface Version {
  /** Entity ref of the service, e.g. `component:default/payments`. */
  service: string;
  workspace: string;
  number: number;
  spec: ServiceSpec;
  /** sha256 of the canonical JSON of the spec. */
  specHash: string;
  origin: VersionOrigin;
  status: VersionStatus;
  /** The cluster's own message for a failure, or why a version was not applied. */
  statusMessage?: string;
  rollout?: RolloutProgress;
  createdBy: string;
  createdAt: string;
  message?: string;
  appliedAt?: string;
  finishedAt?: string;
  /** Set when the version, or another with the same spec, was rejected: it is not promoted or rolled back to. */
  rejection?: VersionRejection;
  /** What to check after the promotion that created the version; absent for other versions. */
  checklist?: VersionChecklistItem[];
}

/** One item of a promotion's checklist, stored with the version it created. @public */
export interface VersionChecklistItem {
  /** 1, 2, … in the order the plan listed the items. */
  id: number;
  text: string;
  /** Who ticked the item off, and when; absent while it is open. */
  done?: { by: string; at: string };
}

/** A minimal Kubernetes object as rendered by Shipyard. @public */
export interface KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** A version together with the manifests it renders to. @public */
export interface VersionDetail extends Version {
  manifests: KubernetesObject[];
}

/** A page of versions, newest first. @public */
export interface VersionPage {
  items: Version[];
  /** Pass as `cursor` to get the next (older) page; absent on the last page. */
  nextCursor?: string;
  totalCount: number;
}

/** An operation lease on a (service, workspace). @public */
export interface Lease {
  holder: string;
  operation: string;
  acquiredAt: string;
  expiresAt: string;
  /** The fencing token: bumped by every acquisition. */
  generation?: number;
  /** `following` once the holder only follows a rollout; a rollback may then preempt it. */
  phase?: 'following';
}

/** Drift between the live objects and what the current version rendered. @public */
export interface DriftReport {
  checkedAt: string;
  drifted: boolean;
  fields: Array<{ path: string; expected?: unknown; live?: unknown }>;
}

/** The state of a service in one workspace. @public */
export interface ServiceWorkspaceState {
  workspace: Workspace;
  currentVersion?: Version;
  latestVersion?: Version;
  versionCount: number;
  drift?: DriftReport;
  lease?: Lease;
  /** The hold on automatic promotion into this workspace a rollback placed. */
  hold?: AutoPromotionHold;
  /** The freeze window in force now. */
  freeze?: ActiveFreeze;
  /** The last automatic promotion attempt into this workspace. */
  autoPromotion?: AutoPromotionAttempt;
}

/** One field-level difference between two specs. @public */
export interface SpecChange {
  /** Dotted path, e.g. `image`, `env.LOG_LEVEL`, `resources.limits.cpu`, `ports`. */
  path: string;
  kind: 'added' | 'removed' | 'changed';
  before?: unknown;
  after?: unknown;
}

/** A version address across workspaces, `dev:3`. @public */
export interface VersionAddress {
  workspace: string;
  version: number;
}

/** A structured diff of two versions. @public */
export interface VersionDiff {
  from: VersionAddress;
  to: VersionAddress;
  changes: SpecChange[];
}

/** What the planner decided for one field (DESIGN §1). @public */
export type PlanAction =
  | 'overwrite'
  | 'retain'
  | 'needs-input'
  | 'remove'
  | 'unchanged';

/** One classified field of a promotion or rollback plan. @public */
export interface PlanChange {
  path: string;
  action: PlanAction;
  /** What the target runs now (absent in an empty target). */
  from?: unknown;
  /** What the target will run (absent for needs-input until given, and for remove). */
  to?: unknown;
  /** What the source runs, when it differs from `to` (e.g. the offered value of a new env key). */
  source?: unknown;
  reason: string;
}

/** A blocker stops execution; a warning is for the reviewer. @public */
export interface PlanIssue {
  code: string;
  path?: string;
  message: string;
}

/** Per-field strategy of the promotion planner. @public */
export type FieldStrategy = 'source' | 'target';

/** Strategy for label and annotation maps. @public */
export type MapStrategy =
  | 'merge-source-wins'
  | 'merge-target-wins'
  | 'source'
  | 'target';

/** The spec fields a field rule can name: every field but the maps (env, labels, annotations), which have rules of their own. @public */
export type PromotableField = Exclude<
  keyof ServiceSpec,
  'env' | 'labels' | 'annotations'
>;

/** Promotion rules, configurable per installation and per service (DESIGN §1). @public */
export interface PromotionRules {
  fields: Record<PromotableField, FieldStrategy>;
  env: {
    /** Keys new in the source: ask for a target value, or copy the source's. */
    newKeys: 'needs-input' | 'copy-source';
    /** Keys the target has and the source no longer has. */
    removedKeys: 'remove' | 'retain';
    /** Values of keys both have. */
    existingValues: 'target' | 'source';
  };
  labels: MapStrategy;
  annotations: MapStrategy;
}

/** Values given for `needs-input` fields at execution. @public */
export interface PromotionInputs {
  env?: Record<string, EnvValue>;
  /** Values of needs-input changes outside env, keyed by the change's path, e.g. `ports[0].expose.host`. */
  values?: Record<string, unknown>;
}

/** The computed result of a promotion before it runs (DESIGN §2 "Plan"). @public */
export interface PromotionPlan {
  service: string;
  source: VersionAddress;
  /** `version` is absent when the target workspace has no version yet. */
  target: { workspace: string; version?: number };
  firstPromotion: boolean;
  /** The resulting spec; keys that need input carry no value until inputs resolve them. */
  spec: ServiceSpec;
  changes: PlanChange[];
  blockers: PlanIssue[];
  warnings: PlanIssue[];
  /** What to review after promotion (env vars pointing at other databases, scaling). */
  checklist: string[];
  /** Echo this in the execute call; a different hash means the plan is stale (409). */
  planHash: string;
}

/** A rollback preview: the diff from the current version and warnings. @public */
export interface RollbackPlan {
  service: string;
  workspace: string;
  fromVersion?: number;
  toVersion: number;
  changes: SpecChange[];
  warnings: PlanIssue[];
}

/** Request bodies of the HTTP API (DESIGN §5). @public */
export interface DeployRequest {
  spec: ServiceSpec;
  message?: string;
  expectedCurrentVersion?: number;
  /** `edit` when the UI's Edit action deploys, `cli` from the CLI; `deploy` by default. */
  origin?: 'deploy' | 'edit' | 'scaffolder' | 'cli' | 'assistant';
  /** Deploy although Secret or ConfigMap keys the spec references are missing in the namespace (otherwise 409 naming each). */
  allowMissingReferences?: boolean;
  /** Deploy during a freeze window of the workspace (otherwise 409): needs `shipyard.freeze.override`. */
  freezeOverride?: FreezeOverride;
}

/** Going ahead during a freeze window, and why: the reason is required and audited. @public */
export interface FreezeOverride {
  reason: string;
}

/**
 * What a deploy of a spec would meet, checked before it is sent: blockers
 * (a Secret or ConfigMap key its env reads that the namespace lacks) and
 * warnings (a literal in a secret-looking variable). Nothing is stored.
 * @public
 */
export interface DeployPreflight {
  blockers: PlanIssue[];
  warnings: PlanIssue[];
}

/** @public */
export interface RollbackRequest {
  reason?: string;
  expectedCurrentVersion?: number;
  /** Reject the version rolled back away from (the current one) in the same step. */
  reject?: { reason: string };
}

/** @public */
export interface PromotionPlanRequest {
  source: string;
  target: string;
  /** Plan from this source version instead of its current one. */
  sourceVersion?: number;
  /**
   * Fields the rules keep in the target that this promotion takes from the
   * source after all, e.g. `resources` set only in the source. They change
   * the plan (and its hash), so the promote call sends the same list.
   */
  take?: PromotableField[];
  /**
   * Values to check with the plan, as the promote call would send them:
   * problems with them (a blank value, a Secret or ConfigMap key missing in
   * the target) come back as blockers; the plan hash does not change.
   */
  inputs?: PromotionInputs;
}

/** @public */
export interface PromotionExecuteRequest extends PromotionPlanRequest {
  planHash: string;
  reason?: string;
  /** Promote during a freeze window of the target (otherwise 409): needs `shipyard.freeze.override`. */
  freezeOverride?: FreezeOverride;
}

/** One problem found in a spec: a dotted field path (`ports[0].port`) and what is wrong. @public */
export interface SpecError {
  path: string;
  message: string;
}

/** Promotion rules as an installation or a service overrides them: any subset of {@link PromotionRules}. @public */
export interface PromotionRulesOverride {
  fields?: Partial<Record<PromotableField, FieldStrategy>>;
  env?: Partial<PromotionRules['env']>;
  labels?: MapStrategy;
  annotations?: MapStrategy;
}

/** One object a version renders, as found in the cluster. @public */
export interface LiveObject {
  kind: string;
  name: string;
  exists: boolean;
  ready?: boolean;
  message?: string;
}

/** The live state of a service in one workspace (GET `.../workspaces/{ws}/live`). @public */
export interface LiveState {
  workspace: string;
  currentVersion?: number;
  objects: LiveObject[];
  rollout?: RolloutProgress;
  drift?: DriftReport;
}
