import {
  $,
  api,
  clearFormErrors,
  el,
  formatPhone,
  messageOf,
  plural,
  say,
  showFormError,
} from '../app.js';

const form = $('#campaign-form');
const message = $('#message');
let currentId;
let events;

/** Same split as the server: lines, commas, semicolons, tabs. */
const lines = (text) =>
  text
    .split(/[\n\r,;\t]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '');

function updateCounts() {
  $('#numbers-count').textContent = plural(lines(form.numbers.value).length, 'line');
}

/** Asks the server (the package's `analyzeSmsText`) what the text costs per recipient. */
let previewTimer;
function updatePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const result = await api('POST', '/api/campaigns/preview', { body: { text: form.text.value } });
    if (!result.ok) return;
    const p = result.data;
    const saving =
      p.transliteratedSegments < p.segments
        ? ` (${p.transliteratedSegments} without Turkish letters)`
        : '';
    $('#text-count').textContent =
      `${p.characters} characters · ${p.encoding === 'gsm7' ? 'GSM-7' : 'Turkish characters, UCS-2'} · ` +
      `${plural(p.segments, 'SMS', 'SMS')} per recipient${saving}`;
  }, 200);
}

form.numbers.addEventListener('input', updateCounts);
form.text.addEventListener('input', updatePreview);
$('#numbers-file').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const text = await file.text();
  form.numbers.value = [form.numbers.value.trim(), text.trim()].filter((t) => t !== '').join('\n');
  updateCounts();
  updatePreview();
});

let startedAt = 0;

function showProgress(p) {
  const total = p.total ?? Math.max(p.processed, 1);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  $('#progress-detail').textContent =
    `${p.processed.toLocaleString('en-US')} of ${p.total === undefined ? '…' : plural(p.total, 'recipient')} processed` +
    ` · ${plural(p.requests ?? 0, 'request')} answered · ${seconds} s`;
  const pct = (n) => `${total === 0 ? 0 : (100 * n) / total}%`;
  $('#bar-sent').style.width = pct(p.sent);
  $('#bar-skipped').style.width = pct(p.skipped);
  $('#bar-failed').style.width = pct(p.failed);
  $('#count-sent').textContent = p.sent.toLocaleString('en-US');
  $('#count-skipped').textContent = p.skipped.toLocaleString('en-US');
  $('#count-failed').textContent = p.failed.toLocaleString('en-US');
  $('#count-total').textContent = p.total === undefined ? '…' : p.total.toLocaleString('en-US');
}

const REASONS = {
  invalid_number: 'invalid number',
  duplicate: 'duplicate',
  opted_out: 'opted out',
  no_consent: 'no consent (İYS)',
  rejected: 'rejected by the provider',
  send_failed: 'request failed',
  filter_failed: 'consent check failed',
  aborted: 'not attempted',
  outcome_unknown: 'outcome unknown (may have been sent)',
  country_not_allowed: 'country not allowed',
  invalid_text: 'text not accepted',
};

function outcomeBadge(line) {
  const kind = line.status === 'sent' ? 'ok' : line.status === 'skipped' ? 'warn' : 'error';
  const reason = REASONS[line.reason] ?? line.reason?.replaceAll('_', ' ') ?? '';
  const label = line.status === 'sent' ? 'accepted' : `${line.status}: ${reason}`;
  return el('span', { text: label, className: `badge ${kind}` });
}

