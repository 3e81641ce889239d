/**
 * The `posta-guvercini-simulator` CLI as a developer uses it: started on ports of its own, it
 * prints every SMS as it arrives (host profile, masked number, full text), serves an outbox page
 * and a JSON list, refuses a busy port in one line that names the port and the option, and stops
 * on SIGTERM. The in-process tests call `main()`; the child-process tests run the built CLI
 * (`npm run build` first, as `.ci/run` does).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { main, SIMULATOR_CLI_DEFAULT_PORTS } from '../lib/testing/simulator/cli.js';
import { JsonTransport } from '../lib/transports/json.transport.js';
import { XmlTransport } from '../lib/transports/xml.transport.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const BUILT_CLI = path.join(ROOT, 'dist', 'esm', 'testing', 'simulator', 'cli.js');
const FREE_PORTS = ['--otp-port', '0', '--bulk-port', '0', '--outbox-port', '0'];

/** Takes a free port and keeps it busy until `close()`. */
async function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function collect(): { out: { write(text: string): void }; text(): string } {
  let output = '';
  return { out: { write: (text: string) => (output += text) }, text: () => output };
}

/** Resolves once `predicate(output)` holds for the collected output of a child. */
function waitForOutput(
  child: ChildProcess,
  predicate: (stdout: string) => boolean,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const check = (): void => {
      if (predicate(stdout)) resolve({ stdout, stderr });
    };
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      check();
    });
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) =>
      reject(new Error(`the CLI exited (${code}) early:\n${stdout}\n${stderr}`)),
    );
  });
}

