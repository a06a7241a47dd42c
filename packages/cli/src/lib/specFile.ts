import { readFile } from 'node:fs/promises';
import {
  parseSpecYamlWithLines,
  type ServiceSpec,
} from '@shipyard/backstage-plugin-common';
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

/** Validates spec YAML with the shared `parseSpecYamlWithLines`, as compilers write problems: `file:line[:column]: field: message`. */
export function parseSpecText(text: string, fileName: string): SpecFileResult {
  const result = parseSpecYamlWithLines(text);
  if (result.success) {
    return result;
  }
  return {
    success: false,
    problems: result.errors.map(
      ({ path, message, line, column }) =>
        `${fileName}:${line}${column ? `:${column}` : ''}: ${
          path ? `${path}: ` : ''
        }${message}`,
    ),
  };
}
