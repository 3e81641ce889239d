import { redactUrlCredentials } from './redact.js';

describe('redactUrlCredentials', () => {
  it('masks user and password of every URL, keeps the rest readable', () => {
    expect(
      redactUrlCredentials(
        'connect to redis://app:s3cr%40t@10.0.0.5:6379/2 failed; replica rediss://:hunter2@r.example:6380',
      ),
    ).toBe('connect to redis://***@10.0.0.5:6379/2 failed; replica rediss://***@r.example:6380');
  });

  it('masks a raw (not percent-encoded) password holding a slash', () => {
    expect(redactUrlCredentials('redis://app:pa/ss@10.0.0.5:6379 refused')).toBe(
      'redis://***@10.0.0.5:6379 refused',
    );
  });

  it('leaves text without credentials alone', () => {
    for (const text of ['connect ECONNREFUSED 127.0.0.1:6379', 'redis://10.0.0.5:6379/0', '']) {
      expect(redactUrlCredentials(text)).toBe(text);
    }
  });
});
