import { LoggerService } from '@backstage/backend-plugin-api';
import {
  PlanChange,
  PlanIssue,
  PromotionPlan,
  SpecChange,
} from '@shipyard/backstage-plugin-common';

const SIGNS: Record<SpecChange['kind'], string> = {
  added: '+',
  removed: '-',
  changed: '~',
};

/** Logs a spec diff one field a line: `~ image: "…:1.0" → "…:1.1"`. */
export function logChanges(logger: LoggerService, changes: SpecChange[]) {
  if (changes.length === 0) {
    logger.info('No changes: the spec equals the current version');
    return;
  }
  for (const change of changes) {
    const values =
      change.kind === 'changed'
        ? `${show(change.before)} → ${show(change.after)}`
        : show(change.kind === 'added' ? change.after : change.before);
    logger.info(`  ${SIGNS[change.kind]} ${change.path}: ${values}`);
  }
}

/** Logs a promotion plan as the Promote tab shows it: each field that is not unchanged with its reason, blockers, warnings, checklist. */
export function logPlan(logger: LoggerService, plan: PromotionPlan) {
  logger.info(
    `Plan ${plan.source.workspace} v${plan.source.version} → ${
      plan.target.workspace
    }${
      plan.target.version ? ` (now v${plan.target.version})` : ' (empty)'
    }, hash ${plan.planHash}`,
  );
  const unchanged = plan.changes.filter(c => c.action === 'unchanged').length;
  for (const change of plan.changes) {
    if (change.action === 'unchanged') continue;
    logger.info(`  ${change.path}: ${planned(change)} — ${change.reason}`);
  }
  if (unchanged) {
    logger.info(
      `  ${unchanged} more field${unchanged === 1 ? '' : 's'} unchanged`,
    );
  }
  logIssues(logger, 'Blocker', plan.blockers);
  logIssues(logger, 'Warning', plan.warnings);
  for (const item of plan.checklist) {
    logger.info(`Checklist: ${item}`);
  }
}

/** What the target gets; the planner's reasons already say "will change, from source" or "kept in target". */
function planned(change: PlanChange): string {
  if (change.action === 'needs-input') {
    return `needs your input (source: ${show(change.source)})`;
  }
  return change.action === 'remove' ? 'removed' : show(change.to);
}

function logIssues(logger: LoggerService, label: string, issues: PlanIssue[]) {
  for (const issue of issues) {
    logger[label === 'Blocker' ? 'warn' : 'info'](`${label}: ${issue.message}`);
  }
}

/** A value as JSON, shortened; env references show as references, so no secret value is ever read. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 200 ? `${text.slice(0, 197)}…` : text;
}
