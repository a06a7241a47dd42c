import { InputError } from '@backstage/errors';
import { z } from 'zod';
import type {
  LabelPolicy,
  Resources,
  ServiceSpec,
  SpecError,
  Workspace,
} from '../types';
import { canonicalJson } from './canonical';
import { envValue } from './fieldSchemas';
import { SPEC_FIELD_NAMES, SPEC_FIELDS, type SpecFieldName } from './fields';
import { labelPolicyErrors } from './labelPolicy';
import { SPEC_LIMITS, unstorableTextError } from './limits';
import { compareQuantities, parseQuantity } from './quantity';

export { RESERVED_ANNOTATION_KEYS, RESERVED_LABEL_KEYS } from './fieldSchemas';

const MAX_ANNOTATIONS_SIZE = 256 * 1024;

/** The zod schema of a service spec (DESIGN §4), field by field from {@link SPEC_FIELDS}; {@link parseSpec} adds the rules across fields and the size limits. @public */
export const serviceSpecSchema = z.strictObject(
  Object.fromEntries(
    SPEC_FIELD_NAMES.map(name => {
      const schema = SPEC_FIELDS[name].schema as z.ZodType;
      return [name, name === 'image' ? schema : schema.optional()];
    }),
  ) as Record<SpecFieldName, z.ZodType>,
);

/** The result of parsing a spec: the spec, or every problem found. @public */
export type ParseSpecResult =
  | { success: true; spec: ServiceSpec }
  | { success: false; errors: SpecError[] };

/** What {@link parseSpec} checks beyond the spec itself. @public */
export interface ParseSpecOptions {
  /** The workspace's label policy, on top of the default one that every spec obeys. */
  labelPolicy?: LabelPolicy;
}

/** Parses and validates a spec, reporting every problem with its field path. @public */
export function parseSpec(
  input: unknown,
  options: ParseSpecOptions = {},
): ParseSpecResult {
  const bounds = boundErrors(input);
  if (bounds.tooDeep) {
    return { success: false, errors: bounds.errors };
  }
  const result = serviceSpecSchema.safeParse(input, {
    error: issueMessage,
    reportInput: true,
  });
  const protoErrors = protoKeyErrors(input);
  if (result.success) {
    const spec = result.data as ServiceSpec;
    const errors = [
      ...bounds.errors,
      ...protoErrors,
      ...crossFieldErrors(spec, options),
    ];
    return errors.length
      ? { success: false, errors: dedupe(errors) }
      : { success: true, spec };
  }
  // A field the limits already refused (a NUL, a huge string) needs no
  // second message from the field's own rule.
  const bounded = new Set(bounds.errors.map(error => error.path));
  const errors = result.error.issues
    .flatMap(issue => specErrors(issue, []))
    .filter(error => !bounded.has(error.path));
  errors.push(
    ...bounds.errors,
    ...protoErrors,
    ...crossFieldErrors(validFields(input), options),
  );
  return { success: false, errors: dedupe(errors) };
}

/** Validates a spec, throwing an InputError that names each bad field, e.g. `Invalid spec: replicas: must be >= 0`. @public */
export function validateSpec(
  input: unknown,
  options: ParseSpecOptions = {},
): ServiceSpec {
  const result = parseSpec(input, options);
  if (!result.success) {
    throw new InputError(`Invalid spec: ${formatSpecErrors(result.errors)}`);
  }
  return result.spec;
}

/**
 * Validates a spec for deployment into `workspace`: everything
 * {@link validateSpec} checks, with the workspace's label policy (which may
 * permit or refuse more keys than the default). Throws an InputError naming
 * each bad field, e.g. `Invalid spec: labels.kubernetes.io/foo: uses the
 * reserved prefix kubernetes.io/; …`.
 * @public
 */
export function checkSpecForWorkspace(
  spec: unknown,
  workspace: Pick<Workspace, 'name' | 'labelPolicy'>,
): ServiceSpec {
  const result = parseSpec(spec, { labelPolicy: workspace.labelPolicy });
  if (!result.success) {
    throw new InputError(
      `Invalid spec for workspace '${workspace.name}': ${formatSpecErrors(
        result.errors,
      )}`,
    );
  }
  return result.spec;
}

