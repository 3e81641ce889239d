import { type DynamicModule, Injectable, Module, type Type } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';
import {
  InMemoryTransport,
  InvalidOptionsError,
  PostaGuverciniModule,
  type PostaGuverciniModuleOptions,
  type PostaGuverciniOptionsFactory,
  SmsTransport,
} from '../lib/index.js';
import { VALIDATED_MODULE_OPTIONS } from '../lib/posta-guvercini.constants.js';

const PASSWORD = 'Pw-7s3cr3t-never-shown';

/** A transport that counts `close()` calls, to prove the module releases it on shutdown. */
class CountingTransport extends InMemoryTransport {
  closed = 0;
  override async close(): Promise<void> {
    this.closed += 1;
    await super.close();
  }
}

/** A feature module that injects `SmsTransport` WITHOUT importing PostaGuverciniModule. */
@Injectable()
class NeedsTransport {
  constructor(readonly transport: SmsTransport) {}
}
@Module({ providers: [NeedsTransport], exports: [NeedsTransport] })
class FeatureModule {}

/** Options as an app would keep them in configuration. */
const configuration = () => ({ SMS_TRANSPORT: 'memory', SMS_SENDER: 'ACME' });
const configModule = () => ConfigModule.forRoot({ ignoreEnvFile: true, load: [configuration] });

function optionsFrom(config: ConfigService): PostaGuverciniModuleOptions {
  return {
    transport: config.getOrThrow<'memory'>('SMS_TRANSPORT'),
    sender: config.getOrThrow<string>('SMS_SENDER'),
  };
}

@Injectable()
class SmsOptions implements PostaGuverciniOptionsFactory {
  constructor(private readonly config: ConfigService) {}
  createPostaGuverciniOptions(): PostaGuverciniModuleOptions {
    return optionsFrom(this.config);
  }
}
@Module({ imports: [configModule()], providers: [SmsOptions], exports: [SmsOptions] })
class SmsOptionsModule {}

interface Extras {
  isGlobal?: boolean;
}

/** Every way to register the module, each producing `{ transport: 'memory', sender: 'ACME' }`. */
const registrations: ReadonlyArray<[string, (extras: Extras) => DynamicModule]> = [
  [
    'forRoot',
    (extras) => PostaGuverciniModule.forRoot({ transport: 'memory', sender: 'ACME', ...extras }),
  ],
  [
    'forRootAsync with useFactory and ConfigService',
    (extras) =>
      PostaGuverciniModule.forRootAsync({
        imports: [configModule()],
        inject: [ConfigService],
        useFactory: optionsFrom,
        ...extras,
      }),
  ],
  [
    'forRootAsync with useClass',
    (extras) =>
      PostaGuverciniModule.forRootAsync({
        imports: [configModule()],
        useClass: SmsOptions,
        ...extras,
      }),
  ],
  [
    'forRootAsync with useExisting',
    (extras) =>
      PostaGuverciniModule.forRootAsync({
        imports: [SmsOptionsModule],
        useExisting: SmsOptions,
        ...extras,
      }),
  ],
];

