import { ResponseError } from '@backstage/errors';
import { CliError, describeError } from './errors';

const responseError = (status: number, statusText: string, message: string) =>
  ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'Error', message },
        response: { statusCode: status },
      }),
      { status, statusText, headers: { 'Content-Type': 'application/json' } },
    ),
  );

describe('describeError', () => {
  it.each([
    [400, 'Bad Request', 2],
    [401, 'Unauthorized', 4],
    [403, 'Forbidden', 1],
    [404, 'Not Found', 1],
    [409, 'Conflict', 3],
    [500, 'Internal Server Error', 1],
  ])(
    'maps a %i to exit code %i with the backend’s reason on one line',
    async (status, text, code) => {
      const error = await responseError(
        status,
        text,
        'the reason\nspans lines',
      );
      expect(describeError(error)).toEqual({
        message: `${status} ${text}: the reason spans lines`,
        exitCode: code,
      });
    },
  );

  it('keeps the message and exit code of a CliError', () => {
    expect(describeError(new CliError('v4 in dev: failed', 1))).toEqual({
      message: 'v4 in dev: failed',
      exitCode: 1,
    });
  });

  it('blames the URL when the answer is not JSON', () => {
    expect(describeError(new SyntaxError('Unexpected token <'))).toMatchObject({
      exitCode: 4,
      message: expect.stringContaining("Backstage backend's base URL"),
    });
  });
});
