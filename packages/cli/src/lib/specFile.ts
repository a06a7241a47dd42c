import { readFile } from 'node:fs/promises';
import {
  parseSpecYaml,
  type ServiceSpec,
  type SpecError,
} from '@shipyard/backstage-plugin-common';
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Node as YamlNode,
} from 'yaml';
import { CliError, ExitCode } from './errors';

/** The outcome of reading a spec file: the spec, or one `file:line: field: message` per problem. */
export type SpecFileResult =
  | { success: true; spec: ServiceSpec }
  | { success: false; problems: string[] };

/** Reads a spec file and validates it with the shared schema, or throws with every problem and its line. */
export async function readSpecFile(
  path: string,
  displayName = path,
): Promise<ServiceSpec> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError(
      `cannot read the spec file ${displayName}: ${
        (error as NodeJS.ErrnoException).code === 'ENOENT'
          ? 'no such file'
          : (error as Error).message
      }`,
      ExitCode.BadInput,
    );
  }
  const result = parseSpecText(text, displayName);
  if (!result.success) {
    throw new CliError(result.problems.join('\n'), ExitCode.BadInput);
  }
  return result.spec;
}

/** Validates spec YAML with the shared `parseSpecYaml`, placing each problem on its line in the file. */
export function parseSpecText(text: string, fileName: string): SpecFileResult {
  if (!text.trim()) {
    return {
      success: false,
      problems: [
        `${fileName}:1: the file is empty; expected a spec with at least an image`,
      ],
    };
  }
  const result = parseSpecYaml(text);
  if (result.success) {
    return result;
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: false });
  const problems = result.errors.map(error =>
    placeProblem(error, document.contents, lineCounter),
  );
  // Array.prototype.sort is stable: problems on one line keep the schema's order.
  problems.sort((a, b) => a.line - b.line);
  return {
    success: false,
    problems: problems.map(
      problem => `${fileName}:${problem.position}: ${problem.text}`,
    ),
  };
}

function placeProblem(
  error: SpecError,
  root: unknown,
  lineCounter: LineCounter,
): { line: number; position: string; text: string } {
  // parseSpecYaml already places syntax errors and duplicate keys.
  const syntax = /^line (\d+), column (\d+): ([\s\S]*)$/.exec(error.message);
  if (syntax) {
    const line = Number(syntax[1]);
    return { line, position: `${line}:${syntax[2]}`, text: oneLine(syntax[3]) };
  }
  const duplicate = /^(.*) \(line (\d+)\)$/.exec(error.message);
  if (duplicate) {
    const line = Number(duplicate[2]);
    return {
      line,
      position: String(line),
      text: `${error.path}: ${duplicate[1]}`,
    };
  }
  const offset = locate(root, error.path, startOf(root) ?? 0);
  const line = lineCounter.linePos(offset).line;
  const field = error.path ? `${error.path}: ` : '';
  return {
    line,
    position: String(line),
    text: `${field}${oneLine(error.message)}`,
  };
}

/**
 * The offset of the deepest node along a dotted field path (`ports[0].port`).
 * Map keys may contain dots (`app.kubernetes.io/name`), so the longest key
 * that prefixes the rest of the path wins. A field that is missing is placed
 * at the map that should hold it.
 */
function locate(node: unknown, rest: string, best: number): number {
  if (!rest) {
    return best;
  }
  if (isSeq(node)) {
    const index = /^\[(\d+)\]\.?/.exec(rest);
    const item = index ? node.items[Number(index[1])] : undefined;
    if (!index || item === undefined) {
      return best;
    }
    return locate(item, rest.slice(index[0].length), startOf(item) ?? best);
  }
  if (isMap(node)) {
    let match: { key: string; keyNode: unknown; value: unknown } | undefined;
    for (const pair of node.items) {
      const key = isScalar(pair.key)
        ? String(pair.key.value)
        : String(pair.key);
      const prefixes =
        rest === key ||
        rest.startsWith(`${key}.`) ||
        rest.startsWith(`${key}[`);
      if (prefixes && (!match || key.length > match.key.length)) {
        match = { key, keyNode: pair.key, value: pair.value };
      }
    }
    if (!match) {
      return best;
    }
    const remainder = rest.slice(match.key.length).replace(/^\./, '');
    return locate(match.value, remainder, startOf(match.keyNode) ?? best);
  }
  return best;
}

function startOf(node: unknown): number | undefined {
  return (node as YamlNode | null | undefined)?.range?.[0];
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
