import {
  type EnvValue,
  unresolvedPromotionBlockers,
} from '@shipyard/backstage-plugin-common';
import { CliError, ExitCode } from '../lib/errors';
import { formatPlan, issueText } from '../lib/format';
import {
  type CommandContext,
  settleVersion,
  type WaitOptions,
} from './context';

/** Options of `shipyard promote`. */
export interface PromoteOptions extends WaitOptions {
  service: string;
  from: string;
  to: string;
  sourceVersion?: number;
  /** Values for env keys the plan needs input for (`--set-env`, `--set-env-secret`). */
  env: Record<string, EnvValue>;
  reason?: string;
  /** Why to promote during a freeze of the target (`--freeze-override`); audited. */
  freezeOverride?: string;
  planOnly?: boolean;
  json?: boolean;
}

/**
 * Plans the promotion and prints the plan; unless --plan-only, executes it
 * with the plan's hash, so what runs is exactly what was printed.
 */
export async function promote(
  context: CommandContext,
  options: PromoteOptions,
): Promise<number> {
  const plan = await context.client.planPromotion(options.service, {
    source: options.from,
    target: options.to,
    sourceVersion: options.sourceVersion,
  });
  const freezeOverride =
    options.freezeOverride !== undefined
      ? { reason: options.freezeOverride }
      : undefined;
  const unresolved = unresolvedPromotionBlockers(plan, {
    env: options.env,
    freezeOverride,
  });
  // A freeze is the one blocker a reason passes, for a caller holding shipyard.freeze.override.
  const overridden = plan.blockers.filter(
    b => b.code === 'freeze' && !unresolved.includes(b),
  );
  context.print(
    options.json
      ? JSON.stringify(plan, null, 2)
      : `${formatPlan(plan, {
          env: options.env,
          blockers: unresolved,
          overridden: overridden.map(
            b =>
              `${issueText(b)}: --freeze-override "${options.freezeOverride}"`,
          ),
        })}\n`,
  );
  if (unresolved.length) {
    throw new CliError(
      `the plan has ${unresolved.length} unresolved blocker${
        unresolved.length === 1 ? '' : 's'
      }: ${unresolved.map(issueText).join('; ')}`,
      ExitCode.Failed,
    );
  }
  if (options.planOnly) {
    return ExitCode.Ok;
  }
  const inputs = Object.keys(options.env).length
    ? { env: options.env }
    : undefined;
  const version = await context.client.promote(options.service, {
    source: options.from,
    target: options.to,
    sourceVersion: plan.source.version,
    planHash: plan.planHash,
    inputs,
    reason: options.reason,
    ...(freezeOverride ? { freezeOverride } : {}),
  });
  return settleVersion(context, version, options);
}
