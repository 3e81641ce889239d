import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { Request, Response } from 'express';

/** What the sample remembers about a browser between requests. */
export interface SessionData {
  /** Customer whose password was checked and who still owes the one-time password. */
  pendingCustomerNo?: string;
  /** Customer signed in with password and one-time password. */
  customerNo?: string;
  signedInAt?: Date;
}

interface StoredSession {
  readonly data: SessionData;
  expiresAt: number;
}

const COOKIE = 'sample_sid';
const IDLE_MS = 15 * 60 * 1000;

/**
 * A deliberately small cookie session for the demo (an opaque random id in an HttpOnly,
 * SameSite=Lax cookie; data in memory). A real app uses its own session or token mechanism;
 * the OTP guard only needs the phone and subject it derives from the request.
 */
@Injectable()
export class SessionStore {
  private readonly sessions = new Map<string, StoredSession>();

  /** The session of this request, if any (and not expired). */
  get(request: Request): SessionData | undefined {
    const id = readCookie(request, COOKIE);
    if (id === undefined) return undefined;
    const stored = this.sessions.get(id);
    if (stored === undefined) return undefined;
    if (stored.expiresAt <= Date.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    stored.expiresAt = Date.now() + IDLE_MS;
    return stored.data;
  }

  /**
   * Starts a new session (a new id every time: a privilege change, such as passing the
   * password or the OTP step, never keeps the old id) and drops the request's previous one.
   */
  start(request: Request, response: Response, data: SessionData): void {
    this.destroy(request, response);
    this.sweep();
    const id = randomBytes(24).toString('base64url');
    this.sessions.set(id, { data, expiresAt: Date.now() + IDLE_MS });
    response.cookie(COOKIE, id, {
      httpOnly: true,
      sameSite: 'lax',
      secure: request.secure,
      path: '/',
      maxAge: IDLE_MS,
    });
  }

  destroy(request: Request, response: Response): void {
    const id = readCookie(request, COOKIE);
    if (id !== undefined) this.sessions.delete(id);
    response.clearCookie(COOKIE, { path: '/' });
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, stored] of this.sessions) if (stored.expiresAt <= now) this.sessions.delete(id);
  }
}

function readCookie(request: Request, name: string): string | undefined {
  const header = request.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name)
      return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
