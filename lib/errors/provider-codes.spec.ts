import { providerCodeMeaning } from './provider-codes.js';

describe('providerCodeMeaning', () => {
  it.each([
    ['http', '-1003', 'invalid GSM number'],
    ['xml', 'ERR1001', 'wrong user name or password'],
    ['xml', 'ERR1070', 'more than 800 recipients in one request'],
    ['xml', 'ERR7001', 'credit query: wrong user name or password'],
    ['xml', 'ERR2070', 'status query: more than 800 recipients in one request'],
    ['soap', 'ERR1063', 'invalid send time (dt)'],
    ['soap', '-1002', 'invalid password'],
    ['json', '1061', 'invalid receiver'],
  ] as const)('%s %s → %s', (api, code, meaning) => {
    expect(providerCodeMeaning(api, code)).toBe(meaning);
  });

  it('returns undefined for undocumented codes', () => {
    expect(providerCodeMeaning('xml', 'ERR1999')).toBeUndefined();
    expect(providerCodeMeaning('json', '4242')).toBeUndefined();
  });
});
