import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import type { OtpEventMap, OtpHooks } from './otp.events.js';
import { OtpEventDispatcher } from './otp-event-dispatcher.js';
import type { OtpChallengeSummary } from './stores/otp.store.js';

// Issue 10, point 6: no event payload is built when nothing listens (no listener, no hook, no
// metrics), and the payload is the documented one when someone does.

/** A challenge whose phone, subject and purpose count how often they are read. */
function watchedChallenge(): { challenge: OtpChallengeSummary; reads: () => number } {
  let reads = 0;
  const challenge = {
    get phone() {
      reads++;
      return '905321234567';
    },
    get purpose() {
      reads++;
      return 'login';
    },
    get subject() {
      reads++;
      return 'user-1';
    },
  };
  return { challenge, reads: () => reads };
}

function dispatcher(hooks: OtpHooks = {}): {
  events: EventEmitter<OtpEventMap>;
  dispatch: OtpEventDispatcher;
} {
  const events = new EventEmitter<OtpEventMap>();
  return { events, dispatch: new OtpEventDispatcher(events, hooks, new Logger('test')) };
}

const NOW = Date.UTC(2026, 0, 1);

function emitAll(dispatch: OtpEventDispatcher, challenge: OtpChallengeSummary): void {
  dispatch.sent('id', challenge, NOW + 1000, false, 'm1', NOW);
  dispatch.sent('id', challenge, NOW + 1000, true, undefined, NOW);
  dispatch.failed('id', 'invalid', challenge, 2, NOW);
  dispatch.locked('id', challenge, undefined, NOW);
  dispatch.rateLimited(
    'phone',
    { cap: 'phone', retryAfterSeconds: 5 },
    undefined,
    challenge,
    undefined,
    NOW,
  );
  dispatch.testNumberUsed('verify', 'id', challenge, NOW);
  dispatch.ended('verified', 'id', challenge, NOW);
  dispatch.ended('expired', 'id', challenge, NOW);
  dispatch.ended('cancelled', 'id', challenge, NOW);
}

describe('OtpEventDispatcher', () => {
  it('builds no payload (reads nothing of the challenge) when nothing listens', () => {
    const { dispatch } = dispatcher();
    const { challenge, reads } = watchedChallenge();
    emitAll(dispatch, challenge);
    expect(reads()).toBe(0);
  });

  it('builds only the payload of the event someone listens to', () => {
    const { events, dispatch } = dispatcher();
    const heard: unknown[] = [];
    events.on('verified', (event) => heard.push(event));
    const { challenge, reads } = watchedChallenge();
    emitAll(dispatch, challenge);
    expect(heard).toHaveLength(1);
    expect(reads()).toBeGreaterThan(0);
  });

  it('gives a listener or a hook the documented payloads, in their documented order', () => {
    const onRateLimited = jest.fn<(event: unknown) => void>();
    const { events, dispatch } = dispatcher({ onRateLimited });
    const sent: unknown[] = [];
    const resent: unknown[] = [];
    events.on('sent', (event) => sent.push(event));
    events.on('resent', (event) => resent.push(event));
    const phone = { phone: '905321234567', purpose: 'login', subject: 'user-1' };
    dispatch.sent('id', phone, NOW + 1000, false, 'm1', NOW);
    dispatch.sent('id', phone, NOW + 1000, true, undefined, NOW);
    dispatch.rateLimited(
      'ip',
      { cap: 'ip', retryAfterSeconds: 5 },
      undefined,
      phone,
      '10.0.0.1',
      NOW,
    );
    dispatch.rateLimited('max_resends', {}, 'id', phone, undefined, NOW);

    const first = sent[0] as Record<string, unknown>;
    expect(Object.keys(first)).toEqual([
      'challengeId',
      'purpose',
      'subject',
      'maskedPhone',
      'expiresAt',
      'resend',
      'messageId',
      'at',
    ]);
    expect(first).toEqual({
      challengeId: 'id',
      purpose: 'login',
      subject: 'user-1',
      maskedPhone: expect.stringMatching(/^\+?90.*\*.*67$/) as string,
      expiresAt: new Date(NOW + 1000),
      resend: false,
      messageId: 'm1',
      at: new Date(NOW),
    });
    expect(Object.isFrozen(first)).toBe(true);
    // A resend: one payload for `sent` and `resent`.
    expect(sent[1]).toBe(resent[0]);
    expect(resent).toHaveLength(1);
    expect((sent[1] as { resend: boolean }).resend).toBe(true);

    const [ipRefusal, maxResends] = onRateLimited.mock.calls.map(([event]) => event as object);
    expect(Object.keys(ipRefusal!)).toEqual([
      'limit',
      'cap',
      'retryAfterSeconds',
      'purpose',
      'subject',
      'maskedPhone',
      'ip',
      'at',
    ]);
    expect(Object.keys(maxResends!)).toEqual([
      'limit',
      'challengeId',
      'purpose',
      'subject',
      'maskedPhone',
      'at',
    ]);
  });
});
