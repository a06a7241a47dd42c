import Tooltip from '@material-ui/core/Tooltip';

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
  ['second', 1],
];

// Made once: a formatter is costly to create, and a page of history shows
// one time per row (the browser e2e's profile of a 50-row page).
const RELATIVE = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const ABSOLUTE = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'long',
});

/** `3 minutes ago`, relative to `now`. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const seconds = (new Date(iso).getTime() - now) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size || unit === 'second') {
      return RELATIVE.format(Math.round(seconds / size), unit);
    }
  }
  return iso;
}

/** `26 Nov 2026, 10:42:07 UTC`-style absolute time in the user's locale and zone. */
export function formatAbsolute(iso: string): string {
  return ABSOLUTE.format(new Date(iso));
}

/** A time shown relative ("5 minutes ago"), with the absolute time on hover. */
export function RelativeTime(props: { iso: string }) {
  const absolute = formatAbsolute(props.iso);
  const relative = formatRelative(props.iso);
  return (
    <Tooltip title={absolute}>
      <time dateTime={props.iso} aria-label={`${relative} (${absolute})`}>
        {relative}
      </time>
    </Tooltip>
  );
}