/** Problems of one env value (a literal or a reference), with paths under `path`, e.g. `inputs.env.DB_URL`. @public */
export function envValueErrors(value: unknown, path: string): SpecError[] {
  const bounds = boundErrors({ env: { X: value } });
  const prefix = (error: SpecError) => ({
    path: `${path}${error.path.slice('env.X'.length)}`,
    message: error.message,
  });
  if (bounds.errors.length) {
    return bounds.errors.map(prefix);
  }
  const result = envValue.safeParse(value, {
    error: issueMessage,
    reportInput: true,
  });
  if (result.success) {
    return [];
  }
  return dedupe(
    result.error.issues.flatMap(issue => specErrors(issue, ['env', 'X'])),
  ).map(prefix);
}

/** Formats spec errors as `path: message`, joined with '; '. @public */
export function formatSpecErrors(errors: SpecError[]): string {
  return errors
    .map(error =>
      error.path ? `${error.path}: ${error.message}` : error.message,
    )
    .join('; ');
}

/** Formats a zod path as a dotted field path, e.g. `ports[0].port`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else {
      const name = printable(String(segment));
      text += text ? `.${name}` : name;
    }
  }
  return text;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
};

function issueMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) {
      return 'is required';
    }
    if (issue.expected === 'record' && Array.isArray(issue.input)) {
      return 'must be a map of names to values, not a list';
    }
    return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
  }
  if (issue.code === 'invalid_value') {
    return `must be one of ${issue.values.map(String).join(', ')}`;
  }
  return undefined;
}

function specErrors(
  issue: z.core.$ZodIssue,
  prefix: PropertyKey[],
): SpecError[] {
  const path = [...prefix, ...issue.path];
  switch (issue.code) {
    case 'unrecognized_keys': {
      const known = knownFieldsAt(path);
      return issue.keys.map(key => {
        const nearest = nearestField(key, known);
        return {
          path: formatPath([...path, key]),
          message: nearest
            ? `unknown field; did you mean ${nearest}?`
            : 'unknown field',
        };
      });
    }
    case 'invalid_key':
      return [
        {
          path: formatPath(path),
          message: issue.issues[0]?.message ?? issue.message,
        },
      ];
    case 'invalid_union': {
      // Only the branch whose shape the input took explains what is wrong
      // with it; when none did, the union's own message says what is allowed.
      const branches = issue.errors.filter(branch =>
        branch.every(
          inner =>
            inner.path.length > 0 &&
            !(
              inner.code === 'invalid_type' &&
              inner.path.length === 1 &&
              inner.input === undefined
            ),
        ),
      );
      if (branches.length === 1) {
        return branches[0].flatMap(inner => specErrors(inner, path));
      }
      return [{ path: formatPath(path), message: issue.message }];
    }
    default:
      return [{ path: formatPath(path), message: issue.message }];
  }
}

type SchemaNode = { _zod: { def: Record<string, any> } };

/** The field names the schema knows in the object at `path`, e.g. `ports[0]`'s. */
function knownFieldsAt(path: PropertyKey[]): string[] {
  let nodes: SchemaNode[] = [serviceSpecSchema as unknown as SchemaNode];
  const unwrap = (node: SchemaNode): SchemaNode[] => {
    const def = node._zod.def;
    switch (def.type) {
      case 'optional':
      case 'nullable':
      case 'default':
        return unwrap(def.innerType);
      case 'pipe':
        return unwrap(def.in);
      case 'union':
        return (def.options as SchemaNode[]).flatMap(unwrap);
      default:
        return [node];
    }
  };
  for (const segment of path) {
    nodes = nodes.flatMap(unwrap).flatMap(node => {
      const def = node._zod.def;
      if (def.type === 'array' && typeof segment === 'number') {
        return [def.element as SchemaNode];
      }
      if (def.type === 'record') {
        return [def.valueType as SchemaNode];
      }
      if (def.type === 'object' && Object.hasOwn(def.shape, segment)) {
        return [def.shape[segment as string] as SchemaNode];
      }
      return [];
    });
  }
  return nodes
    .flatMap(unwrap)
    .flatMap(node =>
      node._zod.def.type === 'object' ? Object.keys(node._zod.def.shape) : [],
    );
}

