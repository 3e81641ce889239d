import {
  $,
  api,
  clearFormErrors,
  requestCodeOnArrival,
  sampleInfo,
  showFormError,
} from '../app.js';

const form = $('#checkout-form');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button');
  clearFormErrors(form);
  button.disabled = true;
  const result = await api('POST', '/api/payments', {
    body: {
      merchant: form.merchant.value,
      amount: form.amount.value,
      cardNumber: form.cardNumber.value,
    },
  });
  button.disabled = false;
  if (result.ok) {
    // This click sends the code (once); reloading the confirmation page does not.
    const payment = new URL(result.data.next, location.href).searchParams.get('payment');
    requestCodeOnArrival(`checkout:${payment}`);
    location.assign(result.data.next);
    return;
  }
  showFormError(form, result, $('#message'));
});

const info = await sampleInfo();
if (form.cardNumber.value === '') form.cardNumber.value = info.demo.card;
