/*
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource),
 * parsed to exact rationals so that `1` and `1000m` compare equal.
 */

const QUANTITY =
  /^([+-]?)([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?[0-9]{1,3}))?$/;

const DECIMAL_SI: Record<string, number> = {
  n: -9,
  u: -6,
  m: -3,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

const BINARY_SI: Record<string, number> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

/** A Kubernetes quantity as the exact fraction numerator / denominator. @public */
export interface Quantity {
  numerator: bigint;
  denominator: bigint;
}

/** Parses a Kubernetes quantity such as `250m`, `1.5`, `512Mi` or `1e3`; undefined when malformed. @public */
export function parseQuantity(text: string): Quantity | undefined {
  const match = QUANTITY.exec(text);
  if (!match) {
    return undefined;
  }
  const [, sign, number, suffix, exponent] = match;
  const [whole, fraction = ''] = number.split('.');
  let numerator = BigInt(`${whole}${fraction}` || '0');
  let denominator = 10n ** BigInt(fraction.length);
  if (sign === '-') {
    numerator = -numerator;
  }
  let power10 = 0;
  if (suffix && suffix in BINARY_SI) {
    numerator *= 2n ** BigInt(BINARY_SI[suffix]);
  } else if (suffix) {
    power10 = DECIMAL_SI[suffix];
  } else if (exponent) {
    power10 = Number(exponent);
  }
  if (power10 > 0) {
    numerator *= 10n ** BigInt(power10);
  } else if (power10 < 0) {
    denominator *= 10n ** BigInt(-power10);
  }
  return { numerator, denominator };
}

/** Compares two parsed quantities exactly (`1` equals `1000m`): negative when a < b, 0 when equal, positive when a > b. @public */
export function compareQuantities(a: Quantity, b: Quantity): number {
  const left = a.numerator * b.denominator;
  const right = b.numerator * a.denominator;
  if (left === right) {
    return 0;
  }
  return left < right ? -1 : 1;
}

/** Checks a resource quantity: well-formed and not negative. */
export function quantityError(text: string): string | undefined {
  const quantity = parseQuantity(text);
  if (!quantity) {
    return 'must be a Kubernetes quantity, e.g. 250m, 1, 1.5, 512Mi or 2Gi';
  }
  if (quantity.numerator < 0n) {
    return 'must not be negative';
  }
  return undefined;
}
