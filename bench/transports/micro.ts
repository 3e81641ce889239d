// bench/transports — per-message cost of each transport's CPU-only steps (validate + encode,
// decode a captured reply), without the network: where the µs of a send go.
//
//   tsc -p bench/tsconfig.json && node dist-bench/bench/transports/micro.js
import { startReplayServer } from '../shared/replay-server.js';
import { planSend } from '../../lib/transports/wire/send-plan.js';
import type { WireResponse } from '../../lib/transports/wire/wire-client.js';
import { type Api, recipient, TEXT, TRANSPORTS } from './sides.js';

const N = Number(process.argv[2] ?? 200_000);
const replay = await startReplayServer();
const options = { accounts: replay.accounts };
for (const api of Object.keys(TRANSPORTS) as Api[]) {
  const transport = new TRANSPORTS[api](options) as InstanceType<(typeof TRANSPORTS)['json']>;
  const t = transport as unknown as {
    accountFor(c: string): unknown;
    prepareSend(a: unknown, p: unknown): { requests: { wire: unknown; recipients: string[] }[] };
    readSendReply(r: WireResponse, item: unknown): unknown;
    client: { post(w: unknown): Promise<WireResponse> };
  };
  const account = t.accountFor('otp');
  const time = (label: string, fn: (i: number) => unknown): void => {
    for (let i = 0; i < 20_000; i++) fn(i);
    const cpu = process.cpuUsage();
    for (let i = 0; i < N; i++) fn(i);
    const used = process.cpuUsage(cpu);
    console.log(`${api} ${label}: ${((used.user + used.system) / N).toFixed(2)} µs`);
  };
  time('plan', (i) => planSend({ channel: 'otp', to: [recipient(2, i)], text: TEXT }, undefined));
  time('plan+encode', (i) =>
    t.prepareSend(
      account,
      planSend({ channel: 'otp', to: [recipient(2, i)], text: TEXT }, undefined),
    ),
  );
  const item = t.prepareSend(
    account,
    planSend({ channel: 'otp', to: [recipient(2, 1)], text: TEXT }, undefined),
  ).requests[0]!;
  const response = await t.client.post(item.wire);
  time('decode', () => t.readSendReply(response, item));
  await transport.close();
}
await replay.stop();
