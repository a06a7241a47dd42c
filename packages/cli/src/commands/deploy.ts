import { resolve } from 'node:path';
import {
  formatSpecErrors,
  parseSpec,
  type ServiceSpec,
} from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from '../lib/errors';
import { readSpecFile } from '../lib/specFile';
import {
  type CommandContext,
  settleVersion,
  type WaitOptions,
} from './context';

/** Options of `shipyard deploy`. */
export interface DeployOptions extends WaitOptions {
  service: string;
  workspace: string;
  file: string;
  /** Replaces the file's image, e.g. with the tag a pipeline just pushed. */
  image?: string;
  message?: string;
  expectCurrent?: number;
  /** Deploy although referenced Secret or ConfigMap keys are missing in the namespace. */
  allowMissingReferences?: boolean;
  /** Why to deploy during a freeze of the workspace (`--freeze-override`); audited. */
  freezeOverride?: string;
}

/** Validates the spec file locally, then deploys it as the next version, origin `cli`. */
export async function deploy(
  context: CommandContext,
  options: DeployOptions,
): Promise<number> {
  let spec = await readSpecFile(
    resolve(context.cwd, options.file),
    options.file,
  );
  if (options.image !== undefined) {
    spec = withImage(spec, options.image);
  }
  const version = await context.client.deploy(
    options.service,
    options.workspace,
    {
      spec,
      message: options.message,
      expectedCurrentVersion: options.expectCurrent,
      origin: 'cli',
      ...(options.allowMissingReferences
        ? { allowMissingReferences: true }
        : {}),
      ...(options.freezeOverride !== undefined
        ? { freezeOverride: { reason: options.freezeOverride } }
        : {}),
    },
  );
  return settleVersion(context, version, options);
}

function withImage(spec: ServiceSpec, image: string): ServiceSpec {
  const result = parseSpec({ ...spec, image });
  if (!result.success) {
    throw new CliError(
      `--image: ${formatSpecErrors(result.errors)}`,
      ExitCode.BadInput,
    );
  }
  return result.spec;
}
