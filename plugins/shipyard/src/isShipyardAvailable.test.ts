import { isShipyardAvailable } from './isShipyardAvailable';
import type { Entity } from '@backstage/catalog-model';

const entity = (
  kind: string,
  spec: Entity['spec'],
  annotations?: Record<string, string>,
): Entity => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind,
  metadata: { name: 'x', annotations },
  spec,
});

describe('isShipyardAvailable', () => {
  it('applies to service components and to anything naming its workspaces', () => {
    expect(isShipyardAvailable(entity('Component', { type: 'service' }))).toBe(
      true,
    );
    expect(
      isShipyardAvailable(
        entity('Resource', {}, { 'shipyard/workspaces': 'dev, prod' }),
      ),
    ).toBe(true);
  });

  it('does not apply to websites, libraries or other kinds without the annotation', () => {
    expect(isShipyardAvailable(entity('Component', { type: 'library' }))).toBe(
      false,
    );
    expect(isShipyardAvailable(entity('API', { type: 'openapi' }))).toBe(false);
  });
});
