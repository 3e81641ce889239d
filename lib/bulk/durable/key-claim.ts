import { createHash } from 'node:crypto';

// What a keyed campaign's claim on its key answers (the CLAIM_KEY script's reply, parsed), the
// id a key maps to, and the names of a campaign's Redis keys: the pure part of
// CampaignControlStore (campaign-keys.ts), without Redis.

/** The parts of a campaign's Redis keys (`…:bulk-campaign:{id}:<part>`). */
export type CampaignKeyPart =
  | 'meta'
  | 'state'
  | 'results'
  | 'done'
  | 'settled'
  | 'key'
  | 'dlr'
  | 'dlr-final'
  | 'dlr-undelivered'
  | 'dlr-pending';

export type KeyClaim =
  | { readonly state: 'new'; readonly epoch: string }
  | { readonly state: 'conflict' }
  | { readonly state: 'running' }
  | {
      readonly state: 'read';
      readonly count: number;
      readonly digest: string;
      readonly complete: boolean;
      readonly epoch: string;
    }
  | {
      readonly state: 'resume';
      readonly ckPos: number;
      readonly ckHash: string;
      readonly epoch: string;
    };

/** A keyed campaign's id: derived from the prefix and the key, the same in every instance. */
export function campaignIdOfKey(prefix: string, key: string): string {
  const h = createHash('sha256').update(`${prefix}\u0000${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The CLAIM_KEY script's reply (`[state, …fields]`) as a `KeyClaim`. */
export function keyClaimOf(r: readonly string[]): KeyClaim {
  switch (r[0]) {
    case 'new':
      return { state: 'new', epoch: r[1]! };
    case 'read':
      return {
        state: 'read',
        count: Number(r[1]),
        digest: r[2] ?? '',
        complete: r[3] === '1',
        epoch: r[4] ?? '',
      };
    case 'resume':
      return { state: 'resume', ckPos: Number(r[1]), ckHash: r[2] ?? '', epoch: r[3] ?? '' };
    case 'conflict':
      return { state: 'conflict' };
    default:
      return { state: 'running' };
  }
}
