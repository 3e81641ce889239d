import { $, api, messageOf, requestCodeOnArrival, sampleInfo, say } from '../app.js';

const form = $('#login-form');
const message = $('#message');

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const button = form.querySelector('button');
  button.disabled = true;
  const result = await api('POST', '/api/branch/login', {
    body: { customerNo: form.customerNo.value, password: form.password.value },
  });
  button.disabled = false;
  if (result.ok) {
    requestCodeOnArrival('branch'); // this click sends the code, not the next page's load
    location.assign(result.data.next);
    return;
  }
  say(message, messageOf(result), 'error');
  form.password.value = '';
  form.password.focus();
});

const info = await sampleInfo();
const hint = $('#demo-hint');
hint.textContent = `Demo customer: ${info.demo.customerNo}, password ${info.demo.password}.`;
hint.hidden = false;
