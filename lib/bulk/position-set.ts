/** A growable bit set of input positions (1 bit per recipient: 125 KB for a million). */
export class PositionSet {
  private bits = new Uint8Array(1024);

  has(position: number): boolean {
    const byte = position >>> 3;
    return byte < this.bits.length && (this.bits[byte]! & (1 << (position & 7))) !== 0;
  }

  /** From a Redis bitmap (`SETBIT` order: most significant bit first). */
  static fromRedisBitmap(bitmap: Buffer | null): PositionSet {
    const set = new PositionSet();
    if (!bitmap) return set;
    for (let i = 0; i < bitmap.length; i++) {
      const byte = bitmap[i]!;
      if (byte === 0) continue;
      for (let k = 0; k < 8; k++) if (byte & (0x80 >> k)) set.add(i * 8 + k);
    }
    return set;
  }

  add(position: number): void {
    const byte = position >>> 3;
    if (byte >= this.bits.length) {
      const grown = new Uint8Array(Math.max(byte + 1, this.bits.length * 2));
      grown.set(this.bits);
      this.bits = grown;
    }
    this.bits[byte]! |= 1 << (position & 7);
  }
}
