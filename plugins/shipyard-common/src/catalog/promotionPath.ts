import type { PromotionPath, PromotionStep } from '../promotionPolicy';
import {
  invalidAnnotation as invalid,
  isWorkspaceName,
  workspaceList,
} from './workspaceList';

const PROMOTION = 'shipyard/promotion';
const AUTO_PROMOTE = 'shipyard/auto-promote';

/**
 * Splits a `shipyard/promotion` value into its chains: chains are separated
 * by `;` or a line break, the workspaces of a chain by `->` (or `,`), e.g.
 * `dev -> staging -> prod; hotfix -> prod`. Throws an InputError naming what
 * is wrong: a bad or repeated name, a chain of one, a step back (a cycle).
 * @public
 */
export function parsePromotionChains(text: string): string[][] {
  const chains = text
    .split(/;|\n/)
    .map(chain => chain.trim())
    .filter(chain => chain !== '')
    .map(chain => {
      const names = workspaceList(PROMOTION, chain);
      if (names.length < 2) {
        throw invalid(
          PROMOTION,
          `"${chain}" must name at least two workspaces, e.g. dev -> prod`,
        );
      }
      return names;
    });
  if (chains.length === 0) {
    throw invalid(
      PROMOTION,
      'must name at least two workspaces, e.g. dev -> prod',
    );
  }
  const cycle = findCycle(stepsOf(chains));
  if (cycle) {
    throw invalid(PROMOTION, `goes round in a circle (${cycle.join(' -> ')})`);
  }
  return chains;
}

/**
 * The promotion path of a service from its annotations and its workspaces
 * (the `shipyard/workspaces` ones, or all configured, with their tiers).
 * Never throws: a malformed annotation is reported in `errors` with its
 * text, and a malformed `shipyard/promotion` leaves no steps at all, so
 * nothing is promoted along a path nobody meant.
 * @public
 */
export function readPromotionPath(
  annotations: Record<string, string> | undefined,
  workspaces: Array<{ name: string; tier: number }>,
): PromotionPath {
  const errors: NonNullable<PromotionPath['errors']> = [];
  const known = workspaces.map(w => w.name);
  const promotionText = annotations?.[PROMOTION]?.trim() || undefined;
  let path: PromotionPath;
  if (promotionText !== undefined) {
    try {
      const chains = parsePromotionChains(promotionText);
      const unknown = [...new Set(chains.flat())].filter(
        n => !known.includes(n),
      );
      if (unknown.length) {
        throw invalid(
          PROMOTION,
          `names ${unknown.join(', ')}, not one of the service's workspaces (${
            known.join(', ') || 'none'
          })`,
        );
      }
      path = { source: 'annotation', chains, steps: stepsOf(chains) };
    } catch (error) {
      errors.push({
        annotation: PROMOTION,
        text: promotionText,
        message: (error as Error).message,
      });
      path = { source: 'annotation', chains: [], steps: [] };
    }
  } else {
    path = defaultPath(workspaces);
  }

  const autoText = annotations?.[AUTO_PROMOTE]?.trim() || undefined;
  if (autoText !== undefined && !errors.length) {
    const names = autoText.split(/->|,/).map(n => n.trim());
    const step = path.steps.find(s => s.from === names[0] && s.to === names[1]);
    let message: string | undefined;
    if (names.length !== 2 || names.some(n => !isWorkspaceName(n))) {
      message = 'must name exactly two workspaces, e.g. dev -> staging';
    } else if (!step) {
      message = `${names[0]} -> ${
        names[1]
      } is not a step of the promotion path (${describeSteps(path.steps)})`;
    }
    if (message) {
      errors.push({
        annotation: AUTO_PROMOTE,
        text: autoText,
        message: `Invalid annotation ${AUTO_PROMOTE}: ${message}`,
      });
    } else {
      step!.auto = true;
    }
  }
  return errors.length ? { ...path, errors } : path;
}

/** `dev -> staging, staging -> prod`, or `none`. */
function describeSteps(steps: PromotionStep[]): string {
  return steps.map(s => `${s.from} -> ${s.to}`).join(', ') || 'none';
}

/**
 * Without an annotation: from each workspace to each of the next tier up
 * among the service's workspaces, so dev -> staging -> prod by default and
 * a promotion never skips a tier.
 */
function defaultPath(
  workspaces: Array<{ name: string; tier: number }>,
): PromotionPath {
  const tiers = [...new Set(workspaces.map(w => w.tier))].sort((a, b) => a - b);
  const steps: PromotionStep[] = [];
  const chains: string[][] = [];
  for (let i = 0; i + 1 < tiers.length; i++) {
    const lower = workspaces.filter(w => w.tier === tiers[i]);
    const upper = workspaces.filter(w => w.tier === tiers[i + 1]);
    for (const from of lower) {
      for (const to of upper) {
        steps.push({ from: from.name, to: to.name });
        chains.push([from.name, to.name]);
      }
    }
  }
  return { source: 'environments', chains, steps };
}

function stepsOf(chains: string[][]): PromotionStep[] {
  const steps: PromotionStep[] = [];
  for (const chain of chains) {
    for (let i = 0; i + 1 < chain.length; i++) {
      if (!steps.some(s => s.from === chain[i] && s.to === chain[i + 1])) {
        steps.push({ from: chain[i], to: chain[i + 1] });
      }
    }
  }
  return steps;
}

function findCycle(steps: PromotionStep[]): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (node: string, trail: string[]): string[] | undefined => {
    if (state.get(node) === 'visiting')
      return [...trail.slice(trail.indexOf(node)), node];
    if (state.get(node) === 'done') return undefined;
    state.set(node, 'visiting');
    for (const step of steps.filter(s => s.from === node)) {
      const found = visit(step.to, [...trail, node]);
      if (found) return found;
    }
    state.set(node, 'done');
    return undefined;
  };
  for (const step of steps) {
    const found = visit(step.from, []);
    if (found) return found;
  }
  return undefined;
}
