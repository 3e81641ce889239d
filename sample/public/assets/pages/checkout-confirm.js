import { $, api, countdown, describeOtpAnswer, messageOf, otpRequest, say } from '../app.js';

const message = $('#message');
const form = $('#confirm-form');
const resend = $('#resend');
const tamperAmount = $('#tamper-amount');
const paymentId = new URLSearchParams(location.search).get('payment') ?? '';
let payment;
let stopCountdown = () => {};

// What the card holder agrees to travels with every call; the guard binds the code to it.
const request = otpRequest(`/api/payments/${encodeURIComponent(paymentId)}/confirm`, () => ({
  amount: tamperAmount.value.trim() || payment.amount,
  currency: payment.currency,
  payee: payment.merchant,
}));

async function sendCode() {
  resend.disabled = true;
  const result = await request.send();
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
  $('#confirm').disabled = true;
  const result = await request.submit(code);
  $('#confirm').disabled = false;
  if (result.ok) {
    stopCountdown();
    location.assign(result.data.next);
    return;
  }
  const { kind, text } =
    result.status === 409 ? { kind: 'error', text: messageOf(result) } : describeOtpAnswer(result);
  say(message, text, kind);
  form.code.select();
});

resend.addEventListener('click', () => void sendCode());

const loaded = await api('GET', `/api/payments/${encodeURIComponent(paymentId)}`);
if (!loaded.ok) {
  say(
    message,
    loaded.status === 404 || loaded.status === 400
      ? 'Unknown payment. Start again from the checkout.'
      : messageOf(loaded),
    'error',
  );
  form.hidden = true;
} else if (loaded.data.status !== 'awaiting_confirmation') {
  location.assign(`/checkout/done?payment=${encodeURIComponent(paymentId)}`);
} else {
  payment = loaded.data;
  $('#merchant-label').textContent = payment.merchant;
  $('#amount-label').textContent = `${payment.amount} ${payment.currency}`;
  $('#card-label').textContent = `Card •••• ${payment.cardLast4}`;
  tamperAmount.value = payment.amount;
  await sendCode();
}
