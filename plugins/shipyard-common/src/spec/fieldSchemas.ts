import { z } from 'zod';
import {
  configMapKeyError,
  dns1123LabelError,
  dns1123SubdomainError,
  labelValueError,
  portNameError,
  qualifiedNameError,
} from './kubernetesNames';
import { quantityError } from './quantity';

/*
 * The zod building blocks of spec fields, shared by the field registry
 * (fields.ts) and the checks of single values (envValueErrors).
 */

/** Label keys Shipyard sets on every rendered object, refused in a spec. @public */
export const RESERVED_LABEL_KEYS: readonly string[] = [
  'shipyard/version',
  'shipyard/workspace',
  'backstage.io/kubernetes-id',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/name',
  'shipyard/entity-ref-hash',
];

/** Annotation keys Shipyard sets on every rendered object, refused in a spec. @public */
export const RESERVED_ANNOTATION_KEYS: readonly string[] = [
  'shipyard/entity-ref',
];

export function checked(validate: (value: string) => string | undefined) {
  return z.string().check(ctx => {
    const message = validate(ctx.value);
    if (message) {
      ctx.issues.push({ code: 'custom', message, input: ctx.value });
    }
  });
}

export function integer(min: number, max: number) {
  return z
    .number()
    .int('must be an integer')
    .min(min, `must be >= ${min}`)
    .max(max, `must be <= ${max}`);
}

export function mapKey(reserved: readonly string[]) {
  return checked(key =>
    reserved.includes(key)
      ? `is reserved: Shipyard sets ${key} itself`
      : qualifiedNameError(key),
  );
}

export const portNumber = integer(1, 65535);
export const portName = checked(portNameError);
export const portReference = z.union([portNumber, portName], {
  error: 'must be a port number or a port name',
});

export const keyReference = z.strictObject({
  name: checked(dns1123SubdomainError),
  key: checked(configMapKeyError),
  optional: z.boolean().optional(),
});

export const envValue = z.union(
  [
    z.string(),
    z.strictObject({ secretKeyRef: keyReference }),
    z.strictObject({ configMapKeyRef: keyReference }),
  ],
  {
    error:
      'must be a string or an object with exactly one of secretKeyRef, configMapKeyRef',
  },
);

const probeHandlers = ['httpGet', 'tcpSocket', 'grpc', 'exec'] as const;

export const probe = z
  .strictObject({
    httpGet: z
      .strictObject({
        path: z.string().startsWith('/', 'must start with "/"').optional(),
        port: portReference,
        scheme: z.enum(['HTTP', 'HTTPS']).optional(),
      })
      .optional(),
    tcpSocket: z.strictObject({ port: portReference }).optional(),
    grpc: z
      .strictObject({ port: portNumber, service: z.string().optional() })
      .optional(),
    exec: z
      .strictObject({
        command: z.array(z.string()).min(1, 'must not be empty'),
      })
      .optional(),
    initialDelaySeconds: integer(0, 2147483647).optional(),
    periodSeconds: integer(1, 2147483647).optional(),
    timeoutSeconds: integer(1, 2147483647).optional(),
    successThreshold: integer(1, 2147483647).optional(),
    failureThreshold: integer(1, 2147483647).optional(),
  })
  .refine(
    value =>
      probeHandlers.filter(handler => value[handler] !== undefined).length ===
      1,
    `must have exactly one handler: ${probeHandlers.join(', ')}`,
  );

export const quantity = checked(quantityError);
const RESOURCE_NAMES = ['cpu', 'memory', 'ephemeral-storage'];

/** Requests or limits: cpu, memory, ephemeral-storage and extended resources by their domain-prefixed name (`nvidia.com/gpu`). */
export const resourceList = z.record(z.string(), quantity).check(ctx => {
  for (const key of Object.keys(ctx.value)) {
    if (RESOURCE_NAMES.includes(key)) {
      continue;
    }
    const message = key.includes('/')
      ? qualifiedNameError(key)
      : `unknown field; use ${RESOURCE_NAMES.join(
          ', ',
        )} or an extended resource with its domain, e.g. nvidia.com/gpu`;
    if (message) {
      ctx.issues.push({
        code: 'custom',
        message,
        input: key,
        path: [key],
      });
    }
  }
});

export const labelValueChecked = checked(labelValueError);

/** The name of an object in the namespace (Secret, ConfigMap, PVC, ServiceAccount). */
export const objectName = checked(dns1123SubdomainError);
/** The name of a container: a DNS-1123 label. */
export const containerName = checked(dns1123LabelError);

/** A non-negative number of pods or a percentage, e.g. `25%`. */
export const countOrPercent = z.union(
  [
    z.number().int('must be an integer').min(0, 'must be >= 0'),
    z
      .string()
      .regex(/^(100|[1-9]?[0-9])%$/, 'must be a percentage such as 25%'),
  ],
  { error: 'must be a number of pods or a percentage such as 25%' },
);

/** Exactly one of `keys` is set; the message names them. */
export function exactlyOne<T extends object>(
  keys: ReadonlyArray<keyof T & string>,
) {
  return (value: T) =>
    keys.filter(key => (value as Record<string, unknown>)[key] !== undefined)
      .length === 1;
}
export const qualifiedNameChecked = checked(qualifiedNameError);
