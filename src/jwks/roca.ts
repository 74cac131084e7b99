/**
 * The ROCA fingerprint (CVE-2017-15361; Nemec et al., "The Return of Coppersmith's Attack", CCS 2017):
 * RSA moduli made by the affected Infineon library are, modulo every small prime p, a power of 65537.
 * Their private keys can be computed from the public key, so such a key must never be trusted. This
 * is the test of the authors' detector (crocs-muni/roca), with its primes 3…167; a random modulus
 * passes it with negligible probability.
 */
const GENERATOR = 65537;
const PRIMES = primesBetween(3, 167);
/** For each prime p: the residues 65537^k mod p. */
const POWERS: readonly ReadonlySet<number>[] = PRIMES.map((p) => {
  const residues = new Set<number>();
  let residue = 1;
  do {
    residues.add(residue);
    residue = (residue * GENERATOR) % p;
  } while (!residues.has(residue));
  return residues;
});

/** Whether an RSA modulus (big-endian bytes) carries the ROCA fingerprint. */
export function hasRocaFingerprint(modulus: Uint8Array): boolean {
  return PRIMES.every((p, i) => (POWERS[i] as ReadonlySet<number>).has(remainder(modulus, p)));
}

function remainder(bytes: Uint8Array, divisor: number): number {
  let value = 0;
  for (const byte of bytes) value = (value * 256 + byte) % divisor;
  return value;
}

function primesBetween(low: number, high: number): number[] {
  const primes: number[] = [];
  for (let n = low; n <= high; n++) {
    let prime = n > 1;
    for (let d = 2; d * d <= n && prime; d++) if (n % d === 0) prime = false;
    if (prime) primes.push(n);
  }
  return primes;
}
