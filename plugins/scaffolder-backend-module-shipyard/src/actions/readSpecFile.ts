import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  parseSpecYaml,
  ServiceSpec,
  SpecError,
} from '@shipyard/backstage-plugin-common';
import { readFile } from 'node:fs/promises';
import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
} from 'yaml';

/**
 * Reads a spec file of the task workspace and validates it with the shared
 * schema. Each error names the field and its line, e.g.
 * `shipyard.yaml: line 7: replicas: must be >= 0`.
 */
export async function readSpecFile(
  workspacePath: string,
  specFile: string,
): Promise<ServiceSpec> {
  let text: string;
  try {
    text = await readFile(
      resolveSafeChildPath(workspacePath, specFile),
      'utf8',
    );
  } catch (error) {
    throw new InputError(
      `specFile: cannot read ${specFile} in the task workspace: ${
        (error as Error).message
      }`,
    );
  }
  const result = parseSpecYaml(text);
  if (result.success) {
    return result.spec;
  }
  const lines = lineFinder(text);
  const problems = result.errors.map(error => {
    // Syntax errors start with their line; duplicate keys end with it.
    if (/^line \d+/.test(error.message)) {
      return error.message;
    }
    const duplicate = /^(.*) \(line (\d+)\)$/.exec(error.message);
    const line = duplicate ? Number(duplicate[2]) : lines(error);
    const message = duplicate ? duplicate[1] : error.message;
    return `${line ? `line ${line}: ` : ''}${
      error.path ? `${error.path}: ` : ''
    }${message}`;
  });
  throw new InputError(`specFile ${specFile}: ${problems.join('; ')}`);
}

/**
 * Maps a field path such as `ports[0].port` or `labels.app.kubernetes.io/name`
 * to the line of the deepest YAML node it reaches. Map keys may contain dots,
 * so at each map the longest key that prefixes the rest of the path wins.
 */
function lineFinder(text: string): (error: SpecError) => number | undefined {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false });
  const lineAt = (node: YamlNode | null | undefined) =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;

  return error => {
    let node: unknown = document.contents;
    let rest = error.path;
    let found: number | undefined = lineAt(node as YamlNode);
    while (rest && node) {
      if (isSeq(node)) {
        const match = /^\[(\d+)\]\.?/.exec(rest);
        const item = match ? node.items[Number(match[1])] : undefined;
        if (!match || !item) break;
        node = item;
        rest = rest.slice(match[0].length);
        found = lineAt(item as YamlNode) ?? found;
      } else if (isMap(node)) {
        let best: { key: string; value: unknown; at?: number } | undefined;
        for (const pair of node.items) {
          if (!isPair(pair)) continue;
          const key = isScalar(pair.key)
            ? String(pair.key.value)
            : String(pair.key);
          const fits =
            rest === key ||
            rest.startsWith(`${key}.`) ||
            rest.startsWith(`${key}[`);
          if (fits && (!best || key.length > best.key.length)) {
            best = { key, value: pair.value, at: lineAt(pair.key as YamlNode) };
          }
        }
        if (!best) break;
        found = best.at ?? found;
        node = best.value;
        rest = rest.slice(best.key.length).replace(/^\./, '');
      } else {
        break;
      }
    }
    return found;
  };
}
