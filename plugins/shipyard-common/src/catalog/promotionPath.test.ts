import { parsePromotionChains, readPromotionPath } from './promotionPath';

const workspaces = [
  { name: 'dev', tier: 0 },
  { name: 'hotfix', tier: 0 },
  { name: 'staging', tier: 1 },
  { name: 'prod', tier: 2 },
];

describe('parsePromotionChains', () => {
  it('reads chains separated by ; or line breaks', () => {
    expect(
      parsePromotionChains('dev -> staging -> prod; hotfix -> prod'),
    ).toEqual([
      ['dev', 'staging', 'prod'],
      ['hotfix', 'prod'],
    ]);
    expect(parsePromotionChains('dev -> prod\nhotfix, prod\n')).toEqual([
      ['dev', 'prod'],
      ['hotfix', 'prod'],
    ]);
  });

  it.each([
    ['prod', /at least two/],
    ['dev -> dev', /names dev twice/],
    ['dev -> Staging', /"Staging" is not a workspace name/],
    ['dev -> -> prod', /empty entry/],
    ['dev -> staging; staging -> dev', /circle \(dev -> staging -> dev\)/],
    [' ; ', /at least two/],
  ])('refuses %j', (text, message) => {
    expect(() => parsePromotionChains(text)).toThrow(message);
  });
});

describe('readPromotionPath', () => {
  it('takes the steps of the annotation, marking the auto-promoted one', () => {
    expect(
      readPromotionPath(
        {
          'shipyard/promotion': 'dev -> staging -> prod; hotfix -> prod',
          'shipyard/auto-promote': 'dev -> staging',
        },
        workspaces,
      ),
    ).toEqual({
      source: 'annotation',
      chains: [
        ['dev', 'staging', 'prod'],
        ['hotfix', 'prod'],
      ],
      steps: [
        { from: 'dev', to: 'staging', auto: true },
        { from: 'staging', to: 'prod' },
        { from: 'hotfix', to: 'prod' },
      ],
    });
  });

  it('defaults to one step per tier without the annotation', () => {
    expect(readPromotionPath({}, workspaces).steps).toEqual([
      { from: 'dev', to: 'staging' },
      { from: 'hotfix', to: 'staging' },
      { from: 'staging', to: 'prod' },
    ]);
    expect(
      readPromotionPath(undefined, [workspaces[0], workspaces[3]]),
    ).toEqual({
      source: 'environments',
      chains: [['dev', 'prod']],
      steps: [{ from: 'dev', to: 'prod' }],
    });
  });

  it('reports a malformed promotion annotation with its text and leaves no steps', () => {
    expect(
      readPromotionPath(
        { 'shipyard/promotion': 'dev -> qa -> prod' },
        workspaces,
      ),
    ).toEqual({
      source: 'annotation',
      chains: [],
      steps: [],
      errors: [
        {
          annotation: 'shipyard/promotion',
          text: 'dev -> qa -> prod',
          message:
            "Invalid annotation shipyard/promotion: names qa, not one of the service's workspaces (dev, hotfix, staging, prod)",
        },
      ],
    });
  });

  it('reports an auto-promote step that is not a step of the path, keeping the path', () => {
    const path = readPromotionPath(
      {
        'shipyard/promotion': 'dev -> staging -> prod',
        'shipyard/auto-promote': 'dev -> prod',
      },
      workspaces,
    );
    expect(path.steps).toEqual([
      { from: 'dev', to: 'staging' },
      { from: 'staging', to: 'prod' },
    ]);
    expect(path.errors).toEqual([
      {
        annotation: 'shipyard/auto-promote',
        text: 'dev -> prod',
        message:
          'Invalid annotation shipyard/auto-promote: dev -> prod is not a step of the promotion path (dev -> staging, staging -> prod)',
      },
    ]);
    expect(
      readPromotionPath(
        { 'shipyard/auto-promote': 'dev -> staging -> prod' },
        workspaces,
      ).errors?.[0].message,
    ).toMatch(/exactly two workspaces/);
  });
});
