import { randomBytes } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';

/** Who is signed in: what `OtpGuard` reads (`phone` for the SMS, `id` as the subject). */
export interface SignedInUser {
  readonly id: string;
  readonly phone: string;
}

/**
 * Bearer tokens of signed-in users, in memory. A stand-in for your sessions or JWTs: the only
 * thing the package needs from it is `request.user`.
 */
@Injectable()
export class Sessions {
  private readonly users = new Map<string, SignedInUser>();

  start(user: SignedInUser): string {
    const token = randomBytes(24).toString('base64url');
    this.users.set(token, user);
    return token;
  }

  find(token: string | undefined): SignedInUser | undefined {
    return token === undefined ? undefined : this.users.get(token);
  }
}

/** `Authorization: Bearer <token>` → `request.user`; 401 without a valid token. */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(private readonly sessions: Sessions) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined>; user?: SignedInUser }>();
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    const user = this.sessions.find(token);
    if (user === undefined) throw new UnauthorizedException('Sign in first: POST /login');
    request.user = user;
    return true;
  }
}
