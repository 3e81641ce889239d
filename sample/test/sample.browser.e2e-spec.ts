import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jest } from '@jest/globals';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { DEMO_PHONE_CANONICAL, type RunningSample, startSample } from './sample-app.fixture.js';

/** Debian's Chromium (`apt-get install chromium`; `.ci/run` installs it when missing). */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Flags for a closed network: no background downloads, no sync, no QUIC, no GPU. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots land here (gitignored): look at them to check the pages. */
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

jest.setTimeout(90_000);

describe('Sample app in headless Chromium', () => {
  let sample: RunningSample;
  let userDataDir: string;
  let context: BrowserContext;
  /** Script errors and console errors (a CSP violation is one) of every page. */
  const pageErrors: string[] = [];

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true });
    sample = await startSample({}, { listen: true });
    userDataDir = await mkdtemp(join(tmpdir(), 'pg-sample-chromium-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1180, height: 860 },
      locale: 'tr-TR',
      timezoneId: 'Europe/Istanbul',
    });
    context.on('page', (page) => {
      page.on('pageerror', (error) => pageErrors.push(`${page.url()}: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error' && !/status of 4\d\d/.test(message.text())) {
          pageErrors.push(`${page.url()}: ${message.text()}`);
        }
      });
    });
  });

  afterAll(async () => {
    await context?.close();
    await sample?.close();
    if (userDataDir) await rm(userDataDir, { recursive: true, force: true });
  });

  afterEach(() => {
    expect(pageErrors).toEqual([]);
  });

  /**
   * Reads the newest one-time password to the demo phone from the outbox page, as a person
   * trying the sample does (in a second tab). `expect` is text the SMS must contain.
   */
  async function codeFromOutbox(expectText?: string): Promise<{ code: string; text: string }> {
    const outbox = await context.newPage();
    try {
      await outbox.goto(`${sample.url}/outbox`);
      const row = outbox
        .locator(`#outbox-rows tr[data-channel="otp"][data-to="${DEMO_PHONE_CANONICAL}"]`)
        .first();
      await row.waitFor();
      const text = (await row.locator('td').nth(3).textContent()) ?? '';
      if (expectText !== undefined) expect(text).toContain(expectText);
      const code = (await row.locator('mark.code').first().textContent()) ?? '';
      expect(code).toMatch(/^\d{6}$/);
      return { code, text };
    } finally {
      await outbox.close();
    }
  }

  /** One-time passwords the simulator has received for the demo phone so far. */
  function otpMessagesToDemoPhone(): number {
    return sample.simulator.messages.filter(
      (m) => m.profile === 'otp' && m.to === DEMO_PHONE_CANONICAL,
    ).length;
  }

  async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  }

  it('internet-branch login: password, the code from the outbox, the signed-in page', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/`);
    await page.locator('.mode', { hasText: 'Embedded simulator' }).waitFor();
    await shot(page, 'sample-home.png');

    await page.click('text=Sign in');
    await page.waitForURL('**/branch/login');
    await page.fill('#customerNo', '10000001');
    await page.fill('#password', 'wrong-password');
    await page.click('#login-form button[type=submit]');
    await page
      .locator('#message.error', { hasText: 'customer number or the password is wrong' })
      .waitFor();

    await page.fill('#password', 'demo1234');
    await page.click('#login-form button[type=submit]');
    await page.waitForURL('**/branch/otp');
    await page.locator('#message', { hasText: 'We sent a one-time password' }).waitFor();
    // "Send a new code" counts down to resendAvailableAt.
    await page.locator('#resend', { hasText: /^Send a new code \(0:\d\d\)$/ }).waitFor();
    expect(await page.isDisabled('#resend')).toBe(true);
    await shot(page, 'sample-branch-otp.png');

    // A reload shows the same challenge and sends no SMS by itself.
    const sentBefore = otpMessagesToDemoPhone();
    await page.reload();
    await page.locator('#message', { hasText: 'We sent a one-time password' }).waitFor();
    await page.locator('#resend', { hasText: /^Send a new code \(0:\d\d\)$/ }).waitFor();
    expect(otpMessagesToDemoPhone()).toBe(sentBefore);

    // A wrong code: the error sits next to the code field; the page message stays.
    await page.fill('#code', '12');
    await page.click('#verify');
    await page.locator('#code-error.error', { hasText: 'Enter the digits from the SMS' }).waitFor();

    const { code } = await codeFromOutbox();
    await page.fill('#code', code);
    await page.click('#verify');
    await page.waitForURL('**/branch/account');
    await page.locator('#greeting', { hasText: 'Hoş geldiniz, Ayşe Yılmaz' }).waitFor();
    expect(await page.locator('#accounts tr').count()).toBe(2);
    await shot(page, 'sample-branch-account.png');

    await page.click('#logout');
    await page.waitForURL('**/branch/login');
    await page.close();
  });

  it('3-D Secure: the amount tampered after the code was sent is refused; the shown amount is paid', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/checkout`);
    // A mistake is shown under the control that caused it.
    await page.fill('#amount', '249,909');
    await page.click('#checkout-form button[type=submit]');
    await page.locator('#amount-error.error', { hasText: 'at most two decimals' }).waitFor();
    expect(await page.getAttribute('#amount', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#message')).toBe('');
    await page.fill('#amount', '249.90');
    await page.click('#checkout-form button[type=submit]');
    await page.waitForURL('**/checkout/confirm?payment=*');
    await page.locator('#message', { hasText: 'We sent a one-time password' }).waitFor();
    expect(await page.textContent('#amount-label')).toBe('249.90 TRY');
    expect(await page.textContent('#merchant-label')).toBe('ACME Elektronik A.Ş.');

    const { code, text } = await codeFromOutbox('249.90 TRY');
    // One segment: the payee's Turkish letters are written plainly (the package's fitting rule).
    expect(text).toContain('ACME Elektronik A.S.');

    // Someone changes the amount the page sends with the code.
    await page.click('details.tamper summary');
    await page.fill('#tamper-amount', '2499.00');
    await page.fill('#code', code);
    await page.click('#confirm');
    await page
      .locator('#code-error.error', { hasText: 'not valid for this request. 4 attempts left.' })
      .waitFor();
    expect(await page.getAttribute('#code', 'aria-invalid')).toBe('true');
    expect(page.url()).toContain('/checkout/confirm');
    await shot(page, 'sample-3ds-tampered.png');

    // The card holder's own request, with the amount the SMS showed.
    await page.fill('#tamper-amount', '249.90');
    await page.fill('#code', code);
    await page.click('#confirm');
    await page.waitForURL('**/checkout/done?payment=*');
    await page.locator('#receipt h1', { hasText: 'Payment confirmed' }).waitFor();
    expect(await page.textContent('#amount-label')).toBe('249.90 TRY');
    await shot(page, 'sample-3ds-confirmed.png');
    await page.close();
  });

  it('a confirmation page opened in a new tab sends nothing until "Send a new code" is clicked', async () => {
    const checkout = await context.newPage();
    await checkout.goto(`${sample.url}/checkout`);
    await checkout.fill('#amount', '75.00');
    await checkout.click('#checkout-form button[type=submit]');
    await checkout.waitForURL('**/checkout/confirm?payment=*');
    await checkout.locator('#message', { hasText: 'We sent a one-time password' }).waitFor();
    const url = checkout.url();
    await checkout.close();

    const sentBefore = otpMessagesToDemoPhone();
    const page = await context.newPage(); // a new tab: nothing in its sessionStorage
    await page.goto(url);
    await page
      .locator('#message', { hasText: 'No code has been sent for this step yet' })
      .waitFor();
    expect(otpMessagesToDemoPhone()).toBe(sentBefore);
    expect(await page.isEnabled('#resend')).toBe(true);

    await page.click('#resend');
    await page.locator('#message', { hasText: 'We sent a one-time password' }).waitFor();
    expect(otpMessagesToDemoPhone()).toBe(sentBefore + 1);
    const { code } = await codeFromOutbox('75.00 TRY');
    await page.fill('#code', code);
    await page.click('#confirm');
    await page.waitForURL('**/checkout/done?payment=*');
    await page.close();
  });

  it('a locked code: the error under the code field, and "Send a new code" as the server allows it', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/checkout`);
    await page.fill('#amount', '19.90');
    await page.click('#checkout-form button[type=submit]');
    await page.waitForURL('**/checkout/confirm?payment=*');
    await page.locator('#message', { hasText: 'We sent a one-time password' }).waitFor();
    const { code } = await codeFromOutbox('19.90 TRY');
    const wrong = code === '000000' ? '111111' : '000000';
    const answers = [
      '4 attempts left.',
      '3 attempts left.',
      '2 attempts left.',
      '1 attempt left.',
      'no attempts are left',
      'Too many wrong codes',
    ];
    for (const answer of answers) {
      await page.fill('#code', wrong);
      await page.click('#confirm');
      await page.locator('#code-error', { hasText: answer }).waitFor();
    }
    await page.locator('#code-error', { hasText: 'Too many wrong codes' }).waitFor();
    // The server allows a new code at once (no Retry-After): the page says so and the button
    // is enabled, with no countdown.
    expect(await page.textContent('#code-error')).toContain(
      'this code is locked. Send a new code.',
    );
    await page.locator('#resend', { hasText: /^Send a new code$/ }).waitFor();
    expect(await page.isDisabled('#resend')).toBe(false);
    await shot(page, 'sample-3ds-locked.png');
    await page.close();
  });

  it('bulk campaign: live progress, report and delivery statuses; the outbox shows every SMS', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/campaigns`);
    await page.fill('#numbers', '+90 532 200 00 02');
    await page.locator('#numbers-count', { hasText: /^1 line$/ }).waitFor();
    await page.fill(
      '#numbers',
      [
        '+90 532 200 00 02',
        '0532 200 00 03',
        '5322000004',
        '0532 200 00 02',
        'not-a-number',
        '+90 532 999 99 99',
      ].join('\n'),
    );
    await page.locator('#numbers-count', { hasText: '6 lines' }).waitFor();
    await page.check('input[name=kind][value=commercial]');
    await page.fill('#sendAt', '2001-01-01T10:00');
    await page.click('#start');
    await page.locator('#sendAt-error.error', { hasText: 'in the past' }).waitFor();
    await page.fill('#sendAt', '');
    await page.selectOption('#validity', '6');
    await page.click('#start');
    await page.locator('#campaign-state', { hasText: 'finished' }).waitFor();
    expect(await page.textContent('#count-sent')).toBe('2');
    expect(await page.textContent('#count-skipped')).toBe('4');
    expect(await page.locator('#report-rows tr').count()).toBe(6);
    expect(await page.textContent('#report-summary')).toBe(
      '2 accepted by the provider, 4 skipped, 0 failed of 6 recipients · 1 request · 2 credits',
    );
    // Recipients in input order.
    expect(await page.locator('#report-rows tr td.mono').first().textContent()).toBe(
      '+90 532 200 00 02',
    );
    await page.locator('#report-rows', { hasText: 'no consent (İYS)' }).waitFor();
    await page.locator('#report-rows', { hasText: 'opted out' }).waitFor();

    // Let the simulator's delivery clock run, then ask for the statuses.
    sample.simulator.advance(10_000);
    await page.click('#refresh-status');
    await page.locator('#report-rows .delivery .badge', { hasText: 'delivered' }).first().waitFor();
    await shot(page, 'sample-campaign.png');

    await page.goto(`${sample.url}/outbox`);
    await page.locator('#outbox-rows tr[data-channel="bulk"]').first().waitFor();
    expect(await page.locator('#outbox-rows tr[data-channel="bulk"]').count()).toBe(2);
    expect(
      await page.locator('#outbox-rows tr[data-channel="otp"]').count(),
    ).toBeGreaterThanOrEqual(2);
    await shot(page, 'sample-outbox.png');
    await page.close();
  });

  it('a 10,000-number campaign: the progress moves batch by batch on the simulator', async () => {
    const page = await context.newPage();
    await page.goto(`${sample.url}/campaigns`);
    const numbers = Array.from({ length: 10_000 }, (_, i) => `0533${String(4_000_000 + i)}`);
    // Uploaded as a file, as an operator would.
    await page.setInputFiles('#numbers-file', {
      name: 'customers.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(numbers.join('\n')),
    });
    await page.locator('#numbers-count', { hasText: '10,000 lines' }).waitFor();
    await page.check('input[name=kind][value=informational]');
    await page.click('#start');
    // A snapshot between the first and the last batch (the simulator holds each answer back).
    await page
      .locator('#progress-detail', {
        hasText: /^[1-9][\d,]* of 10,000 recipients processed · [1-9]\d* requests? answered/,
      })
      .waitFor();
    expect(await page.textContent('#campaign-state')).toBe('running');
    await shot(page, 'sample-campaign-progress.png');
    await page.locator('#campaign-state', { hasText: 'finished' }).waitFor();
    expect(await page.textContent('#count-sent')).toBe('10,000');
    expect(await page.textContent('#progress-detail')).toMatch(
      /^10,000 of 10,000 recipients processed · 13 requests answered/,
    );
    await page.close();
  });
});
