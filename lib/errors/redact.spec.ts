import { inspect } from 'node:util';
import { redactCredentials, redactUrlCredentials, safeCause } from './redact.js';

describe('redactUrlCredentials', () => {
  it('masks user and password of every URL, keeps the rest readable', () => {
    expect(
      redactUrlCredentials(
        'connect to redis://app:s3cr%40t@10.0.0.5:6379/2 failed; replica rediss://:hunter2@r.example:6380',
      ),
    ).toBe('connect to redis://***@10.0.0.5:6379/2 failed; replica rediss://***@r.example:6380');
  });

  it('masks a raw (not percent-encoded) password holding a slash', () => {
    expect(redactUrlCredentials('redis://app:pa/ss@10.0.0.5:6379 refused')).toBe(
      'redis://***@10.0.0.5:6379 refused',
    );
  });

  it('leaves text without credentials alone', () => {
    for (const text of ['connect ECONNREFUSED 127.0.0.1:6379', 'redis://10.0.0.5:6379/0', '']) {
      expect(redactUrlCredentials(text)).toBe(text);
    }
  });
});

describe('redactCredentials', () => {
  it('masks key=value credentials and AUTH/HELLO arguments, keeps the rest', () => {
    expect(redactCredentials('login failed: password=hunter2; user=app')).toBe(
      'login failed: password=***; user=app',
    );
    expect(redactCredentials('{"secret": "abc def"} sent')).toBe('{"secret": ***} sent');
    expect(redactCredentials('HELLO 3 AUTH default hunter2 failed')).toBe(
      'HELLO 3 AUTH *** failed',
    );
    expect(redactCredentials('AUTH hunter2')).toBe('AUTH ***');
    expect(redactCredentials('WRONGPASS invalid username-password pair')).toBe(
      'WRONGPASS invalid username-password pair',
    );
  });
});

describe('safeCause', () => {
  /** What an ioredis ReplyError for a wrong password looks like. */
  function replyError(): Error {
    const error = new Error('WRONGPASS invalid username-password pair or user is disabled.');
    error.name = 'ReplyError';
    return Object.assign(error, {
      code: 'WRONGPASS',
      command: { name: 'hello', args: ['3', 'AUTH', 'default', 'hunter2-secret'] },
      cause: Object.assign(new Error('connect to redis://app:hunter2-secret@10.0.0.5 failed'), {
        options: { password: 'hunter2-secret' },
      }),
    });
  }

  it('keeps name, message and code, drops every other property, down the cause chain', () => {
    const copy = safeCause(replyError())!;
    expect(copy).toBeInstanceOf(Error);
    expect(copy.name).toBe('ReplyError');
    expect(copy.message).toBe('WRONGPASS invalid username-password pair or user is disabled.');
    expect((copy as { code?: unknown }).code).toBe('WRONGPASS');
    expect(copy).not.toHaveProperty('command');
    expect((copy.cause as Error).message).toBe('connect to redis://***@10.0.0.5 failed');
    expect(copy.cause).not.toHaveProperty('options');
    for (const printed of [
      inspect(copy, { depth: Infinity, showHidden: true }),
      JSON.stringify(copy),
      String(copy),
      String(copy.stack),
    ]) {
      expect(printed).not.toContain('hunter2');
    }
    expect(JSON.parse(JSON.stringify(copy))).toEqual({
      name: 'ReplyError',
      message: 'WRONGPASS invalid username-password pair or user is disabled.',
      code: 'WRONGPASS',
      cause: { name: 'Error', message: 'connect to redis://***@10.0.0.5 failed' },
    });
  });

  it('handles non-errors and stops at a bounded depth', () => {
    expect(safeCause(undefined)).toBeUndefined();
    expect(safeCause('password=x')!.message).toBe('password=***');
    const loop: { message: string; cause?: unknown } = { message: 'loop' };
    loop.cause = loop;
    let depth = 0;
    for (let e: unknown = safeCause(loop); e !== undefined; e = (e as Error).cause) depth++;
    expect(depth).toBeLessThanOrEqual(4);
  });
});
