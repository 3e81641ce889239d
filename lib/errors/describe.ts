import { redactSecrets } from './redact.js';

/*
 * Wording helpers for error messages. A leaf: imports nothing above lib/errors/redact.ts, so
 * any module (bulk pipeline, runners) can use it without an import cycle through the errors.
 */

/**
 * An error's message for logs and error messages, credentials in URLs (Redis) and the given
 * `secrets` (e.g. the configured Redis password) masked.
 */
export function describeCause(error: unknown, secrets: readonly string[] = []): string {
  return redactSecrets(error instanceof Error ? String(error.message) : String(error), secrets);
}

/** `1 recipient`, `2 recipients`, `1 batch`, `3 batches`: counts in messages read right. */
export function countOf(n: number, singular: string, plural = `${singular}s`): string {
  return `${n} ${n === 1 ? singular : plural}`;
}
