import { inspect } from 'node:util';
import { PostaGuverciniError } from './posta-guvercini.error.js';
import { redactCredentials, redactUrlCredentials, sanitizeCause } from './redact.js';

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

describe('sanitizeCause', () => {
  it('keeps name, message, stack and diagnostic codes of a driver error; drops everything else', () => {
    const driver = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      name: 'ReplyError',
      code: 'WRONGPASS',
      command: { name: 'hello', args: ['3', 'AUTH', 'default', 'hunter2-secret'] },
      previousErrors: [] as unknown[],
    });
    driver.previousErrors.push(driver);
    const safe = sanitizeCause(driver) as Error & Record<string, unknown>;
    expect(safe).not.toBe(driver);
    expect(safe).toBeInstanceOf(Error);
    expect(safe.name).toBe('ReplyError');
    expect(safe.message).toBe('WRONGPASS invalid username-password pair');
    expect(safe['code']).toBe('WRONGPASS');
    expect(safe['command']).toBeUndefined();
    expect(safe['previousErrors']).toBeUndefined();
    expect(inspect(safe, { depth: Infinity, showHidden: true })).not.toContain('hunter2');
    expect(driver.command.args).toContain('hunter2-secret'); // the original is left alone
  });

  it('masks URL credentials and given secrets along the whole cause chain, AggregateErrors included', () => {
    const inner = new AggregateError(
      [new Error('connect ECONNREFUSED redis://:p4ssw0rd@10.0.0.1:6379')],
      'all attempts failed',
    );
    const outer = new Error('pool error (password p4ssw0rd)', { cause: inner });
    const safe = sanitizeCause(outer, ['p4ssw0rd']) as Error;
    const text = inspect(safe, { depth: Infinity, showHidden: true });
    expect(text).not.toContain('p4ssw0rd');
    expect(safe.message).toBe('pool error (password ***)');
    const safeInner = safe.cause as AggregateError;
    expect(safeInner.message).toBe('all attempts failed');
    expect((safeInner.errors[0] as Error).message).toBe(
      'connect ECONNREFUSED redis://***@10.0.0.1:6379',
    );
  });

  it("keeps the package's own errors as they are, and replaces thrown non-errors", () => {
    const own = new PostaGuverciniError('UNEXPECTED', 'boom');
    expect(sanitizeCause(own)).toBe(own);
    expect(sanitizeCause('redis://u:pw@h failed')).toBe('redis://***@h failed');
    const fromObject = sanitizeCause({ password: 'hunter2' }) as Error;
    expect(fromObject).toBeInstanceOf(Error);
    expect(JSON.stringify(fromObject) + inspect(fromObject)).not.toContain('hunter2');
    expect(sanitizeCause(undefined)).toBeUndefined();
  });

  it('is applied by every error of the package to its cause', () => {
    const driver = Object.assign(new Error('NOAUTH'), { command: { args: ['AUTH', 'hunter2'] } });
    const error = new PostaGuverciniError('UNEXPECTED', 'failed', { cause: driver });
    expect(error.cause).not.toBe(driver);
    expect(inspect(error, { depth: Infinity, showHidden: true })).not.toContain('hunter2');
    expect((error.cause as Error).message).toBe('NOAUTH');
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

describe('sanitizeCause of a wrong-password ReplyError', () => {
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
    const copy = sanitizeCause(replyError()) as Error;
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
    expect(sanitizeCause(undefined)).toBeUndefined();
    expect(sanitizeCause('password=x')).toBe('password=***');
    const loop: { message: string; cause?: unknown } = { message: 'loop' };
    loop.cause = loop;
    let depth = 0;
    for (let e: unknown = sanitizeCause(loop); e !== undefined; e = (e as Error).cause) depth++;
    expect(depth).toBeLessThanOrEqual(4);
  });
});
