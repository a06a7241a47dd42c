import type {
  EnvValue,
  PlanChange,
  PlanIssue,
  PromotionPlan,
  Version,
  VersionDiff,
  VersionOrigin,
  VersionPage,
} from '@shipyard/backstage-plugin-common';

/** Where a version came from, as the Versions tab labels it. */
export function originLabel(origin: VersionOrigin): string {
  switch (origin.type) {
    case 'rollback':
      if (origin.automatic) {
        return origin.version
          ? `automatic rollback to v${origin.version}`
          : 'automatic rollback';
      }
      return origin.version ? `rollback of v${origin.version}` : 'rollback';
    case 'promotion':
      return `promoted from ${origin.workspace ?? 'another workspace'}${
        origin.version ? ` v${origin.version}` : ''
      }`;
    default:
      return origin.type;
  }
}

/** One line for a version's rollout state: `v4 in dev: progressing, 1/2 updated, 0/2 ready`. */
export function describeRollout(version: Version): string {
  const head = `v${version.number} in ${version.workspace}: ${version.status}`;
  const rollout = version.rollout;
  if (version.status === 'failed' || version.status === 'recorded') {
    return version.statusMessage ? `${head}: ${version.statusMessage}` : head;
  }
  if (!rollout || version.status === 'succeeded') {
    return head;
  }
  const desired = rollout.desiredReplicas;
  return `${head}, ${rollout.updatedReplicas}/${desired} updated, ${rollout.readyReplicas}/${desired} ready, ${rollout.availableReplicas}/${desired} available`;
}

/** The line printed once a version exists: what was created, where, and its status. */
export function describeVersion(version: Version): string {
  // A success needs no explanation; a failure or an unapplied version does.
  const explained =
    version.statusMessage &&
    (version.status === 'failed' || version.status === 'recorded');
  const status = explained
    ? `${version.status}: ${version.statusMessage}`
    : version.status;
  return `${version.service} v${version.number} in ${
    version.workspace
  } (${originLabel(version.origin)}): ${status}`;
}

/** A version history as a table, newest first, the current version marked with `*`. */
export function formatHistory(
  page: VersionPage,
  currentVersion: number | undefined,
): string {
  if (page.items.length === 0) {
    return 'No versions yet.';
  }
  const rows = page.items.map(v => [
    `${v.number === currentVersion ? '*' : ' '} v${v.number}`,
    v.status,
    originLabel(v.origin),
    v.createdBy,
    formatTime(v.createdAt),
    v.message ?? '',
  ]);
  const table = formatTable(
    ['  VERSION', 'STATUS', 'ORIGIN', 'BY', 'CREATED', 'MESSAGE'],
    rows,
  );
  const shown = page.items.length;
  const footer =
    page.totalCount > shown
      ? `\n${shown} of ${page.totalCount} versions; --limit shows more`
      : '';
  return `${table}${footer}`;
}

// DESIGN §1's labels, as the Promote tab shows them.
const ACTION_LABELS: Record<PlanChange['action'], string> = {
  overwrite: 'will change (from source)',
  retain: 'kept in target',
  'needs-input': 'needs your input',
  remove: 'removed',
  unchanged: 'unchanged',
};

/**
 * A promotion plan as the Promote tab shows it: changes, blockers, warnings,
 * checklist. Keys in `given` are shown as answered, their literal values
 * hidden since they may be secrets; blockers are the ones still open, and
 * `overridden` the ones the caller goes past (a freeze, with a reason).
 */
