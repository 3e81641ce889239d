/**
 * The minimal sample (`sample/minimal/`, `npm run sample:minimal`) as a person copying it would
 * try it: sign in with the code from the SMS, then confirm a transfer with a second code bound
 * to its amount and payee, on the embedded simulator that `main.ts` starts.
 */
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { PostaGuverciniSimulator } from 'nestjs-posta-guvercini/testing';
import request from 'supertest';
import { AppModule } from '../minimal/app.module.js';
import { startDevSimulator } from '../minimal/dev-simulator.js';
import { codeIn } from './sample-app.fixture.js';

const VARIABLES = [
  'POSTA_GUVERCINI_OTP_USERNAME',
  'POSTA_GUVERCINI_OTP_PASSWORD',
  'POSTA_GUVERCINI_OTP_BASE_URL',
  'OTP_SECRET',
] as const;

describe('Minimal sample on its embedded simulator', () => {
  const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
  const printed: string[] = [];
  let simulator: PostaGuverciniSimulator | undefined;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    for (const name of VARIABLES) delete process.env[name];
    simulator = await startDevSimulator((line) => printed.push(line));
    app = await NestFactory.create(AppModule, { logger: false, abortOnError: false });
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    await simulator?.stop();
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
  });

  /** The code of the last SMS to the demo phone, read from the simulator. */
  function lastCode(): { code: string; text: string } {
    const text = simulator!.lastMessageTo('+90 532 123 45 67', 'otp')!.text;
    return { code: codeIn(text), text };
  }

  async function signIn(): Promise<string> {
    const sent = await request(app!.getHttpServer())
      .post('/login')
      .send({ phone: '0532 123 45 67' })
      .expect(200);
    expect(sent.body).toMatchObject({ maskedPhone: '+90 532 *** ** 67' });
    expect(JSON.stringify(sent.body)).not.toContain(lastCode().code);
    const verified = await request(app!.getHttpServer())
      .post('/login/verify')
      .send({ challengeId: sent.body.challengeId, code: lastCode().code, phone: '0532 123 45 67' })
      .expect(200);
    return verified.body.token as string;
  }

  it('runs on the simulator it started, and prints every SMS', async () => {
    expect(simulator).toBeDefined();
    expect(process.env.POSTA_GUVERCINI_OTP_BASE_URL).toBe(simulator!.otpBaseUrl);
    await request(app!.getHttpServer())
      .post('/login')
      .send({ phone: '+90 532 123 45 67' })
      .expect(200);
    const { code } = lastCode();
    expect(printed.at(-1)).toMatch(/^ {2}SMS to \+90 532 \*\*\* \*\* 67: /);
    expect(printed.at(-1)).toContain(code);
  });

  it('signs in with the code: challenge, wrong code refused, right code gives a session', async () => {
    const sent = await request(app!.getHttpServer())
      .post('/login')
      .send({ phone: '0532 123 45 67' })
      .expect(200);
    const { code } = lastCode();
    const wrong = code === '000000' ? '111111' : '000000';
    const refused = await request(app!.getHttpServer())
      .post('/login/verify')
      .send({ challengeId: sent.body.challengeId, code: wrong, phone: '0532 123 45 67' })
      .expect(401);
    expect(refused.body).toMatchObject({ reason: 'invalid', attemptsLeft: 4 });
    const verified = await request(app!.getHttpServer())
      .post('/login/verify')
      .send({ challengeId: sent.body.challengeId, code, phone: '0532 123 45 67' })
      .expect(200);
    expect(verified.body.token).toEqual(expect.any(String));
  });

  it('a transfer: 401 with a challenge bound to amount and payee, then 201 with the code', async () => {
    const token = await signIn();
    const transfer = { amount: '250.00', payee: 'Ali Veli' };
    const challenge = await request(app!.getHttpServer())
      .post('/transfers')
      .set('Authorization', `Bearer ${token}`)
      .send(transfer)
      .expect(401);
    expect(challenge.headers['www-authenticate']).toBe(
      `OTP challenge="${challenge.body.challengeId}"`,
    );
    const { code, text } = lastCode();
    expect(text).toContain('250.00');
    expect(text).toContain('Ali Veli');

    // The same code for another amount is refused like a wrong code.
    await request(app!.getHttpServer())
      .post('/transfers')
      .set('Authorization', `Bearer ${token}`)
      .set('X-OTP-Challenge', challenge.body.challengeId)
      .set('X-OTP-Code', code)
      .send({ ...transfer, amount: '2500.00' })
      .expect(401);

    const done = await request(app!.getHttpServer())
      .post('/transfers')
      .set('Authorization', `Bearer ${token}`)
      .set('X-OTP-Challenge', challenge.body.challengeId)
      .set('X-OTP-Code', code)
      .send(transfer)
      .expect(201);
    expect(done.body).toMatchObject({ status: 'done', amount: '250.00', payee: 'Ali Veli' });
  });

  it('refuses a transfer without a session, and sends no SMS for it', async () => {
    const before = simulator!.messages.length;
    const refused = await request(app!.getHttpServer())
      .post('/transfers')
      .send({ amount: '1.00', payee: 'X' })
      .expect(401);
    expect(refused.body.message).toBe('Sign in first: POST /login');
    expect(simulator!.messages).toHaveLength(before);
  });

  it('refuses a number that is not a Turkish mobile with 400 before sending', async () => {
    const before = simulator!.messages.length;
    await request(app!.getHttpServer())
      .post('/login')
      .send({ phone: '+1 202 555 0100' })
      .expect(400);
    await request(app!.getHttpServer()).post('/login').send({}).expect(400);
    expect(simulator!.messages).toHaveLength(before);
  });
});
