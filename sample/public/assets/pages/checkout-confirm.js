import { $, api, describeOtpAnswer, messageOf, otpRequest, otpStep, say } from '../app.js';

const message = $('#message');
const form = $('#confirm-form');
const resend = $('#resend');
const tamperAmount = $('#tamper-amount');
const paymentId = new URLSearchParams(location.search).get('payment') ?? '';
let payment;

// What the card holder agrees to travels with every call; the guard binds the code to it.
const request = otpRequest(`/api/payments/${encodeURIComponent(paymentId)}/confirm`, () => ({
  amount: tamperAmount.value.trim() || payment.amount,
  currency: payment.currency,
  payee: payment.merchant,
}));

const start = otpStep({
  flow: `checkout:${paymentId}`,
  request,
  form,
  message,
  resend,
  submit: $('#confirm'),
  // 409: the payment was changed before the code was sent (no code involved).
  describe: (result) =>
    result.status === 409
      ? { target: 'status', kind: 'error', text: messageOf(result) }
      : describeOtpAnswer(result),
});

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
  await start();
}
