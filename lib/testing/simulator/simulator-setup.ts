import { normalizeSimulatedNumber, SimulatedProvider } from './simulated-provider.js';
import type {
  PostaGuverciniSimulatorOptions,
  SimulatorBehaviour,
  SimulatorCredentials,
  SimulatorProfile,
} from './simulator.types.js';

// The simulator's options, checked (RangeError naming the option): accounts, credit, blacklist,
// originator and clock → the simulated provider; reply forms and assumptions → behaviour.

/** Default accounts of the simulator. */
export const SIMULATOR_DEFAULT_ACCOUNTS: Readonly<Record<SimulatorProfile, SimulatorCredentials>> =
  {
    otp: { username: 'otp-user', password: 'otp-secret' },
    bulk: { username: 'bulk-user', password: 'bulk-secret' },
  };
const DEFAULT_CREDIT = 1_000_000;
/** The simulated provider the options describe. */
export function createSimulatedProvider(
  options: PostaGuverciniSimulatorOptions,
): SimulatedProvider {
  const accounts = {
    otp: checkAccount('otp', options.accounts?.otp ?? SIMULATOR_DEFAULT_ACCOUNTS.otp),
    bulk: checkAccount('bulk', options.accounts?.bulk ?? SIMULATOR_DEFAULT_ACCOUNTS.bulk),
  };
  const credit =
    typeof options.credit === 'number' || options.credit === undefined
      ? { otp: options.credit ?? DEFAULT_CREDIT, bulk: options.credit ?? DEFAULT_CREDIT }
      : {
          otp: options.credit.otp ?? DEFAULT_CREDIT,
          bulk: options.credit.bulk ?? DEFAULT_CREDIT,
        };
  for (const profile of ['otp', 'bulk'] as const) {
    if (!Number.isInteger(credit[profile]) || credit[profile] < 0) {
      throw new RangeError(
        `PostaGuverciniSimulator option "credit" must be an integer ≥ 0, got ${credit[profile]} for ${profile}`,
      );
    }
  }
  const blacklist = new Set<string>();
  for (const number of options.blacklist ?? []) {
    const canonical = normalizeSimulatedNumber(number);
    if (canonical === undefined)
      throw new RangeError(
        `PostaGuverciniSimulator option "blacklist" has a value that is not a Turkish mobile number`,
      );
    blacklist.add(canonical);
  }
  return new SimulatedProvider(
    accounts,
    credit,
    blacklist,
    options.originator ?? 'SIMULATOR',
    options.now,
  );
}

export function resolveBehaviour(options: PostaGuverciniSimulatorOptions): SimulatorBehaviour {
  const choice = <T extends string>(
    name: string,
    value: T | undefined,
    allowed: readonly T[],
  ): T => {
    if (value === undefined) return allowed[0]!;
    if (!allowed.includes(value))
      throw new RangeError(
        `PostaGuverciniSimulator option "${name}" must be ${allowed.map((a) => `'${a}'`).join(' or ')}, got ${String(value)}`,
      );
    return value;
  };
  const flag = (name: string, value: boolean | undefined): boolean => {
    if (value !== undefined && typeof value !== 'boolean')
      throw new RangeError(`PostaGuverciniSimulator option "${name}" must be a boolean`);
    return value === true;
  };
  return {
    httpStatusForm: choice('httpStatusForm', options.httpStatusForm, ['code-and-flag', 'code']),
    httpBulkReplyForm: choice('httpBulkReplyForm', options.httpBulkReplyForm, [
      'one-block',
      'per-recipient',
    ]),
    xmlReplyDeclaration: flag('xmlReplyDeclaration', options.xmlReplyDeclaration),
    assumeSoapStatusOperation: flag('assumeSoapStatusOperation', options.assumeSoapStatusOperation),
    assumeSoapManyToManyElementNames: flag(
      'assumeSoapManyToManyElementNames',
      options.assumeSoapManyToManyElementNames,
    ),
  };
}

function checkAccount(
  profile: SimulatorProfile,
  account: SimulatorCredentials,
): SimulatorCredentials {
  if (
    typeof account?.username !== 'string' ||
    account.username === '' ||
    typeof account.password !== 'string' ||
    account.password === ''
  ) {
    throw new RangeError(
      `PostaGuverciniSimulator option "accounts.${profile}" needs a non-empty username and password`,
    );
  }
  return { username: account.username, password: account.password };
}
