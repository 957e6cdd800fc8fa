/**
 * The digest of a subscription's items, computed the same way by the backend (over its cache) and
 * by the client (over its store), so a heartbeat can prove the two hold the same thing.
 *
 * Choice: each item `uid@resourceVersion` is hashed to 64 bits (two independent 32-bit FNV-1a
 * style hashes), and the digest is the SUM of the item hashes modulo 2^64 (kept as two uint32
 * lanes). A sum is order-free, so nobody sorts 100,000 pods, and updatable in O(1): adding an
 * item adds its hash, removing subtracts it, a new resourceVersion is remove + add. We use a sum
 * rather than XOR because XOR lets two equal entries cancel out; a sum does not. It is a
 * consistency check against bugs and lost frames, not a defence against an adversary.
 */

/** A running digest: two uint32 lanes of a sum modulo 2^64. Mutable, cheap to copy. */
export interface DigestSum {
  lo: number;
  hi: number;
}

export function emptyDigest(): DigestSum {
  return { lo: 0, hi: 0 };
}

const primeA = 0x01000193; // the 32-bit FNV prime
const primeB = 0x01000197; // a second odd multiplier for the independent lane
const separator = 0x40; // '@' between uid and resourceVersion

// Scratch for the last item hash: returning a pair would allocate per item, and 100,000 items
// per heartbeat is the budget this file is written for.
let hashLo = 0;
let hashHi = 0;

/** Hashes `uid@resourceVersion` into (hashLo, hashHi) without building the joined string. */
function hashItem(uid: string, resourceVersion: string): void {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f; // a second offset basis makes the two lanes independent
  for (let i = 0; i < uid.length; i++) {
    const c = uid.charCodeAt(i);
    a = Math.imul(a ^ c, primeA);
    b = Math.imul(b ^ c, primeB);
  }
  a = Math.imul(a ^ separator, primeA);
  b = Math.imul(b ^ separator, primeB);
  for (let i = 0; i < resourceVersion.length; i++) {
    const c = resourceVersion.charCodeAt(i);
    a = Math.imul(a ^ c, primeA);
    b = Math.imul(b ^ c, primeB);
  }
  // Final avalanche (murmur3's fmix32), so nearby strings spread over the whole lane.
  hashLo = fmix(a) >>> 0;
  hashHi = fmix(b ^ 0x9e3779b9) >>> 0;
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function addLanes(sum: DigestSum, lo: number, hi: number): void {
  const low = sum.lo + lo;
  sum.lo = low >>> 0;
  sum.hi = (sum.hi + hi + (low > 0xffffffff ? 1 : 0)) >>> 0;
}

function subtractLanes(sum: DigestSum, lo: number, hi: number): void {
  // Subtracting x modulo 2^64 is adding its two's complement: ~x + 1.
  const nlo = (~lo >>> 0) + 1;
  const nhi = (~hi >>> 0) + (nlo > 0xffffffff ? 1 : 0);
  addLanes(sum, nlo >>> 0, nhi >>> 0);
}

export function addItem(sum: DigestSum, uid: string, resourceVersion: string): void {
  hashItem(uid, resourceVersion);
  addLanes(sum, hashLo, hashHi);
}

export function removeItem(sum: DigestSum, uid: string, resourceVersion: string): void {
  hashItem(uid, resourceVersion);
  subtractLanes(sum, hashLo, hashHi);
}

/**
 * Adds one item to two digests that both hold it (a namespace's and the whole cache's), hashing
 * it once: a list landing 20,345 rows spent a third of its time hashing each row twice.
 */
export function addItemToBoth(first: DigestSum, second: DigestSum, uid: string, resourceVersion: string): void {
  hashItem(uid, resourceVersion);
  addLanes(first, hashLo, hashHi);
  addLanes(second, hashLo, hashHi);
}

/** Removes one item from two digests that both held it, hashing it once (`addItemToBoth`). */
export function removeItemFromBoth(first: DigestSum, second: DigestSum, uid: string, resourceVersion: string): void {
  hashItem(uid, resourceVersion);
  subtractLanes(first, hashLo, hashHi);
  subtractLanes(second, hashLo, hashHi);
}

/**
 * The digest of a batch of items, as a sum that can be added into others (`addDigest`): a batch
 * hashed once can then stand in both for an answer's check and for a store that takes the batch.
 */
export function sumOf(items: readonly { readonly uid: string; readonly resourceVersion: string }[]): DigestSum {
  const sum = emptyDigest();
  for (const item of items) addItem(sum, item.uid, item.resourceVersion);
  return sum;
}

/** Adds another digest into `sum`: the digest of a union of disjoint sets. */
export function addDigest(sum: DigestSum, other: DigestSum): void {
  addLanes(sum, other.lo, other.hi);
}

/** Removes another digest from `sum`: the digest of a set minus a subset. */
export function subtractDigest(sum: DigestSum, other: DigestSum): void {
  subtractLanes(sum, other.lo, other.hi);
}

/** The digest as it travels: 16 lowercase hex digits. */
export function formatDigest(sum: DigestSum): string {
  return sum.hi.toString(16).padStart(8, '0') + sum.lo.toString(16).padStart(8, '0');
}

/** The digest of a whole collection, for a store that does not keep a running sum. */
export function digestOf(items: Iterable<{ readonly uid: string; readonly resourceVersion: string }>): string {
  const sum = emptyDigest();
  for (const item of items) addItem(sum, item.uid, item.resourceVersion);
  return formatDigest(sum);
}
