import { $, api, formatDateTime, say } from '../app.js';

const paymentId = new URLSearchParams(location.search).get('payment') ?? '';
const result = await api('GET', `/api/payments/${encodeURIComponent(paymentId)}`);
if (!result.ok || result.data.status !== 'authorized') {
  say($('#message'), 'This payment is not confirmed.', 'error');
} else {
  const payment = result.data;
  say($('#message'), 'The bank accepted the one-time password. The payment is authorized.', 'ok');
  $('#merchant-label').textContent = payment.merchant;
  $('#amount-label').textContent = `${payment.amount} ${payment.currency}`;
  $('#card-label').textContent = `•••• ${payment.cardLast4}`;
  $('#authorized-label').textContent = formatDateTime(payment.authorizedAt);
  $('#payment-label').textContent = payment.id;
  $('#receipt').hidden = false;
}
