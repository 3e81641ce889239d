import { $, api, el, formatDateTime, say } from '../app.js';

const result = await api('GET', '/api/branch/me');
if (!result.ok) {
  say($('#message'), 'You are not signed in. Redirecting to the login page…', 'warn');
  setTimeout(() => location.assign('/branch/login'), 1200);
} else {
  const me = result.data;
  $('#greeting').textContent = `Hoş geldiniz, ${me.name}`;
  $('#signed-in-at').textContent = formatDateTime(me.signedInAt);
  const rows = $('#accounts');
  for (const account of me.accounts) {
    rows.append(
      el('tr', {}, [
        el('td', { text: account.name }),
        el('td', { text: account.iban, className: 'mono' }),
        el('td', { text: `${account.balance} ${account.currency}`, className: 'num' }),
      ]),
    );
  }
  $('#account').hidden = false;
}

$('#logout').addEventListener('click', async () => {
  await api('POST', '/api/branch/logout');
  location.assign('/branch/login');
});