/** The known field a mistyped one most likely meant (`replica` → `replicas`), if one is close. */
function nearestField(key: string, known: string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { field: string; distance: number } | undefined;
  for (const field of known) {
    const distance = editDistance(lower, field.toLowerCase());
    if (!best || distance < best.distance) {
      best = { field, distance };
    }
  }
  // One edit in four characters, at least one: `replica`, `imgae`, `readinesProbe`.
  const allowed = Math.max(1, Math.floor(key.length / 4));
  return best && best.distance <= allowed ? best.field : undefined;
}

/** Levenshtein distance, counting a swap of two neighbours as one edit. */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from(
      { length: b.length + 1 },
      (__, j) => Math.max(i, j) * +!(i && j),
    ),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(
        d[i - 1][j] + 1,
        d[i][j - 1] + 1,
        d[i - 1][j - 1] + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

function validFields(input: unknown): Partial<ServiceSpec> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return {};
  }
  const valid: Record<string, unknown> = {};
  const shape = serviceSpecSchema.shape as Record<string, z.ZodType>;
  for (const [key, value] of Object.entries(input)) {
    if (Object.hasOwn(shape, key)) {
      const result = shape[key].safeParse(value);
      if (result.success) {
        valid[key] = result.data;
      }
    }
  }
  return valid as Partial<ServiceSpec>;
}

// zod drops a `__proto__` map key silently; a spec must say what it deploys.
function protoKeyErrors(input: unknown): SpecError[] {
  if (typeof input !== 'object' || input === null) {
    return [];
  }
  return (['env', 'labels', 'annotations', 'nodeSelector'] as const).flatMap(
    field => {
      const map = (input as Record<string, unknown>)[field];
      return typeof map === 'object' &&
        map !== null &&
        Object.hasOwn(map, '__proto__')
        ? [{ path: `${field}.__proto__`, message: 'must not be __proto__' }]
        : [];
    },
  );
}

