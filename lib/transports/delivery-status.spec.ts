import { deliveryStatusOf } from './delivery-status.js';

describe('deliveryStatusOf', () => {
  it.each([
    ['110|0', 'waiting_credit', false, '110'],
    ['120|0', 'scheduled', false, '120'],
    ['200|0', 'pending', false, '200'],
    ['300|0', 'sent', false, '300'],
    ['400|1', 'delivered', true, '400'],
    ['402|1', 'undelivered', true, '402'],
    ['-202|1', 'rejected', true, '-202'],
    ['-210|1', 'expired', true, '-210'],
    ['-242|1', 'rejected', true, '-242'],
    ['-250|1', 'cancelled', true, '-250'],
    ['420', 'unknown', true, '420'],
    ['110', 'waiting_credit', false, '110'], // bare code (HTTP querysms.asp): accepted, not final
  ])('%p → %p (final %p)', (raw, status, final, code) => {
    expect(deliveryStatusOf(raw)).toMatchObject({ status, final, code });
  });

  it('uses the table when the provider sends no final flag', () => {
    expect(deliveryStatusOf('400')).toMatchObject({
      status: 'delivered',
      final: true,
      description: 'delivered to the recipient',
    });
    expect(deliveryStatusOf('300')).toMatchObject({ status: 'sent', final: false });
  });

  it('lets the provider flag win over the table', () => {
    expect(deliveryStatusOf('300|1').final).toBe(true);
    expect(deliveryStatusOf('400|0').final).toBe(false);
  });

  it('reads an empty code as an unknown message id', () => {
    expect(deliveryStatusOf('')).toMatchObject({ status: 'unknown', final: true, code: '' });
  });

  it('maps undocumented codes honestly', () => {
    expect(deliveryStatusOf('-299|1')).toMatchObject({
      status: 'rejected',
      final: true,
      description: 'deleted (undocumented code -299)',
    });
    expect(deliveryStatusOf('777')).toMatchObject({
      status: 'unknown',
      final: false,
      description: 'undocumented status code 777',
    });
  });
});
