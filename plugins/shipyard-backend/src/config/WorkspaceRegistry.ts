import { Config } from '@backstage/config';
import { InputError, NotFoundError } from '@backstage/errors';
import {
  CONTAINER_SECURITY_CONTEXT_FIELDS,
  LabelPolicy,
  labelPolicyConfigErrors,
  POD_SECURITY_CONTEXT_FIELDS,
  FreezeWindow,
  PromotionRulesOverride,
  Workspace,
  WorkspaceSecurityContext,
} from '@shipyard/backstage-plugin-common';
import { readFreezeWindow } from '../promotion/freezeWindows';

const DEFAULT_ENVIRONMENTS = ['dev', 'staging', 'prod'];
const WORKSPACE_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The cluster names of `kubernetes.clusterLocatorMethods`, or undefined when
 * a locator other than `config` may add clusters we cannot list here.
 */
function kubernetesClusterNames(config: Config): string[] | undefined {
  const methods = config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  if (methods.some(m => m.getString('type') !== 'config')) return undefined;
  return methods.flatMap(m => (m.getOptionalConfigArray('clusters') ?? []).map(c => c.getString('name')));
}

/** `shipyard.workspaces[].labelPolicy`: allow and deny lists of label and annotation keys. */
function readLabelPolicy(ws: Config, at: string): LabelPolicy | undefined {
  const config = ws.getOptionalConfig('labelPolicy');
  if (!config) return undefined;
  for (const key of config.keys()) {
    if (key !== 'allow' && key !== 'deny') {
      throw new InputError(`${at}.labelPolicy.${key}: unknown field; labelPolicy has allow and deny`);
    }
  }
  const policy: LabelPolicy = {};
  const allow = config.getOptionalStringArray('allow');
  const deny = config.getOptionalStringArray('deny');
  if (allow) policy.allow = allow;
  if (deny) policy.deny = deny;
  const errors = labelPolicyConfigErrors(policy);
  if (errors.length) {
    throw new InputError(errors.map(e => `${at}.labelPolicy.${e.path}: ${e.message}`).join('; '));
  }
  return policy;
}

/**
 * `shipyard.workspaces[].securityContext`: the operator's pod and container
 * security contexts, each replacing Shipyard's restricted default. Field
 * names are checked here so a typo fails the backend, not every rollout;
 * the values are checked by the API server's dry run.
 */
function readSecurityContext(ws: Config, at: string): WorkspaceSecurityContext | undefined {
  const config = ws.getOptionalConfig('securityContext');
  if (!config) return undefined;
  const result: WorkspaceSecurityContext = {};
  const levels: Array<[keyof WorkspaceSecurityContext, readonly string[]]> = [
    ['pod', POD_SECURITY_CONTEXT_FIELDS],
    ['container', CONTAINER_SECURITY_CONTEXT_FIELDS],
  ];
  for (const key of config.keys()) {
    if (!levels.some(([level]) => level === key)) {
      throw new InputError(`${at}.securityContext.${key}: unknown field; securityContext has pod and container`);
    }
  }
  for (const [level, fields] of levels) {
    const value = config.getOptional(level);
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new InputError(`${at}.securityContext.${level}: must be an object (a Kubernetes ${level === 'pod' ? 'PodSecurityContext' : 'SecurityContext'}); {} renders none`);
    }
    for (const field of Object.keys(value)) {
      if (!fields.includes(field)) {
        throw new InputError(
          `${at}.securityContext.${level}.${field}: not a field of a Kubernetes ${level === 'pod' ? 'PodSecurityContext' : 'SecurityContext'} (${fields.join(', ')})`,
        );
      }
    }
    result[level] = value as Record<string, unknown>;
  }
  return result;
}

/**
 * `shipyard.workspaces[].expose`: the Ingress class of exposed ports, or
 * the Gateway their HTTPRoutes attach to.
 */
function readExpose(ws: Config, at: string): Workspace['expose'] {
  const config = ws.getOptionalConfig('expose');
  if (!config) return undefined;
  for (const key of config.keys()) {
    if (key !== 'ingressClassName' && key !== 'gateway') {
      throw new InputError(`${at}.expose.${key}: unknown field; expose has ingressClassName and gateway`);
    }
  }
  const ingressClassName = config.getOptionalString('ingressClassName');
  const gateway = config.getOptionalConfig('gateway');
  if (ingressClassName !== undefined && gateway) {
    throw new InputError(`${at}.expose: give ingressClassName or gateway, not both`);
  }
  if (!gateway) return { ingressClassName };
  for (const key of gateway.keys()) {
    if (key !== 'name' && key !== 'namespace') {
      throw new InputError(`${at}.expose.gateway.${key}: unknown field; gateway has name and namespace`);
    }
  }
  return { gateway: { name: gateway.getString('name'), namespace: gateway.getOptionalString('namespace') } };
}

/**
 * `shipyard.workspaces[].approval`, `soakSeconds` and `freezes`: the
 * promotion policy of the workspace as a target.
 */
