import { $, countdown, describeOtpAnswer, otpRequest, say } from '../app.js';

const message = $('#message');
const form = $('#otp-form');
const resend = $('#resend');
const request = otpRequest('/api/branch/otp');
let stopCountdown = () => {};

/** Asks for a code: the guard sends the SMS and answers 401 with the challenge. */
async function sendCode() {
  resend.disabled = true;
  const result = await request.send();
  if (result.status === 401 && !result.data.challengeId && !result.data.reason) {
    // No password step in this session (or it expired): back to the start.
    location.assign('/branch/login');
    return;
  }
  const { kind, text } = describeOtpAnswer(result);
  say(message, text, kind);
  if (result.data.challengeId) {
    stopCountdown();
    stopCountdown = countdown($('#expires'), result.data.expiresAt, () =>
      say(message, 'The code has expired. Ask for a new one.', 'warn'),
    );
    const wait = new Date(result.data.resendAvailableAt).getTime() - Date.now();
    setTimeout(() => (resend.disabled = false), Math.max(0, wait));
    form.code.focus();
  } else {
    resend.disabled = false;
  }
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const code = form.code.value.trim();
  if (!/^\d{4,10}$/.test(code)) {
    say(message, 'Enter the digits from the SMS.', 'error');
    return;
  }
  $('#verify').disabled = true;
  const result = await request.submit(code);
  $('#verify').disabled = false;
  if (result.ok) {
    stopCountdown();
    location.assign(result.data.next);
    return;
  }
  const { kind, text } = describeOtpAnswer(result);
  say(message, text, kind);
  form.code.select();
});

resend.addEventListener('click', () => void sendCode());
await sendCode();
