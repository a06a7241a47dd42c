import { resolveSafeChildPath } from '@backstage/backend-plugin-api';
import { InputError } from '@backstage/errors';
import {
  parseSpecYamlWithLines,
  ServiceSpec,
} from '@shipyard/backstage-plugin-common';
import { readFile } from 'node:fs/promises';

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
  const result = parseSpecYamlWithLines(text);
  if (result.success) {
    return result.spec;
  }
  const problems = result.errors.map(
    ({ path, message, line, column }) =>
      `line ${line}${column ? `, column ${column}` : ''}: ${
        path ? `${path}: ` : ''
      }${message}`,
  );
  throw new InputError(`specFile ${specFile}: ${problems.join('; ')}`);
}
