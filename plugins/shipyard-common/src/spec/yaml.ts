import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  stringify,
  type Node as YamlNode,
} from 'yaml';
import type { ServiceSpec, SpecError } from '../types';
import { formatPath, parseSpec, type ParseSpecResult } from './schema';

/** Parses a spec written as YAML, as in the UI editor: syntax errors with their line, duplicate keys, then {@link parseSpec}. @public */
export function parseSpecYaml(text: string): ParseSpecResult {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    lineCounter,
    uniqueKeys: false,
    prettyErrors: false,
  });
  if (document.errors.length) {
    return {
      success: false,
      errors: document.errors.map(error => {
        const position =
          error.linePos?.[0] ?? lineCounter.linePos(error.pos[0]);
        return {
          path: '',
          message: `line ${position.line}, column ${position.col}: ${error.message}`,
        };
      }),
    };
  }
  const duplicates: SpecError[] = [];
  findDuplicateKeys(document.contents, [], lineCounter, duplicates);
  if (duplicates.length) {
    return { success: false, errors: duplicates };
  }
  return parseSpec(document.toJS({ maxAliasCount: 100 }));
}

function findDuplicateKeys(
  node: unknown,
  path: PropertyKey[],
  lineCounter: LineCounter,
  errors: SpecError[],
): void {
  if (isSeq(node)) {
    node.items.forEach((item, index) =>
      findDuplicateKeys(item, [...path, index], lineCounter, errors),
    );
    return;
  }
  if (!isMap(node)) {
    return;
  }
  const seen = new Set<string>();
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (seen.has(key)) {
      const range = (pair.key as YamlNode | null)?.range;
      const line = range ? ` (line ${lineCounter.linePos(range[0]).line})` : '';
      errors.push({
        path: formatPath([...path, key]),
        message: `duplicate key${line}`,
      });
    }
    seen.add(key);
    findDuplicateKeys(pair.value, [...path, key], lineCounter, errors);
  }
}

const SPEC_FIELD_ORDER: Array<keyof ServiceSpec> = [
  'image',
  'command',
  'args',
  'ports',
  'env',
  'resources',
  'replicas',
  'autoscaling',
  'readinessProbe',
  'livenessProbe',
  'startupProbe',
  'labels',
  'annotations',
];

const NESTED_ORDER: Record<string, string[]> = {
  port: ['name', 'port', 'targetPort', 'protocol'],
  probe: [
    'httpGet',
    'tcpSocket',
    'grpc',
    'exec',
    'initialDelaySeconds',
    'periodSeconds',
    'timeoutSeconds',
    'successThreshold',
    'failureThreshold',
  ],
  handler: ['path', 'port', 'scheme', 'service', 'command'],
  resources: ['requests', 'limits'],
  resourceList: ['cpu', 'memory', 'ephemeral-storage'],
  autoscaling: [
    'minReplicas',
    'maxReplicas',
    'targetCPUUtilizationPercentage',
    'targetMemoryUtilizationPercentage',
  ],
  reference: ['name', 'key', 'optional'],
};

/** Writes a spec as YAML with a stable key order: DESIGN §4's field order, map keys sorted. @public */
export function stringifySpec(spec: ServiceSpec): string {
  return stringify(orderSpec(spec), { lineWidth: 0 });
}

/** Returns a copy of a spec with its keys in stable order and undefined fields dropped. */
export function orderSpec(spec: ServiceSpec): ServiceSpec {
  const ordered: Record<string, unknown> = {};
  for (const field of SPEC_FIELD_ORDER) {
    const value = spec[field];
    if (value === undefined) {
      continue;
    }
    switch (field) {
      case 'ports':
        ordered.ports = spec.ports!.map(port =>
          orderKeys(port, NESTED_ORDER.port),
        );
        break;
      case 'env':
        ordered.env = sortedMap(spec.env!, envValue =>
          typeof envValue === 'string'
            ? envValue
            : Object.fromEntries(
                Object.entries(envValue).map(([kind, reference]) => [
                  kind,
                  orderKeys(reference, NESTED_ORDER.reference),
                ]),
              ),
        );
        break;
      case 'resources':
        ordered.resources = orderKeys(
          spec.resources!,
          NESTED_ORDER.resources,
          list => orderKeys(list as object, NESTED_ORDER.resourceList),
        );
        break;
      case 'autoscaling':
        ordered.autoscaling = orderKeys(
          spec.autoscaling!,
          NESTED_ORDER.autoscaling,
        );
        break;
      case 'readinessProbe':
      case 'livenessProbe':
      case 'startupProbe':
        ordered[field] = orderKeys(
          value as object,
          NESTED_ORDER.probe,
          nested =>
            typeof nested === 'object' && nested !== null
              ? orderKeys(nested, NESTED_ORDER.handler)
              : nested,
        );
        break;
      case 'labels':
      case 'annotations':
        ordered[field] = sortedMap(value as Record<string, string>, v => v);
        break;
      default:
        ordered[field] = value;
    }
  }
  return ordered as unknown as ServiceSpec;
}

function orderKeys(
  value: object,
  order: string[],
  mapValue: (nested: unknown) => unknown = nested => nested,
): Record<string, unknown> {
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of order) {
    if (source[key] !== undefined) {
      result[key] = mapValue(source[key]);
    }
  }
  for (const key of Object.keys(source).sort()) {
    if (!Object.hasOwn(result, key) && source[key] !== undefined) {
      result[key] = mapValue(source[key]);
    }
  }
  return result;
}

function sortedMap<T, U>(
  map: Record<string, T>,
  mapValue: (value: T) => U,
): Record<string, U> {
  const result: Record<string, U> = {};
  for (const key of Object.keys(map).sort()) {
    result[key] = mapValue(map[key]);
  }
  return result;
}