function dedupe(errors: SpecError[]): SpecError[] {
  const seen = new Set<string>();
  return errors.filter(error => {
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

function crossFieldErrors(
  spec: Partial<ServiceSpec>,
  options: ParseSpecOptions,
): SpecError[] {
  const errors: SpecError[] = [];
  if (spec.replicas !== undefined && spec.autoscaling !== undefined) {
    errors.push({
      path: 'replicas',
      message: 'must not be set together with autoscaling',
    });
  }
  if (
    spec.autoscaling &&
    spec.autoscaling.minReplicas > spec.autoscaling.maxReplicas
  ) {
    errors.push({
      path: 'autoscaling.minReplicas',
      message: `must be <= autoscaling.maxReplicas (${spec.autoscaling.maxReplicas})`,
    });
  }
  errors.push(...portErrors(spec));
  errors.push(...exposeErrors(spec));
  errors.push(...probeErrors(spec));
  errors.push(...resourceErrors(spec));
  errors.push(...containerErrors(spec));
  errors.push(...podErrors(spec));
  errors.push(...labelPolicyErrors(spec, options.labelPolicy));
  if (spec.annotations) {
    let size = 0;
    for (const [key, value] of Object.entries(spec.annotations)) {
      size += key.length + value.length;
    }
    if (size > MAX_ANNOTATIONS_SIZE) {
      errors.push({
        path: 'annotations',
        message: `must be at most ${MAX_ANNOTATIONS_SIZE} characters in total`,
      });
    }
  }
  return errors;
}

function portErrors(spec: Partial<ServiceSpec>): SpecError[] {
  const errors: SpecError[] = [];
  const ports = spec.ports ?? [];
  const names = new Map<string, number>();
  const servicePorts = new Map<string, number>();
  const containerPorts = new Map<string, number>();
  ports.forEach((port, index) => {
    const protocol = port.protocol ?? 'TCP';
    if (port.name === undefined) {
      if (ports.length > 1) {
        errors.push({
          path: `ports[${index}].name`,
          message: 'is required when there is more than one port',
        });
      }
    } else if (names.has(port.name)) {
      errors.push({
        path: `ports[${index}].name`,
        message: `duplicate port name "${port.name}" (ports[${names.get(
          port.name,
        )}])`,
      });
    } else {
      names.set(port.name, index);
    }
    const serviceKey = `${port.port}/${protocol}`;
    if (servicePorts.has(serviceKey)) {
      errors.push({
        path: `ports[${index}].port`,
        message: `duplicate port ${serviceKey} (ports[${servicePorts.get(
          serviceKey,
        )}])`,
      });
    } else {
      servicePorts.set(serviceKey, index);
    }
    const containerKey = `${port.targetPort ?? port.port}/${protocol}`;
    if (containerPorts.has(containerKey)) {
      errors.push({
        path: `ports[${index}].${
          port.targetPort === undefined ? 'port' : 'targetPort'
        }`,
        message: `container port ${containerKey} is already used by ports[${containerPorts.get(
          containerKey,
        )}]`,
      });
    } else {
      containerPorts.set(containerKey, index);
    }
  });
  return errors;
}

const PROBE_FIELDS = [
  'readinessProbe',
  'livenessProbe',
  'startupProbe',
] as const;

type Probes = Pick<
  ServiceSpec,
  'readinessProbe' | 'livenessProbe' | 'startupProbe'
>;
type PortLike = { name?: string; port: number; targetPort?: number };

function probeErrors(spec: Partial<ServiceSpec>): SpecError[] {
  return [
    ...probeErrorsOf(spec, spec.ports ?? [], ''),
    ...(['sidecars', 'initContainers'] as const).flatMap(field =>
      (spec[field] ?? []).flatMap((container, index) =>
        probeErrorsOf(container, container.ports ?? [], `${field}[${index}].`),
      ),
    ),
  ];
}

function probeErrorsOf(
  probes: Probes,
  ports: PortLike[],
  prefix: string,
): SpecError[] {
  const errors: SpecError[] = [];
  const names = new Set(ports.flatMap(port => (port.name ? [port.name] : [])));
  const numbers = new Set(ports.map(port => port.targetPort ?? port.port));
  for (const field of PROBE_FIELDS) {
    const given = probes[field];
    if (!given) {
      continue;
    }
    if (
      field !== 'readinessProbe' &&
      given.successThreshold !== undefined &&
      given.successThreshold !== 1
    ) {
      errors.push({
        path: `${prefix}${field}.successThreshold`,
        message: 'must be 1 for liveness and startup probes',
      });
    }
    const handler = (['httpGet', 'tcpSocket', 'grpc'] as const).find(
      h => given[h],
    );
    if (!handler) {
      continue;
    }
    const port = given[handler]!.port;
    const path = `${prefix}${field}.${handler}.port`;
    if (typeof port === 'string' && !names.has(port)) {
      errors.push({
        path,
        message: names.size
          ? `no port named "${port}" in ports (${[...names].join(', ')})`
          : `no port named "${port}": no port in ports has a name`,
      });
    } else if (typeof port === 'number' && ports.length && !numbers.has(port)) {
      errors.push({
        path,
        message: `${port} is not a container port (${[...numbers].join(', ')})`,
      });
    }
  }
  return errors;
}

function resourceErrors(spec: Partial<ServiceSpec>): SpecError[] {
  return [
    ...resourceErrorsOf(spec.resources, 'resources'),
    ...(['sidecars', 'initContainers'] as const).flatMap(field =>
      (spec[field] ?? []).flatMap((container, index) =>
        resourceErrorsOf(container.resources, `${field}[${index}].resources`),
      ),
    ),
  ];
}

function resourceErrorsOf(
  resources: Resources | undefined,
  path: string,
): SpecError[] {
  const errors: SpecError[] = [];
  const { requests, limits } = resources ?? {};
  const names = new Set([
    ...Object.keys(requests ?? {}),
    ...Object.keys(limits ?? {}),
  ]);
  for (const name of [...names].sort()) {
    const request = (requests as Record<string, string> | undefined)?.[name];
    const limit = (limits as Record<string, string> | undefined)?.[name];
    const requested =
      request === undefined ? undefined : parseQuantity(request);
    const limited = limit === undefined ? undefined : parseQuantity(limit);
    if (name.includes('/')) {
      // Extended resources are whole devices and cannot be overcommitted.
      for (const [group, quantity] of [
        ['requests', requested],
        ['limits', limited],
      ] as const) {
        if (quantity && quantity.numerator % quantity.denominator !== 0n) {
          errors.push({
            path: `${path}.${group}.${name}`,
            message:
              'must be a whole number: extended resources are whole devices',
          });
        }
      }
      if (requested && !limited) {
        errors.push({
          path: `${path}.limits.${name}`,
          message: `is required: an extended resource is requested, so its limit must be set to the same (${request})`,
        });
      } else if (
        requested &&
        limited &&
        compareQuantities(requested, limited) !== 0
      ) {
        errors.push({
          path: `${path}.requests.${name}`,
          message: `must equal ${path}.limits.${name} (${limit}): extended resources cannot be overcommitted`,
        });
      }
      continue;
    }
    if (requested && limited && compareQuantities(requested, limited) > 0) {
      errors.push({
        path: `${path}.requests.${name}`,
        message: `must be <= ${path}.limits.${name} (${limit})`,
      });
    }
  }
  return errors;
}

function exposeErrors(spec: Partial<ServiceSpec>): SpecError[] {
  const errors: SpecError[] = [];
  const routes = new Map<string, number>();
  (spec.ports ?? []).forEach((port, index) => {
    if (!port.expose) {
      return;
    }
    if ((port.protocol ?? 'TCP') !== 'TCP') {
      errors.push({
        path: `ports[${index}].expose`,
        message: `an exposed port must be TCP (HTTP), not ${port.protocol}`,
      });
    }
    const route = `${port.expose.host}${port.expose.path ?? '/'}`;
    if (routes.has(route)) {
      errors.push({
        path: `ports[${index}].expose`,
        message: `${route} is already exposed by ports[${routes.get(route)}]`,
      });
    } else {
      routes.set(route, index);
    }
  });
  return errors;
}

function containerErrors(spec: Partial<ServiceSpec>): SpecError[] {
  const errors: SpecError[] = [];
  const names = new Map<string, string>();
  const containerPorts = new Map<string, string>();
  (spec.ports ?? []).forEach((port, index) => {
    containerPorts.set(
      `${port.targetPort ?? port.port}/${port.protocol ?? 'TCP'}`,
      `ports[${index}]`,
    );
  });
  for (const field of ['sidecars', 'initContainers'] as const) {
    (spec[field] ?? []).forEach((container, index) => {
      const at = `${field}[${index}]`;
      const seen = names.get(container.name);
      if (seen) {
        errors.push({
          path: `${at}.name`,
          message: `duplicate container name "${container.name}" (${seen})`,
        });
      } else {
        names.set(container.name, at);
      }
      if (field !== 'sidecars') {
        return;
      }
      // Sidecars share the pod's network with the service's container.
      (container.ports ?? []).forEach((port, portIndex) => {
        const key = `${port.port}/${port.protocol ?? 'TCP'}`;
        const used = containerPorts.get(key);
        if (used) {
          errors.push({
            path: `${at}.ports[${portIndex}].port`,
            message: `port ${key} is already used by ${used}`,
          });
        } else {
          containerPorts.set(key, `${at}.ports[${portIndex}]`);
        }
      });
    });
  }
  return errors;
}

function podErrors(spec: Partial<ServiceSpec>): SpecError[] {
  const errors: SpecError[] = [];
  const paths = new Map<string, number>();
  (spec.mounts ?? []).forEach((mount, index) => {
    const path = mount.path.replace(/\/+$/, '') || '/';
    if (paths.has(path)) {
      errors.push({
        path: `mounts[${index}].path`,
        message: `${mount.path} is already mounted by mounts[${paths.get(
          path,
        )}]`,
      });
    } else {
      paths.set(path, index);
    }
    if (mount.readOnly === false && (mount.secret || mount.configMap)) {
      errors.push({
        path: `mounts[${index}].readOnly`,
        message:
          'must not be false: Secret and ConfigMap volumes are read-only',
      });
    }
  });
  (spec.tolerations ?? []).forEach((toleration, index) => {
    const operator = toleration.operator ?? 'Equal';
    if (operator === 'Exists' && toleration.value !== undefined) {
      errors.push({
        path: `tolerations[${index}].value`,
        message: 'must not be set when operator is Exists',
      });
    }
    if (toleration.key === undefined && operator !== 'Exists') {
      errors.push({
        path: `tolerations[${index}].operator`,
        message: 'must be Exists when there is no key',
      });
    }
  });
  const pullSecrets = new Set<string>();
  (spec.imagePullSecrets ?? []).forEach((name, index) => {
    if (pullSecrets.has(name)) {
      errors.push({
        path: `imagePullSecrets[${index}]`,
        message: `duplicate Secret ${name}`,
      });
    }
    pullSecrets.add(name);
  });
  const strategy = spec.strategy;
  if (strategy?.type === 'Recreate') {
    for (const key of ['maxSurge', 'maxUnavailable'] as const) {
      if (strategy[key] !== undefined) {
        errors.push({
          path: `strategy.${key}`,
          message: 'must not be set with type Recreate',
        });
      }
    }
  } else if (
    strategy &&
    isZero(strategy.maxSurge) &&
    isZero(strategy.maxUnavailable)
  ) {
    errors.push({
      path: 'strategy.maxUnavailable',
      message:
        'must not be 0 when maxSurge is 0: the rollout could never start',
    });
  }
  return errors;
}

function isZero(value: number | string | undefined): boolean {
  return value === 0 || value === '0%';
}

const MAP_LIMITS: Record<string, [number, string]> = {
  env: [SPEC_LIMITS.envEntries, 'entries'],
  labels: [SPEC_LIMITS.labelEntries, 'labels'],
  annotations: [SPEC_LIMITS.annotationEntries, 'annotations'],
};

/** A key as it may appear in a message: control characters and lone surrogates escaped. */
function printable(key: string): string {
  return key.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    char => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/**
 * The size limits ({@link SPEC_LIMITS}) and storable text, checked on the
 * raw input before the schema so that an oversized part is reported once
 * and not walked further. `tooDeep` input is not parsed at all.
 */
function boundErrors(input: unknown): {
  errors: SpecError[];
  tooDeep: boolean;
} {
  const errors: SpecError[] = [];
  let tooDeep = false;
  const visit = (value: unknown, path: PropertyKey[]): void => {
    const at = () => formatPath(path);
    if (path.length > SPEC_LIMITS.depth) {
      tooDeep = true;
      errors.push({
        path: at(),
        message: `must not nest deeper than ${SPEC_LIMITS.depth} levels`,
      });
      return;
    }
    if (typeof value === 'string') {
      const max =
        path.length === 1 && path[0] === 'image'
          ? SPEC_LIMITS.imageLength
          : SPEC_LIMITS.stringLength;
      const message =
        value.length > max
          ? `must be at most ${max} characters (has ${value.length})`
          : unstorableTextError(value);
      if (message) {
        errors.push({ path: at(), message });
      }
      return;
    }
    if (typeof value !== 'object' || value === null) {
      return;
    }
    if (Array.isArray(value)) {
      if (value.length > SPEC_LIMITS.listItems) {
        errors.push({
          path: at(),
          message: `must have at most ${SPEC_LIMITS.listItems} items (has ${value.length})`,
        });
        return;
      }
      value.forEach((item, index) => visit(item, [...path, index]));
      return;
    }
    const keys = Object.keys(value);
    const mapLimit =
      path.length === 1 && Object.hasOwn(MAP_LIMITS, path[0])
        ? MAP_LIMITS[path[0] as string]
        : undefined;
    if (mapLimit && keys.length > mapLimit[0]) {
      errors.push({
        path: at(),
        message: `must have at most ${mapLimit[0]} ${mapLimit[1]} (has ${keys.length})`,
      });
      return;
    }
    for (const key of keys) {
      const keyPath = [...path, key];
      const message =
        key.length > SPEC_LIMITS.stringLength
          ? `name must be at most ${SPEC_LIMITS.stringLength} characters (has ${key.length})`
          : unstorableTextError(key);
      if (message) {
        errors.push({
          path: formatPath(keyPath),
          message: message.startsWith('name') ? message : `name ${message}`,
        });
        continue;
      }
      visit((value as Record<string, unknown>)[key], keyPath);
    }
  };
  visit(input, []);
  if (!tooDeep && typeof input === 'object' && input !== null) {
    let bytes = 0;
    try {
      bytes = new TextEncoder().encode(canonicalJson(input)).length;
    } catch {
      // Not JSON (a bigint): the schema says what is wrong with it.
    }
    if (bytes > SPEC_LIMITS.specBytes) {
      errors.unshift({
        path: '',
        message: `the spec is ${bytes} bytes as canonical JSON; at most ${SPEC_LIMITS.specBytes} (256 KiB) are allowed`,
      });
    }
  }
  return { errors, tooDeep };
}