export function formatPlan(
  plan: PromotionPlan,
  given: {
    env: Record<string, EnvValue>;
    blockers: PlanIssue[];
    overridden?: string[];
  } = {
    env: {},
    blockers: plan.blockers,
  },
): string {
  const target = plan.target.version
    ? `${plan.target.workspace} v${plan.target.version}`
    : `${plan.target.workspace} (empty)`;
  const lines = [
    `Promotion plan for ${plan.service}: ${plan.source.workspace} v${plan.source.version} -> ${target}`,
  ];
  const visible = plan.changes.filter(c => c.action !== 'unchanged');
  const unchanged = plan.changes.length - visible.length;
  lines.push('', 'Changes:');
  if (visible.length === 0) {
    lines.push('  none');
  } else {
    lines.push(
      ...indent(
        formatTable(
          [],
          visible.map(c => [
            ACTION_LABELS[c.action],
            c.path,
            describeChange(c, given.env),
            c.reason,
          ]),
        ),
      ),
    );
  }
  if (unchanged > 0) {
    lines.push(
      `  (${unchanged} unchanged field${unchanged === 1 ? '' : 's'} not shown)`,
    );
  }
  if (given.blockers.length) {
    lines.push(
      '',
      'Blockers:',
      ...given.blockers.map(b => `  ${issueText(b)}`),
    );
  }
  if (given.overridden?.length) {
    lines.push('', 'Overridden:', ...given.overridden.map(text => `  ${text}`));
  }
  if (plan.warnings.length) {
    lines.push('', 'Warnings:', ...plan.warnings.map(w => `  ${issueText(w)}`));
  }
  if (plan.checklist.length) {
    lines.push('', 'Checklist:', ...plan.checklist.map(item => `  - ${item}`));
  }
  return lines.join('\n');
}

/** A blocker or warning as one line, naming its field unless the message already does. */
export function issueText(issue: PlanIssue): string {
  return issue.path && !issue.message.startsWith(issue.path)
    ? `${issue.path}: ${issue.message}`
    : issue.message;
}

function describeChange(
  change: PlanChange,
  env: Record<string, EnvValue>,
): string {
  switch (change.action) {
    case 'needs-input': {
      const key = change.path.replace(/^env\./, '');
      if (change.path.startsWith('env.') && Object.hasOwn(env, key)) {
        const value = env[key];
        return typeof value === 'string'
          ? '-> (given with --set-env)'
          : `-> ${formatValue(value)}`;
      }
      return `source has ${formatValue(change.source)}`;
    }
    case 'remove':
      return formatValue(change.from);
    case 'retain':
    case 'unchanged':
      return formatValue(change.to ?? change.from);
    default:
      return change.from === undefined
        ? `-> ${formatValue(change.to)}`
        : `${formatValue(change.from)} -> ${formatValue(change.to)}`;
  }
}

/** A structured diff as `~ field: before -> after`, `+ field: value`, `- field: value`. */
export function formatDiff(diff: VersionDiff): string {
  const head = `${diff.from.workspace}:${diff.from.version} -> ${diff.to.workspace}:${diff.to.version}`;
  if (diff.changes.length === 0) {
    return `${head}: identical specs`;
  }
  const lines = diff.changes.map(change => {
    switch (change.kind) {
      case 'added':
        return `+ ${change.path}: ${formatValue(change.after)}`;
      case 'removed':
        return `- ${change.path}: ${formatValue(change.before)}`;
      default:
        return `~ ${change.path}: ${formatValue(
          change.before,
        )} -> ${formatValue(change.after)}`;
    }
  });
  return [
    `${head}: ${diff.changes.length} change${
      diff.changes.length === 1 ? '' : 's'
    }`,
    ...lines,
  ].join('\n');
}

/** A spec value on one line: strings bare, everything else as compact JSON, long values shortened. */
export function formatValue(value: unknown, max = 80): string {
  if (value === undefined) return '(none)';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function formatTime(iso: string): string {
  return iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
}

function formatTable(header: string[], rows: string[][]): string {
  const all = header.length ? [header, ...rows] : rows;
  const widths = all[0].map((_, column) =>
    Math.max(...all.map(row => row[column].length)),
  );
  return all
    .map(row =>
      row
        .map((cell, column) =>
          column === row.length - 1 ? cell : cell.padEnd(widths[column]),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function indent(text: string): string[] {
  return text.split('\n').map(line => `  ${line}`);
}
