import { InputError } from '@backstage/errors';
import { ActiveFreeze, FreezeWindow } from '@shipyard/backstage-plugin-common';
import { CronTime } from 'cron';
import { DateTime, Duration, IANAZone } from 'luxon';

// A window recurring every minute and lasting days is legal; past this many
// overlapping occurrences its end is reported as the last one looked at.
const MAX_OCCURRENCES = 200;

/**
 * Checks one `freezes[]` entry of a workspace's configuration, throwing an
 * InputError that names the field, so a typo fails the backend at start-up
 * rather than silently never freezing.
 */
export function readFreezeWindow(value: unknown, at: string): FreezeWindow {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InputError(`${at}: must be an object with name and either start and end, or cron and duration`);
  }
  const entry = value as Record<string, unknown>;
  const known = ['name', 'start', 'end', 'cron', 'duration', 'timeZone'];
  for (const key of Object.keys(entry)) {
    if (!known.includes(key)) {
      throw new InputError(`${at}.${key}: unknown field; a freeze window has ${known.join(', ')}`);
    }
  }
  const text = (key: string, required: boolean): string | undefined => {
    const v = entry[key];
    if (v === undefined && !required) return undefined;
    if (typeof v !== 'string' || v.trim() === '') {
      throw new InputError(`${at}.${key}: must be a non-empty string`);
    }
    return v.trim();
  };
  const name = text('name', true)!;
  const timeZone = text('timeZone', false);
  if (timeZone !== undefined && !IANAZone.isValidZone(timeZone)) {
    throw new InputError(`${at}.timeZone: '${timeZone}' is not an IANA time zone, e.g. Europe/Berlin`);
  }
  if (entry.cron !== undefined || entry.duration !== undefined) {
    if (entry.start !== undefined || entry.end !== undefined) {
      throw new InputError(`${at}: give either start and end, or cron and duration, not both`);
    }
    const cron = text('cron', true)!;
    if (cron.split(/\s+/).length !== 5) {
      throw new InputError(`${at}.cron: '${cron}' must have five fields (minute hour day-of-month month day-of-week)`);
    }
    try {
      // eslint-disable-next-line no-new
      new CronTime(cron, timeZone ?? 'UTC');
    } catch (error) {
      throw new InputError(`${at}.cron: '${cron}' is not a cron expression: ${(error as Error).message}`);
    }
    const duration = text('duration', true)!;
    const parsed = Duration.fromISO(duration);
    if (!parsed.isValid || parsed.as('milliseconds') <= 0) {
      throw new InputError(`${at}.duration: '${duration}' must be a positive ISO 8601 duration, e.g. PT12H or P2D`);
    }
    return timeZone ? { name, cron, duration, timeZone } : { name, cron, duration };
  }
  const start = text('start', true)!;
  const end = text('end', true)!;
  const startAt = fixedTime(start, timeZone, `${at}.start`);
  const endAt = fixedTime(end, timeZone, `${at}.end`);
  if (endAt <= startAt) {
    throw new InputError(`${at}.end: '${end}' must be after start '${start}'`);
  }
  // Stored with its zone resolved, so every reader computes the same instant.
  return { name, start: startAt.toUTC().toISO()!, end: endAt.toUTC().toISO()! };
}

function fixedTime(text: string, timeZone: string | undefined, at: string): DateTime {
  const parsed = DateTime.fromISO(text, { zone: timeZone ?? 'UTC' });
  if (!parsed.isValid) {
    throw new InputError(`${at}: '${text}' is not an ISO 8601 date-time, e.g. 2026-12-24T00:00:00Z`);
  }
  return parsed;
}

/**
 * The freeze window in force at `now`, if any; of several, the one that
 * ends last, since that is when changes are allowed again. A recurring
 * window whose occurrences overlap counts as one until the last ends.
 */
export function activeFreeze(windows: FreezeWindow[] | undefined, now: Date): ActiveFreeze | undefined {
  let found: ActiveFreeze | undefined;
  for (const window of windows ?? []) {
    const active = 'cron' in window ? activeOccurrence(window, now) : activeFixed(window, now);
    if (active && (!found || active.end > found.end)) found = active;
  }
  return found;
}

function activeFixed(window: { name: string; start: string; end: string }, now: Date): ActiveFreeze | undefined {
  const start = Date.parse(window.start);
  const end = Date.parse(window.end);
  return start <= now.getTime() && now.getTime() < end
    ? { name: window.name, start: new Date(start).toISOString(), end: new Date(end).toISOString() }
    : undefined;
}

function activeOccurrence(
  window: { name: string; cron: string; duration: string; timeZone?: string },
  now: Date,
): ActiveFreeze | undefined {
  const zone = window.timeZone ?? 'UTC';
  const cron = new CronTime(window.cron, zone);
  const length = Duration.fromISO(window.duration);
  const at = DateTime.fromJSDate(now).setZone(zone);
  // The first occurrence after now - duration; it is in force when it began by now.
  const start = cron.getNextDateFrom(at.minus(length), zone);
  if (start > at) return undefined;
  let end = start.plus(length);
  // Later occurrences that begin before this one ends extend the freeze.
  let next = cron.getNextDateFrom(start, zone);
  for (let i = 0; i < MAX_OCCURRENCES && next < end; i++) {
    const nextEnd = next.plus(length);
    if (nextEnd > end) end = nextEnd;
    next = cron.getNextDateFrom(next, zone);
  }
  return { name: window.name, start: start.toUTC().toISO()!, end: end.toUTC().toISO()! };
}
