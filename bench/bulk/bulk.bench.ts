// bench/bulk — a 1,000,000-recipient 1-N campaign from an async generator through
// BulkSmsService and the JSON transport to the provider simulator (in a child process, so its
// memory does not count), then, in the same run, a naive baseline that sends one request per
// recipient for the first 10,000 recipients, extrapolated to the whole list. Before the
// campaign, `estimate()` reads the same 1,000,000 recipients (nothing sent): wall time, peak RSS
// and µs per recipient beside the campaign's.
// `npm run bench:bulk`. Sizes: BULK_BENCH_N (default 1000000), BULK_BENCH_BASELINE (10000),
// BULK_BENCH_CONCURRENCY (4: batches in flight for the campaign, requests in flight for the
// baseline, so the comparison measures batching, not parallelism).
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { BulkSmsService } from '../../lib/bulk/bulk-sms.service.js';
import { JsonTransport } from '../../lib/transports/json.transport.js';
import type { AccountsOptions } from '../../lib/transports/wire-transport.options.js';

const TOTAL = Number(process.env['BULK_BENCH_N'] ?? 1_000_000);
const BASELINE = Number(process.env['BULK_BENCH_BASELINE'] ?? 10_000);
const CONCURRENCY = Number(process.env['BULK_BENCH_CONCURRENCY'] ?? 4);
const TEXT =
  'Değerli müşterimiz, hesap özetiniz hazırlanmıştır. Detaylar için mobil uygulamamızı ziyaret edin.';
const RSS_TARGET_MB = 200;

interface Stats {
  readonly requests: Record<string, number>;
  readonly messages: number;
  readonly distinct: number;
  readonly rss: number;
  readonly cpuSeconds: number;
}

/** The i-th recipient, in one of the forms people type (all distinct numbers). */
function recipient(i: number): string {
  const national = `53${String(i).padStart(8, '0')}`;
  switch (i % 4) {
    case 0:
      return `0${national}`;
    case 1:
      return `+90 ${national.slice(0, 3)} ${national.slice(3, 6)} ${national.slice(6, 8)} ${national.slice(8)}`;
    case 2:
      return national;
    default:
      return `90${national}`;
  }
}

async function* recipients(count: number): AsyncGenerator<string> {
  for (let i = 0; i < count; i++) yield recipient(i);
}

