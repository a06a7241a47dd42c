import { useApi } from '@backstage/core-plugin-api';
import type {
  EnvValue,
  PromotableField,
  PromotionPlan,
} from '@shipyard/backstage-plugin-common';
import { useEffect, useMemo, useState } from 'react';
import { shipyardApiRef } from '../../api';
import { messageOf } from '../../api/errors';
import { EnvInput, envInputProblems, toEnvValue } from './envInputs';

/** How long typing pauses before references are checked in the target. */
export const REFERENCE_CHECK_DELAY_MS = 400;

/** Where each needs-input value stands, as the user types it. */
export interface InputChecks {
  /** What is wrong with each key's value; empty when nothing is. */
  problems: Record<string, string[]>;
  /** Keys whose reference is being looked up in the target right now. */
  checking: Set<string>;
  /** Keys whose value is complete, valid and, for a reference, found in the target. */
  resolved: Set<string>;
  /** A note for a key that is not a problem, e.g. a reference that could not be checked. */
  notes: Record<string, string>;
  /** The plan's hash the check answered with; another than the shown plan's means it is stale. */
  checkedPlanHash?: string;
}

/**
 * Checks the values given for a plan's needs-input keys as they are typed:
 * each by the shared spec schema at once (blank, malformed names), and the
 * Secret and ConfigMap references among them in the target namespace, by
 * planning again with the inputs (the backend's preflight; the plan hash
 * stays the same). A key counts as resolved only once its value passed both.
 */
export function useInputChecks(
  entityRef: string,
  plan: PromotionPlan | undefined,
  keys: string[],
  inputs: Record<string, EnvInput>,
  /** What else the plan was made with (fields taken on request, a pinned source version); the check plans with them too. */
  options: { take?: PromotableField[]; sourceVersion?: number } = {},
): InputChecks {
  const take = useMemo(() => options.take ?? [], [options.take]);
  const sourceVersion = options.sourceVersion;
  const api = useApi(shipyardApiRef);
  const image = plan?.spec.image ?? 'image';
  const local = useMemo(
    () =>
      Object.fromEntries(
        keys.map(key => [key, envInputProblems(key, inputs[key], image)]),
      ),
    [keys, inputs, image],
  );
  const references = useMemo(() => {
    const env: Record<string, EnvValue> = {};
    for (const key of keys) {
      const value = toEnvValue(inputs[key]);
      if (local[key].length === 0 && value && typeof value !== 'string') {
        env[key] = value;
      }
    }
    return env;
  }, [keys, inputs, local]);
  const request = JSON.stringify([
    plan?.source,
    plan?.target.workspace,
    take,
    sourceVersion,
    references,
  ]);
  const [answer, setAnswer] = useState<{
    request: string;
    problems: Record<string, string[]>;
    error?: string;
    planHash?: string;
  }>();

  useEffect(() => {
    if (!plan || Object.keys(references).length === 0) {
      return undefined;
    }
    let cancelled = false;
    const timer = setTimeout(() => {
      api
        .planPromotion(entityRef, {
          source: plan.source.workspace,
          target: plan.target.workspace,
          ...(sourceVersion ? { sourceVersion } : {}),
          ...(take.length ? { take } : {}),
          inputs: { env: references },
        })
        .then(
          checked => {
            const problems: Record<string, string[]> = {};
            for (const blocker of checked.blockers) {
              const key = blocker.path?.startsWith('env.')
                ? blocker.path.slice(4)
                : undefined;
              if (
                key &&
                key in references &&
                blocker.code !== 'env-needs-input'
              ) {
                (problems[key] ??= []).push(blocker.message);
              }
            }
            if (!cancelled) {
              setAnswer({ request, problems, planHash: checked.planHash });
            }
          },
          error => {
            if (!cancelled) {
              setAnswer({ request, problems: {}, error: messageOf(error) });
            }
          },
        );
    }, REFERENCE_CHECK_DELAY_MS);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
    // `request` names everything the check depends on.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [api, entityRef, request]);

  const current = answer?.request === request ? answer : undefined;
  const problems: Record<string, string[]> = {};
  const checking = new Set<string>();
  const resolved = new Set<string>();
  const notes: Record<string, string> = {};
  for (const key of keys) {
    problems[key] = [...local[key], ...(current?.problems[key] ?? [])];
    if (problems[key].length > 0) {
      continue;
    }
    if (key in references && !current) {
      checking.add(key);
      continue;
    }
    if (key in references && current?.error) {
      notes[
        key
      ] = `Not checked in ${plan?.target.workspace}: ${current.error}. Promote checks it again.`;
    }
    resolved.add(key);
  }
  return {
    problems,
    checking,
    resolved,
    notes,
    checkedPlanHash: current?.planHash,
  };
}
