import { fileURLToPath } from 'node:url';
import { type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { AppModule, type SampleAppOptions } from './app.module.js';

/** `sample/public`: the pages, styles and scripts (served as they are, no build step). */
export const PUBLIC_DIR = fileURLToPath(new URL('../public', import.meta.url));

/**
 * Pages load only their own scripts and styles; nothing inline, no other origin, no framing
 * (the OTP pages must not be embedded by another site).
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "form-action 'self'",
  "base-uri 'none'",
].join('; ');

export interface CreateSampleAppOptions extends SampleAppOptions {
  /** Nest log levels. @default ['log', 'warn', 'error'] */
  readonly logger?: LogLevel[] | false;
  /** Exit the process when start-up fails (Nest's default); tests pass `false` to get the error. @default true */
  readonly abortOnError?: boolean;
}

/** Builds the sample app (not listening yet). `main.ts` and the sample's e2e specs use it. */
export async function createSampleApp(
  options: CreateSampleAppOptions = {},
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(options), {
    logger: options.logger ?? ['log', 'warn', 'error'],
    bodyParser: false,
    abortOnError: options.abortOnError ?? true,
  });
  // Campaign recipients are pasted into a textarea: allow bodies up to 1 MB.
  app.useBodyParser('json', { limit: '1mb' });
  app.disable('x-powered-by');
  app.use((_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'same-origin');
    next();
  });
  // `/branch/login` serves `branch/login.html`; `/checkout` redirects to `/checkout/` (its index.html).
  app.useStaticAssets(PUBLIC_DIR, { extensions: ['html'], index: 'index.html' });
  return app;
}
