import type { z as zod } from 'zod/v3';

/**
 * The `freezeOverride` input of shipyard:deploy and shipyard:promote: going
 * ahead during a freeze window of the workspace, with the reason the
 * backend audits. The scaffolder hands each input builder its own `z`.
 */
export const freezeOverrideInput =
  (operation: 'Deploy' | 'Promote') => (z: typeof zod) =>
    z
      .object({
        reason: z
          .string()
          .trim()
          .min(1)
          .describe('Why, e.g. "hotfix for INC-42" (audited)'),
      })
      .optional()
      .describe(
        `${operation} during a freeze window of the ${
          operation === 'Deploy' ? 'workspace' : 'target'
        }, which otherwise fails the step; needs the shipyard.freeze.override permission`,
      );
