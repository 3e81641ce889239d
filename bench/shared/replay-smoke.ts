// Smoke check of the replay server: every wire transport's send, status and credit through it,
// twice (captured, then replayed), and the same through the simulator it captures from.
//
//   tsc -p bench/tsconfig.json && node dist-bench/bench/shared/replay-smoke.js
import { HttpTransport } from '../../lib/transports/http.transport.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import { SoapTransport } from '../../lib/transports/soap.transport.js';
import { XmlTransport } from '../../lib/transports/xml.transport.js';
import { startReplayServer } from './replay-server.js';

const replay = await startReplayServer({ proxy: true });
let failures = 0;
for (const Transport of [HttpTransport, XmlTransport, SoapTransport, JsonTransport]) {
  const transport = new Transport({ accounts: replay.accounts });
  const ids: string[] = [];
  for (let round = 0; round < 3; round++) {
    for (const channel of ['otp', 'bulk'] as const) {
      const sent = await transport.send({
        channel,
        to: [
          `90532100${round}${channel === 'otp' ? 1 : 2}00`,
          `90532100${round}${channel === 'otp' ? 1 : 2}01`,
        ],
        text: `Replay smoke ${round}`,
      });
      for (const r of sent.recipients) {
        if (r.status !== 'accepted') failures++;
        else ids.push(r.messageId);
      }
      const status = await transport.status({
        channel,
        messageIds: ids.slice(-2),
      });
      if (status.length !== 2 || status.some((s, i) => s.messageId !== ids.at(-2 + i))) failures++;
      const credit = await transport.credit(channel);
      if (!(credit.balance > 0)) failures++;
    }
  }
  if (new Set(ids).size !== ids.length) failures++;
  console.log(`${transport.name}: ${ids.length} ids, distinct ${new Set(ids).size}`);
  await transport.close();
}
console.log(await replay.stats(), failures === 0 ? 'OK' : `${failures} FAILURES`);
await replay.stop();
process.exitCode = failures === 0 ? 0 : 1;
