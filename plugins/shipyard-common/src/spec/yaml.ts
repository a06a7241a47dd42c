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
import { forEachField } from './fields';
import { formatPath, parseSpec, type ParseSpecResult } from './schema';

/** A problem of a spec written as YAML, with the line it is on (a syntax error also with its column). @public */
export interface SpecYamlError extends SpecError {
  /** The 1-based line of the text, e.g. of the field that is wrong or of the map missing it. */
  line: number;
  /** The 1-based column, for YAML syntax errors. */
  column?: number;
}

/** The result of {@link parseSpecYamlWithLines}: the spec, or every problem with its line, in file order. @public */
export type ParseSpecYamlResult =
  | { success: true; spec: ServiceSpec }
  | { success: false; errors: SpecYamlError[] };

/** Parses a spec written as YAML, as in the UI editor: syntax errors with their line, duplicate keys, then {@link parseSpec}. @public */
export function parseSpecYaml(text: string): ParseSpecResult {
  const result = readSpecYaml(text);
  if (result.success) {
    return result;
  }
  return {
    success: false,
    errors: result.errors.map(({ kind, path, message, line, column }) => {
      switch (kind) {
        case 'syntax':
          return {
            path,
            message: `line ${line}, column ${column}: ${message}`,
          };
        case 'duplicate':
          return { path, message: `${message} (line ${line})` };
        default:
          return { path, message };
      }
    }),
  };
}

/**
 * Parses the YAML of a spec file like {@link parseSpecYaml}, placing every problem
 * on its line: a field's error on the deepest node its path reaches (keys may
 * contain dots, as in `labels.app.kubernetes.io/name`), a missing field on the
 * map that should hold it. Errors come in file order, each message on one
 * line and without the position, so a caller can frame it as
 * `shipyard.yaml:7: replicas: must be >= 0`.
 * @public
 */
export function parseSpecYamlWithLines(text: string): ParseSpecYamlResult {
  if (!text.trim()) {
    return {
      success: false,
      errors: [
        {
          path: '',
          message: 'the file is empty; expected a spec with at least an image',
          line: 1,
        },
      ],
    };
  }
  const result = readSpecYaml(text);
  if (result.success) {
    return result;
  }
  const errors = result.errors.map(({ path, message, line, column }) => ({
    path,
    message: oneLine(message),
    line,
    ...(column !== undefined ? { column } : {}),
  }));
  // Array.prototype.sort is stable: errors on one line keep the schema's order.
  errors.sort((a, b) => a.line - b.line);
  return { success: false, errors };
}

type PlacedError = SpecYamlError & { kind: 'syntax' | 'duplicate' | 'field' };

function readSpecYaml(
  text: string,
):
  | { success: true; spec: ServiceSpec }
  | { success: false; errors: PlacedError[] } {
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
          kind: 'syntax',
          path: '',
          message: error.message,
          line: position.line,
          column: position.col,
        };
      }),
    };
  }
  const lineOf = (offset: number) => lineCounter.linePos(offset).line;
  const duplicates: PlacedError[] = [];
  findDuplicateKeys(document.contents, [], lineOf, duplicates);
  if (duplicates.length) {
    return { success: false, errors: duplicates };
  }
  const result = parseSpec(document.toJS({ maxAliasCount: 100 }));
  if (result.success) {
    return result;
  }
  return {
    success: false,
    errors: result.errors.map(error => ({
      kind: 'field',
      ...error,
      line: lineOf(offsetOfPath(document.contents, error.path)),
    })),
  };
}

function findDuplicateKeys(
  node: unknown,
  path: PropertyKey[],
  lineOf: (offset: number) => number,
  errors: PlacedError[],
): void {
  if (isSeq(node)) {
    node.items.forEach((item, index) =>
      findDuplicateKeys(item, [...path, index], lineOf, errors),
    );
    return;
  }
  if (!isMap(node)) {
    return;
  }
  const seen = new Set<string>();
  for (const pair of node.items) {
    const key = keyText(pair.key);
    const keyPath = [...path, key];
    if (seen.has(key)) {
      errors.push({
        kind: 'duplicate',
        path: formatPath(keyPath),
        message: 'duplicate key',
        line: lineOf(startOf(pair.key) ?? startOf(node) ?? 0),
      });
    }
    seen.add(key);
    findDuplicateKeys(pair.value, keyPath, lineOf, errors);
  }
}

/**
 * The offset of the deepest node a dotted field path (`ports[0].port`)
 * reaches. Map keys may contain dots (`app.kubernetes.io/name`), so at each
 * map the longest key that prefixes the rest of the path wins. A field that
 * is missing is placed at the map that should hold it.
 */
function offsetOfPath(root: unknown, path: string): number {
  let node = root;
  let rest = path;
  let offset = startOf(root) ?? 0;
  while (rest) {
    if (isSeq(node)) {
      const index = /^\[(\d+)\]\.?/.exec(rest);
      const item = index ? node.items[Number(index[1])] : undefined;
      if (!index || item === undefined) {
        break;
      }
      node = item;
      rest = rest.slice(index[0].length);
      offset = startOf(item) ?? offset;
    } else if (isMap(node)) {
      let match: { key: string; keyNode: unknown; value: unknown } | undefined;
      for (const pair of node.items) {
        const key = keyText(pair.key);
        const prefixes =
          rest === key ||
          rest.startsWith(`${key}.`) ||
          rest.startsWith(`${key}[`);
        if (prefixes && (!match || key.length > match.key.length)) {
          match = { key, keyNode: pair.key, value: pair.value };
        }
      }
      if (!match) {
        break;
      }
      node = match.value;
      rest = rest.slice(match.key.length).replace(/^\./, '');
      offset = startOf(match.keyNode) ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

function startOf(node: unknown): number | undefined {
  return (node as YamlNode | null | undefined)?.range?.[0];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}

/** Writes a spec as YAML with a stable key order: DESIGN §4's field order, map keys sorted. @public */
export function stringifySpec(spec: ServiceSpec): string {
  return stringify(orderSpec(spec), { lineWidth: 0 });
}

/** Returns a copy of a spec with its keys in stable order and undefined fields dropped. */
export function orderSpec(spec: ServiceSpec): ServiceSpec {
  const ordered: Record<string, unknown> = {};
  forEachField((name, entry) => {
    const value = spec[name];
    if (value !== undefined) {
      ordered[name] = entry.order(value);
    }
  });
  return ordered as unknown as ServiceSpec;
}
