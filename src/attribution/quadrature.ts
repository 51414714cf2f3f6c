/**
 * Quadrature rules for the path integral of Integrated Gradients: α nodes in [0, 1] and their
 * weights. The grids are Captum's, so results can be compared with it.
 */
export type QuadratureRule = 'right' | 'left' | 'middle' | 'trapezoid' | 'gauss-legendre';

export const QUADRATURE_RULES: readonly QuadratureRule[] = ['right', 'left', 'middle', 'trapezoid', 'gauss-legendre'];

export interface Quadrature {
  alphas: number[];
  weights: number[];
}

export function quadrature(rule: QuadratureRule, m: number): Quadrature {
  if (!Number.isInteger(m) || m < 1) throw new Error(`quadrature: the number of steps must be a positive integer, got ${m}`);
  const idx = Array.from({ length: m }, (_, i) => i);
  switch (rule) {
    case 'right':
      return { alphas: idx.map((i) => (i + 1) / m), weights: idx.map(() => 1 / m) };
    case 'left':
      return { alphas: idx.map((i) => i / m), weights: idx.map(() => 1 / m) };
    case 'middle':
      return { alphas: idx.map((i) => (i + 0.5) / m), weights: idx.map(() => 1 / m) };
    case 'trapezoid': {
      if (m < 2) throw new Error('quadrature: the trapezoid rule needs at least 2 steps');
      const w = idx.map((i) => (i === 0 || i === m - 1 ? 0.5 : 1) / (m - 1));
      return { alphas: idx.map((i) => i / (m - 1)), weights: w };
    }
    case 'gauss-legendre':
      return gaussLegendre01(m);
    default:
      throw new Error(`quadrature: unknown rule '${String(rule)}'; rules: ${QUADRATURE_RULES.join(', ')}`);
  }
}

/** Gauss–Legendre nodes and weights on [−1, 1] by Newton's method, mapped to [0, 1]. */
function gaussLegendre01(m: number): Quadrature {
  const alphas: number[] = [];
  const weights: number[] = [];
  for (let i = 1; i <= m; i++) {
    // Chebyshev-like initial guess for the i-th root, then Newton on P_m.
    let x = Math.cos((Math.PI * (i - 0.25)) / (m + 0.5));
    let dp = 1;
    for (let iter = 0; iter < 100; iter++) {
      let p0 = 1;
      let p1 = x;
      for (let k = 2; k <= m; k++) {
        const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      const pm = m === 1 ? x : p1;
      const pm1 = m === 1 ? 1 : p0;
      dp = (m * (x * pm - pm1)) / (x * x - 1);
      const dx = pm / dp;
      x -= dx;
      if (Math.abs(dx) < 1e-15) break;
    }
    const w = 2 / ((1 - x * x) * dp * dp);
    alphas.push((x + 1) / 2);
    weights.push(w / 2);
  }
  // Ascending α, like the other rules.
  const order = alphas.map((_, i) => i).sort((a, b) => alphas[a]! - alphas[b]!);
  return { alphas: order.map((i) => alphas[i]!), weights: order.map((i) => weights[i]!) };
}