function ask(child: ChildProcess): Promise<Stats> {
  const reply = once(child, 'message') as Promise<[Stats]>;
  child.send({ type: 'stats' });
  return reply.then(([stats]) => stats);
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const seconds = (ns: bigint): number => Number(ns) / 1e9;
const cpuSeconds = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;

async function main(): Promise<void> {
  const child = fork(fileURLToPath(new URL('./simulator.child.js', import.meta.url)), [], {
    execArgv: ['--max-old-space-size=8192'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const [ready] = (await once(child, 'message')) as [{ accounts: AccountsOptions }];
  const transport = new JsonTransport({ accounts: ready.accounts, connections: CONCURRENCY * 2 });
  const bulk = new BulkSmsService(transport, { bulk: { concurrency: CONCURRENCY } });

  // rss() is cheap; the full breakdown is taken only when a new peak is seen.
  let peak = process.memoryUsage();
  const sampler = setInterval(() => {
    if (process.memoryUsage.rss() > peak.rss) peak = process.memoryUsage();
  }, 25);

  // estimate() first, so that its peak RSS is not the campaign's.
  const estimateCpuBefore = process.cpuUsage();
  const estimateStarted = process.hrtime.bigint();
  const estimate = await bulk.estimate({
    to: recipients(TOTAL),
    text: TEXT,
    kind: 'informational',
  });
  const estimateSeconds = seconds(process.hrtime.bigint() - estimateStarted);
  const estimateCpu = cpuSeconds(process.cpuUsage(estimateCpuBefore));
  const estimatePeakRss = Math.max(peak.rss, process.resourceUsage().maxRSS * 1024);

  console.log(
    `bench/bulk: ${int(TOTAL)}-recipient 1-N campaign, async generator → BulkSmsService → JsonTransport → simulator (child process); concurrency ${CONCURRENCY}`,
  );
  const before = await ask(child);
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const campaign = bulk.send({ to: recipients(TOTAL), text: TEXT, kind: 'informational' });
  let nextMark = TOTAL / 10;
  campaign.progress$.subscribe((p) => {
    if (p.processed >= nextMark) {
      console.log(`  … ${int(p.processed)} processed, ${mb(process.memoryUsage.rss())} RSS`);
      nextMark += TOTAL / 10;
    }
  });
  const report = await campaign.done;
  const campaignSeconds = seconds(process.hrtime.bigint() - started);
  const campaignCpu = cpuSeconds(process.cpuUsage(cpuBefore));
  clearInterval(sampler);
  const peakRss = Math.max(peak.rss, process.resourceUsage().maxRSS * 1024);
  const afterCampaign = await ask(child);
  const campaignRequests = Object.entries(afterCampaign.requests)
    .filter(([key]) => key.startsWith('Send_1_N'))
    .reduce((sum, [, n]) => sum + n, 0);
  const expectedRequests = Math.ceil(TOTAL / 800);

  console.log(
    `  naive baseline: one request per recipient (Send_1_N with 1 receiver) for the first ${int(BASELINE)}, ${CONCURRENCY} in flight`,
  );
  let next = 0;
  const baselineCpuBefore = process.cpuUsage();
  const baselineStarted = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < BASELINE; i = next++) {
        await transport.send({
          channel: 'bulk',
          text: `${TEXT} (baseline)`,
          to: [`90${recipient(i).replace(/\D/g, '').slice(-10)}`],
        });
      }
    }),
  );
  const baselineSeconds = seconds(process.hrtime.bigint() - baselineStarted);
  const baselineCpu = cpuSeconds(process.cpuUsage(baselineCpuBefore));
  const afterBaseline = await ask(child);
  const baselineRequests =
    Object.entries(afterBaseline.requests)
      .filter(([key]) => key.startsWith('Send_1_N'))
      .reduce((sum, [, n]) => sum + n, 0) - campaignRequests;
  const extrapolated = (baselineSeconds / BASELINE) * TOTAL;

  const requestsOk = campaignRequests === expectedRequests && report.requests === expectedRequests;
  const rssOk = peakRss <= RSS_TARGET_MB * 1024 * 1024;
  console.log('');
  console.log(
    `campaign  recipients           ${int(report.total)} (sent ${int(report.sent)}, skipped ${int(report.skipped)}, failed ${int(report.failed)})`,
  );
  console.log(
    `          wall time            ${campaignSeconds.toFixed(2)} s (${int(report.total / campaignSeconds)} recipients/s)`,
  );
  console.log(
    `          requests made        ${int(campaignRequests)} counted by the simulator, ${int(report.requests)} reported (target exactly ${int(expectedRequests)}) ${requestsOk ? 'OK' : 'MISSED'}`,
  );
  console.log(
    `          simulator messages   ${int(afterCampaign.messages)} (${int(afterCampaign.distinct)} distinct numbers)`,
  );
  console.log(
    `          peak RSS (sender)    ${mb(peakRss)} (target ≤ ${RSS_TARGET_MB} MB) ${rssOk ? 'OK' : 'MISSED'}; at the sampled peak: JS heap ${mb(peak.heapUsed)} used of ${mb(peak.heapTotal)}, external ${mb(peak.external)}; simulator child ${mb(afterCampaign.rss)}`,
  );
  console.log(
    `          CPU                  sender ${campaignCpu.toFixed(1)} s, simulator ${(afterCampaign.cpuSeconds - before.cpuSeconds).toFixed(1)} s (2 shared cores: wall time includes waiting for other processes)`,
  );
  const estimateRssOk = estimatePeakRss <= RSS_TARGET_MB * 1024 * 1024;
  const estimateOk =
    estimate.read === report.total &&
    estimate.sendable === report.sent &&
    estimate.requests === report.requests &&
    estimate.creditsNeeded === report.credits;
  console.log(
    `estimate  recipients           ${int(estimate.read)} read, ${int(estimate.sendable)} sendable, ${int(estimate.requests)} requests, ${int(estimate.creditsNeeded)} credits (balance ${'balance' in estimate.credit ? int(estimate.credit.balance) : 'unknown'}) — ${estimateOk ? 'equal to the report' : 'DIFFERENT from the report'}`,
  );
  console.log(
    `          wall time            ${estimateSeconds.toFixed(2)} s: ${((estimateSeconds / TOTAL) * 1e6).toFixed(2)} µs per recipient, against ${((campaignSeconds / TOTAL) * 1e6).toFixed(2)} µs for send (send takes ${(campaignSeconds / estimateSeconds).toFixed(1)}× as long)`,
  );
  console.log(
    `          peak RSS             ${mb(estimatePeakRss)} (target ≤ ${RSS_TARGET_MB} MB) ${estimateRssOk ? 'OK' : 'MISSED'}; CPU ${estimateCpu.toFixed(1)} s`,
  );
  console.log(
    `baseline  ${int(BASELINE)} requests      ${baselineSeconds.toFixed(2)} s (${int(BASELINE / baselineSeconds)} recipients/s; ${int(baselineRequests)} requests counted)`,
  );
  console.log(
    `          CPU                  sender ${baselineCpu.toFixed(1)} s, simulator ${(afterBaseline.cpuSeconds - afterCampaign.cpuSeconds).toFixed(1)} s`,
  );
  console.log(`          extrapolated to ${int(TOTAL)}: ${int(extrapolated)} s`);
  const senderCpuRatio = ((baselineCpu / BASELINE) * TOTAL) / campaignCpu;
  console.log(
    `ratio     campaign is ${(extrapolated / campaignSeconds).toFixed(1)}× faster than one request per recipient (wall time, extrapolated), with ${(TOTAL / campaignRequests).toFixed(0)}× fewer requests and ${senderCpuRatio.toFixed(1)}× less sender CPU`,
  );

  await transport.close();
  await bulk.onApplicationShutdown();
  child.send({ type: 'stop' });
  await once(child, 'exit');
  if (!requestsOk || !rssOk || !estimateRssOk || !estimateOk || report.sent !== TOTAL)
    process.exitCode = 1;
}

await main();
