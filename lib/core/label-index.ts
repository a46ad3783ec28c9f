/**
 * Label lookups without scanning every object: what the validation gate and
 * the network analysis use so that matching N selectors against N objects of
 * a namespace costs about N, not N squared.
 *
 * Both indexes only narrow: they return a superset of the answer (in the
 * order the items were added), and the caller applies its own exact selector
 * semantics to those candidates. They rest on one fact: a selector that
 * requires label `k` to equal the string `v` can only match label sets that
 * carry `k: v` as their own property. Non-string values never narrow.
 * test/validate/label-index.test.ts compares them with full scans.
 */

/** Label sets as rendered objects carry them (values may be anything in malformed input). */
export type LabelSet = Readonly<Record<string, unknown>>;

/** Own string-valued pairs of `pairs` (what narrows); `null`/`undefined` have none. */
function stringPairs(pairs: unknown): Array<[string, string]> {
  if (pairs === null || pairs === undefined) return [];
  const out: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(pairs)) if (typeof v === 'string') out.push([k, v]);
  return out;
}

/** Items by their labels: the candidates of a selector are the items carrying its rarest required pair. */
export class LabelIndex<T> {
  private readonly list: T[] = [];
  private readonly byPair = new Map<string, Map<string, T[]>>();

  constructor(private readonly labelsOf: (item: T) => LabelSet) {}

  public add(item: T): void {
    this.list.push(item);
    for (const [k, v] of stringPairs(this.labelsOf(item))) {
      let values = this.byPair.get(k);
      if (!values) this.byPair.set(k, (values = new Map()));
      const bucket = values.get(v);
      if (bucket) bucket.push(item);
      else values.set(v, [item]);
    }
  }

  /** Every item, in the order added. */
  public get items(): readonly T[] {
    return this.list;
  }

  /** How many items carry `k: v`. */
  public count(k: string, v: string): number {
    return this.byPair.get(k)?.get(v)?.length ?? 0;
  }

  /**
   * The items that can satisfy required pairs `pairs` (a matchLabels map or a
   * Service selector), in the order added: those carrying its rarest
   * string-valued pair, none when some pair is carried by no item, every item
   * when it has no string-valued pair (empty selectors, matchExpressions only).
   */
  public candidates(pairs: unknown): readonly T[] {
    let best: readonly T[] | undefined;
    for (const [k, v] of stringPairs(pairs)) {
      const bucket = this.byPair.get(k)?.get(v);
      if (!bucket) return [];
      if (!best || bucket.length < best.length) best = bucket;
    }
    return best ?? this.list;
  }
}

/**
 * Selectors by one of their required pairs, for the reverse question: which
 * selectors may match this label set. Each selector is filed under its pair
 * that the fewest label sets of `population` carry (so a lookup touches few
 * selectors), or in a list every lookup returns when it has no string-valued
 * pair.
 */
export class SelectorIndex<T> {
  private readonly always: Array<Filed<T>> = [];
  private readonly byPair = new Map<string, Map<string, Array<Filed<T>>>>();

  /**
   * @param pairsOf the pairs a selector requires (e.g. its matchLabels)
   * @param population the label sets lookups will mostly ask about; only used to pick each selector's pair
   */
  constructor(items: readonly T[], pairsOf: (item: T) => unknown, population?: { count(k: string, v: string): number }) {
    items.forEach((item, i) => {
      let key: [string, string] | undefined;
      let keyCount = Infinity;
      for (const [k, v] of stringPairs(pairsOf(item))) {
        const n = population ? population.count(k, v) : 0;
        if (n < keyCount) {
          key = [k, v];
          keyCount = n;
        }
      }
      if (!key) {
        this.always.push({ item, i });
        return;
      }
      let values = this.byPair.get(key[0]);
      if (!values) this.byPair.set(key[0], (values = new Map()));
      const bucket = values.get(key[1]);
      if (bucket) bucket.push({ item, i });
      else values.set(key[1], [{ item, i }]);
    });
  }

  /** The selectors that may match `labels`, in the order given. */
  public candidates(labels: LabelSet): T[] {
    const found: Array<Filed<T>> = [...this.always];
    let parts = this.always.length > 0 ? 1 : 0;
    for (const [k, v] of stringPairs(labels)) {
      const bucket = this.byPair.get(k)?.get(v);
      if (!bucket) continue;
      for (const f of bucket) found.push(f);
      parts++;
    }
    if (parts > 1) found.sort((a, b) => a.i - b.i);
    return found.map((f) => f.item);
  }
}

interface Filed<T> {
  readonly item: T;
  /** position in the items given, to return candidates in that order */
  readonly i: number;
}
