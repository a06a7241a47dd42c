import { compareQuantities, parseQuantity, quantityError } from './quantity';

function compare(a: string, b: string) {
  return compareQuantities(parseQuantity(a)!, parseQuantity(b)!);
}

describe('parseQuantity', () => {
  it.each([
    '0',
    '1',
    '250m',
    '1.5',
    '.5',
    '5.',
    '512Mi',
    '2Gi',
    '1Ki',
    '1Ei',
    '1e3',
    '1E-3',
    '100n',
    '10u',
    '1k',
    '1M',
    '1G',
    '1T',
    '1P',
    '1E',
    '+1',
    '-1',
  ])('parses %s', text => {
    expect(parseQuantity(text)).toBeDefined();
  });

  it.each([
    '',
    'm',
    '1 m',
    '1mi',
    '1KB',
    '1Kii',
    'one',
    '1.2.3',
    '1e',
    '1e1.5',
    '0x10',
    '1ki',
  ])('refuses %p', text => {
    expect(parseQuantity(text)).toBeUndefined();
  });
});

describe('compareQuantities', () => {
  it('compares exactly across suffixes', () => {
    expect(compare('1', '1000m')).toBe(0);
    expect(compare('0.1', '100m')).toBe(0);
    expect(compare('1Gi', '1024Mi')).toBe(0);
    expect(compare('1G', '1Gi')).toBeLessThan(0);
    expect(compare('1e3', '1k')).toBe(0);
    expect(compare('1500m', '1.5')).toBe(0);
    expect(compare('250m', '1')).toBeLessThan(0);
    expect(compare('2', '1999m')).toBeGreaterThan(0);
    expect(compare('1n', '0')).toBeGreaterThan(0);
    expect(compare('129M', '123Mi')).toBeGreaterThan(0);
  });
});

describe('quantityError', () => {
  it('accepts well-formed non-negative quantities and names the problem otherwise', () => {
    expect(quantityError('250m')).toBeUndefined();
    expect(quantityError('0')).toBeUndefined();
    expect(quantityError('-1')).toMatch(/negative/);
    expect(quantityError('lots')).toMatch(/quantity/);
  });
});
