import { INT32_MAX, SPEC_LIMITS, unstorableTextError } from '@shipyard/backstage-plugin-common';
import type { z as zod } from 'zod/v3';

/*
 * Zod schemas shared by Shipyard's registry actions. The registry hands
 * every schema builder its own `z`, so these take it as an argument. Inputs
 * carry the bounds the HTTP API's OpenAPI document has; outputs describe
 * what ShipyardService returns and let fields added later pass through, so
 * a finished deploy is never answered with an invalid-output error.
 */

type Z = typeof zod;

/** Text that PostgreSQL can store: no NUL, no unpaired surrogate. */
export const text = (z: Z, maxLength: number, minLength = 0) =>
  z
    .string()
    .min(minLength)
    .max(maxLength)
    .superRefine((value, ctx) => {
      const problem = unstorableTextError(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    });

export const entityRefInput = (z: Z) =>
  text(z, 1024, 1).describe('The service as a catalog entity ref, e.g. component:default/payments');

export const workspaceInput = (z: Z, description: string) =>
  z
    .string()
    .regex(/^[a-z0-9-]{1,63}$/, 'must be a workspace name: lowercase letters, digits and "-"')
    .describe(description);

export const versionNumberInput = (z: Z, description: string) =>
  z.number().int().min(1).max(INT32_MAX).describe(description);

export const messageInput = (z: Z, description: string) => text(z, 4000).optional().describe(description);

/** Going ahead during a freeze window: only when the user asks for it, in their words. */
export const freezeOverrideInput = (z: Z, operation: 'Deploy' | 'Promote') =>
  z
    .object({ reason: text(z, 4000, 1).describe("The user's reason, e.g. \"hotfix for INC-42\" (audited)") })
    .strict()
    .optional()
    .describe(
      `${operation} during a freeze window of the ${operation === 'Deploy' ? 'workspace' : 'target'}, which is otherwise refused (409). Only when the user explicitly asks to go ahead during the freeze and gives the reason; needs the shipyard.freeze.override permission`,
    );

export const waitInput = (z: Z) =>
  z
    .boolean()
    .optional()
    .describe(
      'true: answer once the rollout finished (status succeeded or failed); false or absent: once the objects are applied (status progressing), which is faster',
    );

const keySelector = (z: Z) =>
  z
    .object({
      name: z.string().max(253).describe('The Secret or ConfigMap in the target namespace'),
      key: z.string().min(1).max(253),
      optional: z.boolean().optional(),
    })
    .strict();

/** An env value: a literal, or a reference to a Secret's or ConfigMap's key. */
export const envValueInput = (z: Z) =>
  z.union([
    text(z, SPEC_LIMITS.stringLength),
    z.object({ secretKeyRef: keySelector(z) }).strict(),
    z.object({ configMapKeyRef: keySelector(z) }).strict(),
  ]);

/** A version as ShipyardService returns it. */
export const versionOutput = (z: Z) =>
  z
    .object({
      service: z.string().describe('The entity ref of the service'),
      workspace: z.string(),
      number: z.number().int().describe('The version number, v1, v2, … per service and workspace'),
      status: z
        .string()
        .describe('pending, applying, progressing, succeeded, failed, or recorded (stored, workspace has no cluster)'),
      statusMessage: z.string().optional().describe("The cluster's own message for a failure, or why nothing was applied"),
      origin: z
        .object({
          type: z
            .string()
            .describe('deploy, edit, rollback, promotion, auto-promotion, scaffolder, cli or assistant'),
          version: z.number().optional().describe('For a rollback: the version rolled back to; for a promotion: the source version'),
          workspace: z.string().optional().describe('For a promotion: the source workspace'),
        })
        .passthrough(),
      spec: z.record(z.unknown()).describe('The full spec of this version'),
      specHash: z.string(),
      rollout: z.record(z.unknown()).optional().describe('Replica counts of the rollout, as the cluster reports them'),
      createdBy: z.string(),
      createdAt: z.string(),
      message: z.string().optional().describe('The message or reason given'),
      appliedAt: z.string().optional(),
      finishedAt: z.string().optional(),
      checklist: z
        .array(
          z.object({
            id: z.number().int(),
            text: z.string(),
            done: z.object({ by: z.string(), at: z.string() }).optional(),
          }),
        )
        .optional()
        .describe('For a version a promotion created: what to check after it; an item ticked off has done { by, at }'),
    })
    .passthrough();

const planIssue = (z: Z) =>
  z.object({ code: z.string(), path: z.string().optional(), message: z.string() }).passthrough();

/** A promotion plan as ShipyardService returns it. */
export const promotionPlanOutput = (z: Z) =>
  z
    .object({
      service: z.string(),
      source: z.object({ workspace: z.string(), version: z.number() }).passthrough(),
      target: z
        .object({ workspace: z.string(), version: z.number().optional().describe('Absent when the target is empty') })
        .passthrough(),
      firstPromotion: z.boolean(),
      planHash: z.string().describe('Pass this to the promote action, unchanged, to run exactly this plan'),
      changes: z
        .array(
          z
            .object({
              path: z.string().describe('The field, e.g. image, env.LOG_LEVEL, replicas'),
              action: z.string().describe('overwrite, retain, needs-input, remove or unchanged'),
              from: z.unknown().optional().describe('What the target runs now'),
              to: z.unknown().optional().describe('What the target will run'),
              source: z.unknown().optional().describe('What the source runs, where it differs from `to`'),
              reason: z.string(),
            })
            .passthrough(),
        )
        .describe('Every field of the spec, classified'),
      blockers: z
        .array(planIssue(z))
        .describe('What stops the promotion; env keys that need input are resolved by promote inputs.env'),
      warnings: z.array(planIssue(z)).describe('What the reviewer should look at'),
      checklist: z.array(z.string()).describe('What to review after promoting'),
      spec: z.record(z.unknown()).describe('The resulting spec; keys that need input have no value yet'),
    })
    .passthrough();