async function boot(imports: Array<DynamicModule | Type>, providers: Type[] = []) {
  const moduleRef = await Test.createTestingModule({ imports, providers }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe.each(registrations)('PostaGuverciniModule.%s', (_name, register) => {
  it('receives the options and provides SmsTransport', async () => {
    const app = await boot([register({})]);
    try {
      expect(app.get(SmsTransport)).toBeInstanceOf(InMemoryTransport);
      const options = app.get<PostaGuverciniModuleOptions>(VALIDATED_MODULE_OPTIONS);
      expect(options).toEqual({ transport: 'memory', sender: 'ACME' });
    } finally {
      await app.close();
    }
  });

  it('is global by default: a feature module injects SmsTransport without importing it', async () => {
    const app = await boot([register({}), FeatureModule]);
    try {
      expect(app.get(NeedsTransport).transport).toBe(app.get(SmsTransport));
    } finally {
      await app.close();
    }
  });

  it('is global with isGlobal: true', async () => {
    const app = await boot([register({ isGlobal: true }), FeatureModule]);
    try {
      expect(app.get(NeedsTransport).transport).toBe(app.get(SmsTransport));
    } finally {
      await app.close();
    }
  });

  it('honours isGlobal: false (only importing modules see its providers)', async () => {
    await expect(
      Test.createTestingModule({
        imports: [register({ isGlobal: false }), FeatureModule],
      }).compile(),
    ).rejects.toThrow(/NeedsTransport[\s\S]*SmsTransport/);

    // The module that imports it still can.
    const app = await boot([register({ isGlobal: false })], [NeedsTransport]);
    try {
      expect(app.get(NeedsTransport).transport).toBeInstanceOf(InMemoryTransport);
    } finally {
      await app.close();
    }
  });
});

describe('PostaGuverciniModule shutdown', () => {
  it('closes the transport on app.close() (forRoot)', async () => {
    const transport = new CountingTransport();
    const app = await boot([PostaGuverciniModule.forRoot({ transport })]);
    expect(app.get(SmsTransport)).toBe(transport);
    expect(transport.closed).toBe(0);
    await app.close();
    expect(transport.closed).toBe(1);
  });

  it('closes the transport on app.close() (forRootAsync)', async () => {
    const transport = new CountingTransport();
    const app = await boot([
      PostaGuverciniModule.forRootAsync({ useFactory: () => ({ transport }) }),
    ]);
    await app.close();
    expect(transport.closed).toBe(1);
  });
});

describe('PostaGuverciniModule option validation', () => {
  const account = { username: 'acme', password: PASSWORD };

  /** [what is wrong, options, the option named, what the message must say is allowed] */
  const wrong: ReadonlyArray<[string, Record<string, unknown>, string, RegExp]> = [
    [
      'an unknown transport name',
      { transport: 'smtp', accounts: { otp: account } },
      'transport',
      /"smtp" is not a transport; expected one of 'http', 'xml', 'soap', 'json', 'memory' or an instance of a class extending SmsTransport/,
    ],
    [
      'a transport object that is not an SmsTransport',
      { transport: { send: true }, accounts: { otp: account } },
      'transport',
      /expected one of 'http', 'xml', 'soap', 'json', 'memory' or an instance of a class extending SmsTransport/,
    ],
    [
      'plain http:// to a non-loopback host',
      { transport: 'xml', accounts: { otp: { ...account, baseUrl: 'http://sms.example.com' } } },
      'accounts.otp.baseUrl',
      /http:\/\/ to sms\.example\.com .*use https:\/\/ or set allowInsecureHttp: true/,
    ],
    [
      'a base URL carrying credentials',
      {
        transport: 'json',
        accounts: { bulk: { ...account, baseUrl: `https://acme:${PASSWORD}@sms.example.com` } },
      },
      'accounts.bulk.baseUrl',
      /must not contain credentials; use username and password/,
    ],
    [
      'no accounts for a wire transport',
      { transport: 'json' },
      'accounts',
      /expected \{ otp\?: \{ username, password, baseUrl\? \}, bulk\?: .* with at least one account/,
    ],
    [
      'an account without a username',
      { transport: 'soap', accounts: { otp: { password: PASSWORD } } },
      'accounts.otp.username',
      /expected a non-empty string/,
    ],
    [
      'a sender longer than 11 characters',
      { transport: 'memory', sender: 'ACME BANK A.Ş.' },
      'sender',
      /expected the originator as a string of 1 to 11 characters, got a string of 14 characters/,
    ],
    [
      'a sender with the http transport (no attested originator: it would be dropped)',
      { transport: 'http', accounts: { otp: account }, sender: 'ACME' },
      'sender',
      /the http transport cannot choose the sender.*use the json transport/,
    ],
    [
      'a fractional timeoutMs',
      { transport: 'memory', timeoutMs: 2.5 },
      'timeoutMs',
      /expected a positive integer number of milliseconds from 1 to 300000, got 2\.5/,
    ],
    [
      'a zero timeoutMs',
      { transport: 'memory', timeoutMs: 0 },
      'timeoutMs',
      /expected a positive integer number of milliseconds/,
    ],
    [
      'a timeoutMs given as a string',
      { transport: 'memory', timeoutMs: '5000' },
      'timeoutMs',
      /expected a positive integer number of milliseconds.*got a string/,
    ],
    [
      'allowInsecureHttp as a string',
      { transport: 'memory', allowInsecureHttp: 'yes' },
      'allowInsecureHttp',
      /expected true or false/,
    ],
    [
      'a misspelt option',
      { transport: 'memory', allowInsecureHtp: true },
      'allowInsecureHtp',
      /unknown option; the options are 'transport', 'accounts', 'allowInsecureHttp'/,
    ],
    ['otp that is not an object', { transport: 'memory', otp: 'x' }, 'otp', /expected an object/],
  ];

  async function startupError(register: () => DynamicModule): Promise<InvalidOptionsError> {
    try {
      const app = await boot([register()]);
      await app.close();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidOptionsError);
      return error as InvalidOptionsError;
    }
    throw new Error('the app started although the options are wrong');
  }

  describe.each(wrong)('%s', (_what, options, option, allowed) => {
    const modes: ReadonlyArray<[string, () => DynamicModule]> = [
      ['forRoot', () => PostaGuverciniModule.forRoot(options)],
      [
        'forRootAsync',
        () =>
          PostaGuverciniModule.forRootAsync({
            useFactory: async () => Promise.resolve(options as PostaGuverciniModuleOptions),
          }),
      ],
    ];

    it.each(modes)(
      'stops %s with a message naming the option and what is allowed',
      async (_m, register) => {
        const error = await startupError(register);
        expect(error.code).toBe('INVALID_OPTION');
        expect(error.field).toBe(option);
        expect(error.message).toContain(`Invalid PostaGuverciniModule option "${option}"`);
        expect(error.message).toMatch(allowed);
        // Nothing a log line would print may carry the password.
        for (const text of [
          error.message,
          String(error),
          error.stack ?? '',
          JSON.stringify(error),
        ]) {
          expect(text).not.toContain(PASSWORD);
        }
      },
    );
  });

  it('forRoot() without options asks for accounts (the default transport is json)', async () => {
    const error = await startupError(() => PostaGuverciniModule.forRoot());
    expect(error.field).toBe('accounts');
  });

  it('accepts http:// to loopback, and to any host with allowInsecureHttp: true', async () => {
    for (const options of [
      { transport: 'json', accounts: { otp: { ...account, baseUrl: 'http://127.0.0.1:8080' } } },
      {
        transport: 'json',
        allowInsecureHttp: true,
        accounts: { otp: { ...account, baseUrl: 'http://sms.internal' } },
      },
    ] as const) {
      const app = await boot([PostaGuverciniModule.forRoot(options)]);
      expect(app.get(SmsTransport).name).toBe('json');
      await app.close();
    }
  });
});
