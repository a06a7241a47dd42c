import { activeFreeze, readFreezeWindow } from './freezeWindows';

describe('activeFreeze', () => {
  const yearEnd = readFreezeWindow({ name: 'year end', start: '2026-12-24T00:00:00Z', end: '2027-01-02T00:00:00Z' }, 'f');
  // Fridays 18:00 in Berlin for 2 days and 12 hours: until Monday 06:00.
  const weekend = readFreezeWindow(
    { name: 'weekend', cron: '0 18 * * 5', duration: 'P2DT12H', timeZone: 'Europe/Berlin' },
    'f',
  );

  it('finds a fixed window from its start until (not including) its end', () => {
    expect(activeFreeze([yearEnd], new Date('2026-12-23T23:59:59Z'))).toBeUndefined();
    expect(activeFreeze([yearEnd], new Date('2026-12-24T00:00:00Z'))).toEqual({
      name: 'year end',
      start: '2026-12-24T00:00:00.000Z',
      end: '2027-01-02T00:00:00.000Z',
    });
    expect(activeFreeze([yearEnd], new Date('2027-01-02T00:00:00Z'))).toBeUndefined();
  });

  it('finds a recurring window in its time zone', () => {
    // Friday 4 December 2026, 16:59 UTC is 17:59 in Berlin (CET, UTC+1).
    expect(activeFreeze([weekend], new Date('2026-12-04T16:59:00Z'))).toBeUndefined();
    expect(activeFreeze([weekend], new Date('2026-12-04T17:00:00Z'))).toEqual({
      name: 'weekend',
      start: '2026-12-04T17:00:00.000Z',
      end: '2026-12-07T05:00:00.000Z',
    });
    expect(activeFreeze([weekend], new Date('2026-12-07T04:59:59Z'))?.name).toBe('weekend');
    expect(activeFreeze([weekend], new Date('2026-12-07T05:00:00Z'))).toBeUndefined();
  });

  it('reports the window that ends last when several are in force', () => {
    expect(activeFreeze([weekend, yearEnd], new Date('2026-12-26T12:00:00Z'))?.name).toBe('year end');
  });

  it('treats overlapping occurrences of a recurring window as one freeze', () => {
    const hourly = readFreezeWindow({ name: 'busy', cron: '0 * * * *', duration: 'PT90M' }, 'f');
    expect(activeFreeze([hourly], new Date('2026-12-01T10:20:00Z'))).toEqual({
      name: 'busy',
      start: '2026-12-01T09:00:00.000Z',
      // Every hour starts another 90 minutes: the freeze never ends by itself,
      // so the reported end is the last occurrence looked at.
      end: expect.stringMatching(/^20\d\d-/),
    });
  });
});