function exitOf(child: ChildProcess): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('posta-guvercini-simulator CLI', () => {
  it('starts on the given ports, prints both URLs, the credentials and the outbox, answers, and stops', async () => {
    const io = collect();
    const running = await main(['--credit', '250', '--host', '127.0.0.1', ...FREE_PORTS], {
      out: io.out,
      handleSignals: false,
    });
    expect(running).toBeDefined();
    try {
      const { simulator } = running!;
      expect(io.text()).toContain(
        `OTP host:  ${simulator.otpBaseUrl}  (username otp-user, password otp-secret)`,
      );
      expect(io.text()).toContain(
        `bulk host: ${simulator.bulkBaseUrl}  (username bulk-user, password bulk-secret)`,
      );
      expect(io.text()).toContain(
        `outbox:    ${running!.outboxUrl}  (JSON: ${running!.outboxUrl}/messages)`,
      );
      expect(io.text()).toContain('credit:    250 (OTP), 250 (bulk)');
      const reply = await fetch(
        `${simulator.otpBaseUrl}/api_http/querycredit.asp?user=otp-user&password=otp-secret`,
      );
      expect(await reply.text()).toBe('errno=0&errtext=&credit=250');
    } finally {
      await running!.stop();
    }
    await expect(fetch(`${running!.outboxUrl}/messages`)).rejects.toThrow();
  });

  it('prints each SMS as it arrives: host profile, masked number, full text', async () => {
    const io = collect();
    const running = await main(FREE_PORTS, { out: io.out, handleSignals: false });
    const transport = new JsonTransport({ accounts: running!.simulator.accounts });
    try {
      await transport.send({
        channel: 'otp',
        to: ['905321234567'],
        text: 'Doğrulama kodunuz: 482913. Kod 3 dakika geçerlidir.',
      });
      await transport.send({
        channel: 'bulk',
        to: ['905441112233'],
        text: 'Hesap özetiniz hazır.\nDetaylar mobil uygulamada.',
      });
      const lines = io.text().split('\n');
      const otpLine = lines.find((line) => line.includes('482913'));
      expect(otpLine).toMatch(
        /^\d\d:\d\d:\d\d {2}OTP {2}→ \+90 532 \*\*\* \*\* 67 .*\(json\): Doğrulama kodunuz: 482913\. Kod 3 dakika geçerlidir\.$/,
      );
      expect(io.text()).toContain('bulk → +90 544 *** ** 33');
      expect(io.text()).toContain('Hesap özetiniz hazır.\n      Detaylar mobil uygulamada.');
      // The full number never appears in the terminal.
      expect(io.text()).not.toContain('905321234567');
    } finally {
      await transport.close();
      await running!.stop();
    }
  });

  it('--latency holds back every answer, also after DELETE /messages', async () => {
    const io = collect();
    const running = await main([...FREE_PORTS, '--latency', '30'], {
      out: io.out,
      handleSignals: false,
    });
    const { simulator, outboxUrl } = running!;
    const transport = new JsonTransport({ accounts: simulator.accounts });
    try {
      expect(io.text()).toContain('latency:   30 ms per request');
      await transport.send({ channel: 'otp', to: ['905321234567'], text: 'Kodunuz 123123' });
      expect(simulator.requests.at(-1)!.fault).toBe('latency');
      expect((await fetch(`${outboxUrl}/messages`, { method: 'DELETE' })).status).toBe(204);
      await transport.send({ channel: 'bulk', to: ['905321234567'], text: 'Duyuru' });
      expect(simulator.requests).toHaveLength(1);
      expect(simulator.requests[0]!.fault).toBe('latency');
    } finally {
      await transport.close();
      await running!.stop();
    }
  });

  it('switches reply forms and turns on the named assumptions', async () => {
    let output = '';
    const running = await main(
      [
        '--http-status-form',
        'code',
        '--http-bulk-reply-form',
        'per-recipient',
        '--assume-soap-status-operation',
        ...FREE_PORTS,
      ],
      { out: { write: (text: string) => (output += text) }, handleSignals: false },
    );
    try {
      expect(output).toContain('assumptions (not attested by any client): SOAP SmsStatus');
      const base = `${running!.simulator.otpBaseUrl}/api_http`;
      const sent = await fetch(
        `${base}/sendbulksms.asp?user=otp-user&password=otp-secret&gsm=5321234567&gsm=123&text=x`,
      ).then((reply) => reply.text());
      const id = running!.simulator.messages[0]!.id;
      expect(sent).toMatch(new RegExp(`^errno=0&errtext=&message_id=${id}&charge=1&errno=-1003&`));
      const status = await fetch(
        `${base}/querysms.asp?user=otp-user&password=otp-secret&message_id=${id}`,
      ).then((reply) => reply.text());
      expect(status).toBe('errno=0&errtext=&status=200');
    } finally {
      await running!.stop();
    }
    await expect(
      main(['--http-status-form', 'pipe', ...FREE_PORTS], {
        out: { write: () => undefined },
        handleSignals: false,
      }),
    ).rejects.toThrow('--http-status-form must be code-and-flag or code, got "pipe"');
  });

  it('--quiet prints no SMS', async () => {
    const io = collect();
    const running = await main([...FREE_PORTS, '--quiet'], { out: io.out, handleSignals: false });
    const transport = new JsonTransport({ accounts: running!.simulator.accounts });
    try {
      await transport.send({ channel: 'otp', to: ['905321234567'], text: 'Kodunuz 111222' });
      expect(running!.simulator.messages).toHaveLength(1);
      expect(io.text()).not.toContain('111222');
    } finally {
      await transport.close();
      await running!.stop();
    }
  });

  it('serves the outbox page and the JSON list of messages, newest first, with filters', async () => {
    const running = await main(FREE_PORTS, { out: collect().out, handleSignals: false });
    const { simulator, outboxUrl } = running!;
    const transport = new XmlTransport({ accounts: simulator.accounts });
    try {
      const empty = await fetch(`${outboxUrl}/`);
      expect(empty.status).toBe(200);
      expect(empty.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await empty.text()).toContain('No SMS yet');

      await transport.send({ channel: 'otp', to: ['905321234567'], text: 'Kodunuz 654321 <b>' });
      await transport.send({ channel: 'bulk', to: ['905441112233'], text: 'Kampanya başladı' });

      const html = await (await fetch(`${outboxUrl}/`)).text();
      expect(html).toContain('<mark>654321</mark> &lt;b&gt;');
      expect(html).toContain('+90 532 *** ** 67');
      expect(html).toContain('Kampanya başladı');
      expect(html.indexOf('Kampanya başladı')).toBeLessThan(html.indexOf('654321'));

      const all = (await (await fetch(`${outboxUrl}/messages`)).json()) as {
        messages: { profile: string; to: string; maskedTo: string; text: string; api: string }[];
      };
      expect(all.messages.map((m) => [m.profile, m.to, m.text, m.api])).toEqual([
        ['bulk', '905441112233', 'Kampanya başladı', 'xml'],
        ['otp', '905321234567', 'Kodunuz 654321 <b>', 'xml'],
      ]);
      expect(all.messages[1]!.maskedTo).toBe('+90 532 *** ** 67');

      const mine = (await (
        await fetch(`${outboxUrl}/messages?to=${encodeURIComponent('0532 123 45 67')}`)
      ).json()) as { messages: { text: string }[] };
      expect(mine.messages.map((m) => m.text)).toEqual(['Kodunuz 654321 <b>']);
      const bulk = (await (await fetch(`${outboxUrl}/messages?profile=bulk`)).json()) as {
        messages: { text: string }[];
      };
      expect(bulk.messages.map((m) => m.text)).toEqual(['Kampanya başladı']);

      expect((await fetch(`${outboxUrl}/nothing`)).status).toBe(404);
      expect((await fetch(`${outboxUrl}/messages`, { method: 'DELETE' })).status).toBe(204);
      expect(simulator.messages).toHaveLength(0);
    } finally {
      await transport.close();
      await running!.stop();
    }
  });

  it('refuses a busy port with one line naming the port and the option to change it', async () => {
    const busy = await occupyPort();
    try {
      for (const option of ['--otp-port', '--bulk-port', '--outbox-port'] as const) {
        const args = FREE_PORTS.map((value, i) =>
          FREE_PORTS[i - 1] === option ? String(busy.port) : value,
        );
        const what = {
          '--otp-port': 'OTP host',
          '--bulk-port': 'bulk host',
          '--outbox-port': 'outbox page',
        }[option];
        await expect(main(args, { out: collect().out, handleSignals: false })).rejects.toThrow(
          `Port ${busy.port} is already in use (${what}): stop what is using it, or choose another port with ${option} <n> (0 picks a free one).`,
        );
      }
    } finally {
      await busy.close();
    }
  });

  it('prints help with the default ports and refuses bad arguments', async () => {
    const io = collect();
    expect(await main(['--help'], { out: io.out, handleSignals: false })).toBeUndefined();
    expect(io.text()).toContain('Usage: posta-guvercini-simulator [options]');
    expect(io.text()).toContain(
      `--otp-port <n>     port of the OTP host (default: ${SIMULATOR_CLI_DEFAULT_PORTS.otp}`,
    );
    expect(io.text()).toContain('--outbox-port <n>');
    await expect(
      main(['--otp-port', 'abc'], { out: collect().out, handleSignals: false }),
    ).rejects.toThrow('--otp-port must be an integer from 0 to 65535, got "abc"');
    await expect(main(['--colour'], { out: collect().out, handleSignals: false })).rejects.toThrow(
      "Unknown option '--colour'",
    );
  });

  it('stops on SIGTERM', async () => {
    const io = collect();
    const listenersBefore = process.listenerCount('SIGTERM');
    const running = await main(FREE_PORTS, { out: io.out });
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore + 1);
    const stopped = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (io.text().includes('Simulator stopped.')) {
          clearInterval(check);
          resolve();
        }
      }, 5);
    });
    const url = `${running!.simulator.otpBaseUrl}/api_http/querycredit.asp`;
    process.emit('SIGTERM', 'SIGTERM');
    await stopped;
    await expect(fetch(url)).rejects.toThrow();
    expect(process.listenerCount('SIGTERM')).toBe(listenersBefore);
  });

  describe('the built command (dist/)', () => {
    beforeAll(() => {
      if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run npm run build`);
    });

    it('prints the SMS an app sends, and exits 0 on SIGTERM', async () => {
      const child = spawn(process.execPath, [BUILT_CLI, ...FREE_PORTS], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const { stdout } = await waitForOutput(child, (out) => out.includes('Press Ctrl+C'));
        const otp = /OTP host: {2}(http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
        const bulk = /bulk host: (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)![1]!;
        const printed = waitForOutput(child, (out) => out.includes('Kodunuz 909090'));
        const transport = new JsonTransport({
          accounts: {
            otp: { username: 'otp-user', password: 'otp-secret', baseUrl: otp },
            bulk: { username: 'bulk-user', password: 'bulk-secret', baseUrl: bulk },
          },
        });
        await transport.send({ channel: 'otp', to: ['905321234567'], text: 'Kodunuz 909090' });
        await transport.close();
        const { stdout: after } = await printed;
        expect(after).toMatch(/OTP {2}→ \+90 532 \*\*\* \*\* 67 .*: Kodunuz 909090\n/);
        const exited = exitOf(child);
        child.kill('SIGTERM');
        expect((await exited).code).toBe(0);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('a busy port: exit 1 and one line on stderr, no stack trace', async () => {
      const busy = await occupyPort();
      try {
        const child = spawn(
          process.execPath,
          [BUILT_CLI, '--otp-port', String(busy.port), '--bulk-port', '0', '--outbox-port', '0'],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        );
        const { code, stderr } = await exitOf(child);
        expect(code).toBe(1);
        expect(stderr).toBe(
          `Port ${busy.port} is already in use (OTP host): stop what is using it, or choose another port with --otp-port <n> (0 picks a free one).\n`,
        );
      } finally {
        await busy.close();
      }
    });
  });
});
