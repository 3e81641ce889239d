// Issue 9, point 11 for OtpService: every public method given a missing or wrong argument
// answers with the package's typed error (or, for verify(), a refused result), never a
// TypeError, and sends nothing.
import { MemoryOtpStore, PostaGuverciniError } from '../lib/index.js';
import { createService } from './otp-fixtures.js';

const WRONG: readonly unknown[] = [undefined, null, 42, 'text', [], true];

describe('OtpService given missing or wrong arguments', () => {
  const { service, transport } = createService(new MemoryOtpStore());

  afterEach(() => {
    expect(transport.outbox).toHaveLength(0);
  });

  /** The error a call rejects with, or `undefined` when it resolves. */
  async function rejection(call: () => Promise<unknown>): Promise<unknown> {
    try {
      await call();
      return undefined;
    } catch (error) {
      return error;
    }
  }

  it.each(WRONG)('send(%p) rejects with a typed validation error', async (argument) => {
    const error = await rejection(() => service.send(argument as never));
    expect(error).toBeInstanceOf(PostaGuverciniError);
    expect(error).not.toBeInstanceOf(TypeError);
  });

  it.each(WRONG)('unlock(%p) rejects with a typed validation error', async (argument) => {
    const error = await rejection(() => service.unlock(argument as never));
    expect(error).toBeInstanceOf(PostaGuverciniError);
  });

  it.each(WRONG)('resend(%p) rejects with a typed error', async (argument) => {
    const error = await rejection(() => service.resend(argument as never));
    expect(error).toBeInstanceOf(PostaGuverciniError);
  });

  it.each(WRONG)('verify(%p) is refused, not thrown as a TypeError', async (argument) => {
    let result: unknown;
    let error: unknown;
    try {
      result = await service.verify(argument as never);
    } catch (caught) {
      error = caught;
    }
    if (error !== undefined) expect(error).toBeInstanceOf(PostaGuverciniError);
    else expect(result).toMatchObject({ valid: false });
  });

  it.each(WRONG)('status(%p) and cancel(%p) answer "no such challenge"', async (argument) => {
    await expect(service.status(argument as never)).resolves.toBeUndefined();
    await expect(service.cancel(argument as never)).resolves.toBe(false);
  });
});