function showReport(report) {
  $('#campaign-state').textContent = 'finished';
  $('#campaign-state').className = 'badge ok';
  showProgress({ ...report, processed: report.total, total: report.total });
  $('#report-summary').textContent =
    `${report.sent.toLocaleString('en-US')} accepted by the provider, ` +
    `${report.skipped.toLocaleString('en-US')} skipped, ${report.failed.toLocaleString('en-US')} failed ` +
    `of ${plural(report.total, 'recipient')} · ${plural(report.requests, 'request')} · ` +
    `${plural(report.credits, 'credit')}` +
    (report.recipientsTruncated
      ? ` · first ${plural(report.recipients.length, 'recipient')} shown`
      : '');
  $('#report-rows').replaceChildren(
    ...report.recipients.map((line) =>
      el(
        'tr',
        {
          attrs: {
            'data-status': line.status,
            ...(line.messageId ? { 'data-message-id': line.messageId } : {}),
          },
        },
        [
          el('td', {
            text: /^90\d{10}$/.test(line.to) ? formatPhone(line.to) : line.to,
            className: 'mono',
          }),
          el('td', {}, [outcomeBadge(line)]),
          el('td', { text: line.messageId ?? '', className: 'mono' }),
          el('td', { className: 'delivery', text: line.messageId ? '…' : '' }),
        ],
      ),
    ),
  );
  $('#report-card').hidden = false;
  void refreshStatuses();
}

async function refreshStatuses() {
  if (!currentId) return;
  const result = await api('GET', `/api/campaigns/${currentId}/statuses`);
  if (!result.ok) {
    $('#status-note').textContent = messageOf(result);
    return;
  }
  const byId = new Map(result.data.statuses.map((s) => [s.messageId, s]));
  for (const row of document.querySelectorAll('#report-rows tr[data-message-id]')) {
    const status = byId.get(row.dataset.messageId);
    if (!status) continue;
    const kind = status.status === 'delivered' ? 'ok' : status.final ? 'error' : 'warn';
    const badge = el('span', {
      text: status.status,
      className: `badge ${kind}`,
      attrs: { title: `${status.providerCode} ${status.description}` },
    });
    row
      .querySelector('.delivery')
      .replaceChildren(badge, el('span', { text: ` ${status.description}`, className: 'hint' }));
  }
  $('#status-note').textContent = `Statuses as of ${new Date().toLocaleTimeString('tr-TR')}`;
}

$('#refresh-status').addEventListener('click', () => void refreshStatuses());

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  say(message, '');
  clearFormErrors(form);
  const sendAt = form.sendAt.value ? new Date(form.sendAt.value).toISOString() : undefined;
  const body = {
    numbers: form.numbers.value,
    text: form.text.value,
    kind: form.kind.value,
    ...(sendAt ? { sendAt } : {}),
    ...(form.validity.value ? { validityHours: Number(form.validity.value) } : {}),
  };
  $('#start').disabled = true;
  const result = await api('POST', '/api/campaigns', { body });
  if (!result.ok) {
    $('#start').disabled = false;
    showFormError(form, result, message);
    return;
  }
  currentId = result.data.id;
  $('#report-card').hidden = true;
  $('#progress-card').hidden = false;
  $('#campaign-state').textContent = 'running';
  $('#campaign-state').className = 'badge warn';
  startedAt = Date.now();
  showProgress({
    sent: 0,
    skipped: 0,
    failed: 0,
    processed: 0,
    requests: 0,
    total: result.data.total,
  });

  events?.close();
  events = new EventSource(result.data.events);
  events.addEventListener('progress', (e) => showProgress(JSON.parse(e.data)));
  events.addEventListener('report', (e) => {
    events.close();
    $('#start').disabled = false;
    showReport(JSON.parse(e.data));
  });
  events.addEventListener('failed', (e) => {
    events.close();
    $('#start').disabled = false;
    const data = JSON.parse(e.data);
    say(message, data.message, 'error');
    $('#campaign-state').textContent = 'stopped';
    $('#campaign-state').className = 'badge error';
    if (data.report) showReport(data.report);
  });
  events.onerror = () => {
    if (events.readyState === EventSource.CLOSED) $('#start').disabled = false;
  };
});

const rules = await api('GET', '/api/campaigns/rules');
if (rules.ok) {
  $('#consent-rule').textContent =
    `${rules.data.consent} Opted out: ${rules.data.optOut.join(', ')}.`;
}
updateCounts();
updatePreview();
