import type {
  FreezeOverride,
  PlanIssue,
  PromotionInputs,
  PromotionPlan,
} from '../types';

/**
 * The blockers of a promotion plan that the inputs a caller is about to send
 * leave open, so a client can refuse before calling `promote` and name them
 * all: an `env-needs-input` blocker is resolved by a value in `inputs.env`,
 * another needs-input blocker by one in `inputs.values` under its path
 * (DESIGN §11), and an env value the plan does not ask for is a blocker of
 * its own (`unexpected-input`). A `freeze` blocker is passed by a
 * `freezeOverride` with a reason, which the backend accepts only from a
 * caller holding `shipyard.freeze.override`. The backend checks the same again.
 * @public
 */
export function unresolvedPromotionBlockers(
  plan: PromotionPlan,
  inputs: PromotionInputs & {
    values?: Record<string, unknown>;
    freezeOverride?: FreezeOverride;
  } = {},
): PlanIssue[] {
  const env = inputs.env ?? {};
  const values = inputs.values ?? {};
  const overridingFreeze = Boolean(inputs.freezeOverride?.reason?.trim());
  const open = plan.blockers.filter(({ code, path }) => {
    if (code === 'freeze' && overridingFreeze) {
      return false;
    }
    if (!path || !code.endsWith('needs-input')) {
      return true;
    }
    if (code === 'env-needs-input' && path.startsWith('env.')) {
      return !Object.hasOwn(env, path.slice('env.'.length));
    }
    return !Object.hasOwn(values, path);
  });
  const asked = new Set(
    plan.changes.filter(c => c.action === 'needs-input').map(c => c.path),
  );
  for (const key of Object.keys(env)) {
    const path = `env.${key}`;
    if (!asked.has(path)) {
      open.push({
        code: 'unexpected-input',
        path,
        message: `${path} does not need input: the plan does not ask for it`,
      });
    }
  }
  return open;
}
