import { $, sampleInfo, say } from '../app.js';

const info = await sampleInfo();
const notes = {
  embedded:
    'Running on the embedded simulator: nothing leaves this machine. Read the codes on the Outbox page.',
  memory: 'Running on the in-memory transport: nothing is sent. Read the codes on the Outbox page.',
  provider:
    'Connected to Posta Güvercini: real SMS are sent to the demo customer phone you configured.',
};
say(
  $('#mode-note'),
  `${notes[info.mode] ?? ''} (${info.backend})`,
  info.mode === 'provider' ? 'warn' : 'info',
);
$('#demo-customer').textContent = info.demo.customerNo;
$('#demo-password').textContent = info.demo.password;
$('#demo-card-number').textContent = info.demo.card;
$('#demo-card').hidden = false;
