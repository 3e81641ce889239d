import {
  SmsConnectionError,
  SmsMalformedResponseError,
  SmsTimeoutError,
} from '../../errors/transport.error.js';
import { AxiosWireClient } from './axios-wire-client.js';
import type { AxiosLikeInstance, AxiosLikeRequestConfig } from './connectivity.js';

const REQUEST = {
  origin: 'https://otpsms.example',
  path: '/api_json/v1/Sms/Send_1_N',
  contentType: 'application/json; charset=utf-8',
  body: '{"Password":"p4ssw0rd-secret"}',
};

/** An axios-shaped instance whose `request` does what the test says. */
function instance(
  behave: (config: AxiosLikeRequestConfig) => Promise<unknown>,
): AxiosLikeInstance & { configs: AxiosLikeRequestConfig[] } {
  const configs: AxiosLikeRequestConfig[] = [];
  return {
    configs,
    request: (config) => {
      configs.push(config);
      return behave(config) as ReturnType<AxiosLikeInstance['request']>;
    },
  };
}

const axiosError = (code: string, message = `failed with ${code}`): Error =>
  Object.assign(new Error(message), { isAxiosError: true, code });

async function failure(client: AxiosWireClient): Promise<unknown> {
  return client.post(REQUEST).then(
    () => {
      throw new Error('expected a failure');
    },
    (error: unknown) => error,
  );
}

describe('AxiosWireClient', () => {
  it('hands axios the raw body, no redirects, raw bytes back, every status resolved', async () => {
    const fake = instance(() =>
      Promise.resolve({
        status: 500,
        data: Buffer.from('<html>oops</html>'),
        headers: { 'content-type': 'Text/HTML' },
      }),
    );
    const client = new AxiosWireClient(fake, { timeoutMs: 1_000 });
    const response = await client.post({ ...REQUEST, headers: { SOAPAction: '"x"' } });
    expect(response).toEqual({
      status: 500,
      body: Buffer.from('<html>oops</html>'),
      contentType: 'text/html',
    });
    const [config] = fake.configs;
    expect(config).toMatchObject({
      url: 'https://otpsms.example/api_json/v1/Sms/Send_1_N',
      method: 'POST',
      data: REQUEST.body,
      headers: { 'content-type': REQUEST.contentType, SOAPAction: '"x"' },
      timeout: 1_000,
      responseType: 'arraybuffer',
      maxRedirects: 0,
    });
    expect(config!.validateStatus(503)).toBe(true);
    expect(config!.transformRequest[0]!(REQUEST.body)).toBe(REQUEST.body);
    expect(config!.transformResponse[0]!('x')).toBe('x');
  });

  it.each([
    ['ECONNREFUSED', SmsConnectionError, false],
    ['ENOTFOUND', SmsConnectionError, false],
    ['EHOSTUNREACH', SmsConnectionError, false],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', SmsConnectionError, false],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', SmsConnectionError, false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', SmsConnectionError, false],
    ['ECONNABORTED', SmsTimeoutError, true],
    ['ETIMEDOUT', SmsTimeoutError, true],
    ['ECONNRESET', SmsConnectionError, true],
    ['HPE_INVALID_CONSTANT', SmsMalformedResponseError, true],
    ['ERR_SOMETHING_NEW', SmsConnectionError, true],
  ] as const)('axios error %s → %p with maybeAccepted %p', async (code, type, maybeAccepted) => {
    const client = new AxiosWireClient(
      instance(() => Promise.reject(axiosError(code))),
      { timeoutMs: 1_000 },
    );
    const error = await failure(client);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ maybeAccepted });
    expect(String((error as Error).message)).not.toContain('p4ssw0rd');
  });

  it('an over-large reply (maxContentLength) is malformed', async () => {
    const client = new AxiosWireClient(
      instance(() =>
        Promise.reject(axiosError('ERR_BAD_RESPONSE', 'maxContentLength size of 8388608 exceeded')),
      ),
      { timeoutMs: 1_000 },
    );
    await expect(failure(client)).resolves.toBeInstanceOf(SmsMalformedResponseError);
  });

  it('reply data that is not bytes (an interceptor parsed it) is malformed', async () => {
    const client = new AxiosWireClient(
      instance(() => Promise.resolve({ status: 200, data: { StatusCode: 200 }, headers: {} })),
      { timeoutMs: 1_000 },
    );
    await expect(failure(client)).resolves.toBeInstanceOf(SmsMalformedResponseError);
  });

  it('the overall deadline aborts a request that never settles: SmsTimeoutError, maybeAccepted true', async () => {
    const fake = instance(
      (config) =>
        new Promise((_resolve, reject) =>
          config.signal.addEventListener('abort', () => reject(axiosError('ERR_CANCELED'))),
        ),
    );
    const client = new AxiosWireClient(fake, { timeoutMs: 50 });
    const error = await failure(client);
    expect(error).toBeInstanceOf(SmsTimeoutError);
    expect(error).toMatchObject({ maybeAccepted: true, timeoutMs: 50 });
  });

  it('close() waits for in-flight requests, then refuses new ones without calling axios', async () => {
    let finish!: () => void;
    const fake = instance(
      () =>
        new Promise((resolve) => {
          finish = () => resolve({ status: 200, data: Buffer.from('ok'), headers: {} });
        }),
    );
    const client = new AxiosWireClient(fake, { timeoutMs: 5_000 });
    const inFlight = client.post(REQUEST);
    let closed = false;
    const closing = client.close().then(() => (closed = true));
    await Promise.resolve();
    expect(closed).toBe(false);
    finish();
    await expect(inFlight).resolves.toMatchObject({ status: 200 });
    await closing;
    await expect(client.post(REQUEST)).rejects.toMatchObject({
      code: 'TRANSPORT_CONNECTION',
      maybeAccepted: false,
    });
    expect(fake.configs).toHaveLength(1);
  });
});
