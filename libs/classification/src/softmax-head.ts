/**
 * Multinomial logistic regression over embeddings, trained on the example store at start-up: the
 * examples' votes, learned. Written here (about 80 lines) because the JavaScript ML packages either
 * pull a tensor runtime of hundreds of megabytes or train full-batch, which takes minutes for 10,000
 * examples of 77 labels on two cores; this trains by mini-batch Adam in seconds.
 */
export interface HeadOptions {
  epochs?: number;
  learningRate?: number;
  /** L2 penalty on the weights, per example. */
  l2?: number;
  batchSize?: number;
  /** Weigh each label's examples so that every label counts the same (macro-recall over accuracy). */
  balanced?: boolean;
  seed?: number;
}

export class SoftmaxHead {
  readonly labels: readonly string[];
  private readonly weights: Float32Array;
  private readonly bias: Float32Array;
  private readonly dim: number;

  private constructor(labels: readonly string[], dim: number) {
    this.labels = labels;
    this.dim = dim;
    this.weights = new Float32Array(labels.length * dim);
    this.bias = new Float32Array(labels.length);
  }

  /** Trains on (vector, label) pairs; labels are those that occur, in first-seen order. */
  static train(vectors: readonly Float32Array[], targets: readonly string[], options: HeadOptions = {}): SoftmaxHead {
    const labels = [...new Set(targets)];
    const dim = vectors[0]?.length ?? 0;
    const head = new SoftmaxHead(labels, dim);
    const n = vectors.length;
    if (n === 0 || labels.length < 2) return head;
    const index = new Map(labels.map((l, i) => [l, i]));
    const y = targets.map((t) => index.get(t) ?? 0);
    const counts = new Array<number>(labels.length).fill(0);
    for (const c of y) counts[c] = (counts[c] ?? 0) + 1;
    const weightOf = y.map((c) => (options.balanced === false ? 1 : n / (labels.length * (counts[c] ?? 1))));
    const epochs = options.epochs ?? 30;
    const rate = options.learningRate ?? 0.01;
    const l2 = options.l2 ?? 1e-4;
    const batch = options.batchSize ?? 32;
    const gradW = new Float32Array(head.weights.length);
    const gradB = new Float32Array(head.bias.length);
    const grads = [gradW, gradB];
    // Adam's moments beside each parameter and its gradient: weights first (the only one with L2), then bias.
    const adam = [
      { param: head.weights, grad: gradW, mp: new Float32Array(gradW.length), vp: new Float32Array(gradW.length) },
      { param: head.bias, grad: gradB, mp: new Float32Array(gradB.length), vp: new Float32Array(gradB.length) },
    ];
    const order = Array.from({ length: n }, (_, i) => i);
    let state = options.seed ?? 7;
    const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const probs = new Float32Array(labels.length);
    let step = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = n - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [order[i], order[j]] = [order[j] ?? 0, order[i] ?? 0];
      }
      for (let start = 0; start < n; start += batch) {
        for (const g of grads) g.fill(0);
        const end = Math.min(n, start + batch);
        for (let b = start; b < end; b++) {
          const row = order[b] ?? 0;
          const x = vectors[row] ?? new Float32Array(dim);
          head.logitsInto(x, probs);
          softmaxInPlace(probs);
          const w = weightOf[row] ?? 1;
          for (let c = 0; c < labels.length; c++) {
            const delta = (w * ((probs[c] ?? 0) - (c === y[row] ? 1 : 0))) / (end - start);
            if (delta === 0) continue;
            const offset = c * dim;
            for (let d = 0; d < dim; d++) gradW[offset + d] = (gradW[offset + d] ?? 0) + delta * (x[d] ?? 0);
            gradB[c] = (gradB[c] ?? 0) + delta;
          }
        }
        step += 1;
        for (const [p, { param, grad, mp, vp }] of adam.entries()) {
          for (let i = 0; i < param.length; i++) {
            const g = (grad[i] ?? 0) + (p === 0 ? l2 * (param[i] ?? 0) : 0);
            mp[i] = 0.9 * (mp[i] ?? 0) + 0.1 * g;
            vp[i] = 0.999 * (vp[i] ?? 0) + 0.001 * g * g;
            const mHat = (mp[i] ?? 0) / (1 - 0.9 ** step);
            const vHat = (vp[i] ?? 0) / (1 - 0.999 ** step);
            param[i] = (param[i] ?? 0) - (rate * mHat) / (Math.sqrt(vHat) + 1e-8);
          }
        }
      }
    }
    return head;
  }

  /**
   * Trains with the penalty that does best on a held-out fifth of the data (by macro-recall), then on
   * all of it. The right penalty depends on the store (a few hundred examples of three labels want a
   * strong one, thousands over 77 labels none), and a team's store is not known in advance.
   */
  static fit(vectors: readonly Float32Array[], targets: readonly string[], options: HeadOptions = {}): SoftmaxHead {
    const penalties = [0, 1e-4, 1e-3];
    const labels = new Set(targets);
    if (vectors.length < 10 * labels.size) return SoftmaxHead.train(vectors, targets, { ...options, l2: 1e-3 });
    const train = vectors.flatMap((v, i) => (i % 5 === 0 ? [] : [i]));
    const held = vectors.flatMap((v, i) => (i % 5 === 0 ? [i] : []));
    let best = { l2: 1e-4, score: -1 };
    for (const l2 of penalties) {
      const head = SoftmaxHead.train(
        train.map((i) => vectors[i] ?? new Float32Array()),
        train.map((i) => targets[i] ?? ''),
        { ...options, l2 },
      );
      const hits = new Map<string, [number, number]>();
      for (const i of held) {
        const gold = targets[i] ?? '';
        const p = head.predict(vectors[i] ?? new Float32Array());
        const guess = [...p].reduce((a, b) => (b[1] > a[1] ? b : a))[0];
        const h = hits.get(gold) ?? [0, 0];
        hits.set(gold, [h[0] + (guess === gold ? 1 : 0), h[1] + 1]);
      }
      const score = [...hits.values()].reduce((a, [c, n]) => a + c / n, 0) / Math.max(1, hits.size);
      if (score > best.score) best = { l2, score };
    }
    return SoftmaxHead.train(vectors, targets, { ...options, l2: best.l2 });
  }

  /** A probability per label. */
  predict(x: Float32Array): Map<string, number> {
    const out = new Float32Array(this.labels.length);
    this.logitsInto(x, out);
    softmaxInPlace(out);
    return new Map(this.labels.map((l, i) => [l, out[i] ?? 0]));
  }

  private logitsInto(x: Float32Array, out: Float32Array): void {
    for (let c = 0; c < this.labels.length; c++) {
      let sum = this.bias[c] ?? 0;
      const offset = c * this.dim;
      for (let d = 0; d < this.dim; d++) sum += (this.weights[offset + d] ?? 0) * (x[d] ?? 0);
      out[c] = sum;
    }
  }
}

function softmaxInPlace(values: Float32Array): void {
  let max = -Infinity;
  for (const v of values) max = Math.max(max, v);
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    values[i] = Math.exp((values[i] ?? 0) - max);
    sum += values[i] ?? 0;
  }
  for (let i = 0; i < values.length; i++) values[i] = (values[i] ?? 0) / sum;
}