function readPromotionPolicy(ws: Config, at: string): Pick<Workspace, 'approval' | 'soakSeconds' | 'freezes'> {
  const policy: Pick<Workspace, 'approval' | 'soakSeconds' | 'freezes'> = {};
  const approval = ws.getOptionalConfig('approval');
  if (approval) {
    for (const key of approval.keys()) {
      if (key !== 'required') {
        throw new InputError(`${at}.approval.${key}: unknown field; approval has required`);
      }
    }
    const required = approval.getOptional('required');
    if (typeof required !== 'number' || !Number.isInteger(required) || required < 0) {
      throw new InputError(`${at}.approval.required: must be a whole number of approvals, 0 or more`);
    }
    if (required > 0) policy.approval = { required };
  }
  const soak = ws.getOptional('soakSeconds');
  if (soak !== undefined) {
    if (typeof soak !== 'number' || !Number.isInteger(soak) || soak < 0) {
      throw new InputError(`${at}.soakSeconds: must be a whole number of seconds, 0 or more`);
    }
    if (soak > 0) policy.soakSeconds = soak;
  }
  const freezes = ws.getOptional('freezes');
  if (freezes !== undefined) {
    if (!Array.isArray(freezes)) {
      throw new InputError(`${at}.freezes: must be a list of freeze windows`);
    }
    const windows: FreezeWindow[] = freezes.map((f, i) => readFreezeWindow(f, `${at}.freezes[${i}]`));
    const names = new Set<string>();
    for (const [i, window] of windows.entries()) {
      if (names.has(window.name)) {
        throw new InputError(`${at}.freezes[${i}].name: '${window.name}' names two windows`);
      }
      names.add(window.name);
    }
    if (windows.length) policy.freezes = windows;
  }
  return policy;
}

/**
 * The workspaces configured under `shipyard.workspaces`, validated once at
 * start-up so a typo fails the backend rather than a deploy.
 * @public
 */
export class WorkspaceRegistry {
  static fromConfig(config: Config, options: { onWarning?: (message: string) => void } = {}): WorkspaceRegistry {
    const knownClusters = kubernetesClusterNames(config);
    const root = config.getOptionalConfig('shipyard');
    const environments =
      root?.getOptionalStringArray('environments') ?? DEFAULT_ENVIRONMENTS;
    const workspaces = (root?.getOptionalConfigArray('workspaces') ?? []).map(
      (ws, index): Workspace => {
        const at = `shipyard.workspaces[${index}]`;
        const name = ws.getString('name');
        if (!WORKSPACE_NAME.test(name)) {
          throw new InputError(
            `${at}.name: '${name}' must be a lowercase DNS label (a-z, 0-9, '-')`,
          );
        }
        const environment = ws.getString('environment');
        const tier = environments.indexOf(environment);
        if (tier < 0) {
          throw new InputError(
            `${at}.environment: '${environment}' is not one of shipyard.environments (${environments.join(', ')})`,
          );
        }
        const retention = ws.getOptionalNumber('retention');
        if (retention !== undefined && (!Number.isInteger(retention) || retention < 1)) {
          throw new InputError(`${at}.retention: must be a positive integer`);
        }
        const progressDeadlineSeconds = ws.getOptionalNumber('progressDeadlineSeconds');
        if (
          progressDeadlineSeconds !== undefined &&
          (!Number.isInteger(progressDeadlineSeconds) || progressDeadlineSeconds < 1)
        ) {
          throw new InputError(`${at}.progressDeadlineSeconds: must be a positive integer`);
        }
        let cluster = ws.getOptionalString('cluster');
        let notApplied: string | undefined;
        if (!cluster) {
          notApplied = `workspace '${name}' has no cluster configured`;
        } else if (knownClusters && !knownClusters.includes(cluster)) {
          notApplied = `cluster '${cluster}' of workspace '${name}' is not one of the Kubernetes plugin's clusters (${knownClusters.join(', ') || 'none configured'})`;
          options.onWarning?.(`Shipyard: ${notApplied}; its versions are recorded but not applied`);
          cluster = undefined;
        }
        return {
          name,
          title: ws.getOptionalString('title'),
          environment,
          tier,
          cluster,
          notApplied,
          namespace: ws.getString('namespace'),
          protected: ws.getOptionalBoolean('protected') ?? false,
          autoRollback: ws.getOptionalBoolean('autoRollback') ?? false,
          retention,
          progressDeadlineSeconds,
          labelPolicy: readLabelPolicy(ws, at),
          securityContext: readSecurityContext(ws, at),
          expose: readExpose(ws, at),
          ...readPromotionPolicy(ws, at),
        };
      },
    );
    const seen = new Set<string>();
    for (const ws of workspaces) {
      if (seen.has(ws.name)) {
        throw new InputError(`shipyard.workspaces: duplicate workspace name '${ws.name}'`);
      }
      seen.add(ws.name);
    }
    const rules = root?.getOptional<PromotionRulesOverride>('promotion.rules');
    return new WorkspaceRegistry(workspaces, rules);
  }

  constructor(
    private readonly workspaces: Workspace[],
    readonly promotionRules?: PromotionRulesOverride,
  ) {}

  list(): Workspace[] {
    return this.workspaces;
  }

  /** The workspace by name; NotFoundError naming the known ones otherwise. */
  get(name: string): Workspace {
    const ws = this.workspaces.find(w => w.name === name);
    if (!ws) {
      throw new NotFoundError(
        `workspace: '${name}' is not configured; known workspaces are ${this.workspaces.map(w => w.name).join(', ') || 'none'}`,
      );
    }
    return ws;
  }
}
