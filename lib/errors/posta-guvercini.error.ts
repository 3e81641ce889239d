/**
 * Base class of every error the package throws from services and transports.
 * `code` is stable and meant for programs; `message` is for people and never contains a
 * password, an OTP code or a credential-bearing URL.
 */
export class PostaGuverciniError extends Error {
  override readonly name: string = 'PostaGuverciniError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
