import { $, api, el, formatPhone, formatTime, messageOf, say } from '../app.js';

const rows = $('#outbox-rows');
const auto = $('#auto-refresh');

/** The text with codes (4–10 digits standing alone, not part of an amount) highlighted. */
function highlightCodes(text) {
  const cell = el('td');
  let last = 0;
  for (const match of text.matchAll(/(?<!\d[.,]?)\d{4,10}(?![.,]?\d)/g)) {
    cell.append(text.slice(last, match.index), el('mark', { text: match[0], className: 'code' }));
    last = match.index + match[0].length;
  }
  cell.append(text.slice(last));
  return cell;
}

function statusBadge(code) {
  if (code === undefined) return el('td');
  const kind = code === '400' ? 'ok' : code.startsWith('-') || code === '110' ? 'error' : 'warn';
  return el('td', {}, [el('span', { text: code, className: `badge ${kind}` })]);
}

async function refresh() {
  const result = await api('GET', '/api/outbox');
  if (!result.ok) {
    say($('#message'), messageOf(result), 'warn');
    auto.checked = false;
    return;
  }
  const { messages } = result.data;
  $('#outbox-count').textContent = `${messages.length} message${messages.length === 1 ? '' : 's'}`;
  rows.replaceChildren(
    ...(messages.length === 0
      ? [
          el('tr', {}, [
            el('td', { text: 'No messages yet.', className: 'empty', attrs: { colspan: '5' } }),
          ]),
        ]
      : messages.map((m) =>
          el('tr', { attrs: { 'data-channel': m.channel, 'data-to': m.to, 'data-id': m.id } }, [
            el('td', { text: formatTime(m.createdAt), className: 'mono' }),
            el('td', {}, [
              el('span', { text: m.channel.toUpperCase(), className: `badge ${m.channel}` }),
            ]),
            el('td', { text: formatPhone(m.to), className: 'mono' }),
            highlightCodes(m.text),
            statusBadge(m.status),
          ]),
        )),
  );
}

await refresh();
setInterval(() => {
  if (auto.checked && document.visibilityState === 'visible') void refresh();
}, 2000);
