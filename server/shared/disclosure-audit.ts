import * as lp from 'javascript-lp-solver';

/** The package's types describe its CommonJS build; under ESM the solver is the module's default export. */
const solver = (lp as unknown as { default: { Solve(model: object): unknown } }).default;

/**
 * Disclosure audit of masked cells (issue 18), as statistical offices' tools do it (τ-Argus's
 * "audit"): everything a reader was ever shown is a system of linear constraints on the unknown true
 * cells (non-negative integers); a masked cell is protected when at least two integer values remain
 * possible for it. Pure, no I/O.
 *
 * How a verdict is reached, cell by cell:
 * - the true table is a feasible integer point: each cell's true value is a first witness;
 * - the linear programme "max (then min) this cell" is solved (simplex); when its optimum is an
 *   integer point — the usual case for these margin and chain structures, whose matrices are close
 *   to network matrices — every cell's value in it is one more witness, and a cell with two
 *   different witnessed values is proven protected by two integer tables consistent with everything
 *   shown;
 * - when the optimum is fractional, the same objective is solved again over integers (branch and
 *   bound): the verdict stays exact, only slower.
 * So "protected" is never taken from the relaxation alone. The independent brute-force reader in
 * test/unit/cumulative-publication.test.ts checks the verdicts on small tables.
 */

/** A linear constraint over variables (by id): Σ coefficient × variable (= or ≤) rhs. */
export interface LinearConstraint {
  terms: ReadonlyMap<string, number>;
  relation: 'equal' | 'atMost';
  rhs: number;
}

export interface AuditProblem {
  /** Unknown cells, by id, with their true values (a feasible point). */
  truth: ReadonlyMap<string, number>;
  constraints: readonly LinearConstraint[];
}

const EPSILON = 1e-6;
const isIntegral = (v: number) => Math.abs(v - Math.round(v)) < EPSILON;

/** Groups of variables linked by some constraint: each group is audited alone (smaller programmes). */
function components(problem: AuditProblem): { variables: string[]; constraints: LinearConstraint[] }[] {
  const parent = new Map([...problem.truth.keys()].map((v) => [v, v]));
  const find = (v: string): string => {
    let root = v;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(v, root);
    return root;
  };
  for (const c of problem.constraints) {
    const [first, ...rest] = [...c.terms.keys()];
    for (const v of rest) parent.set(find(v), find(first!));
  }
  const groups = new Map<string, { variables: string[]; constraints: LinearConstraint[] }>();
  for (const v of problem.truth.keys()) {
    const root = find(v);
    if (!groups.has(root)) groups.set(root, { variables: [], constraints: [] });
    groups.get(root)!.variables.push(v);
  }
  for (const c of problem.constraints) {
    const first = c.terms.keys().next();
    if (!first.done) groups.get(find(first.value))!.constraints.push(c);
  }
  return [...groups.values()];
}

type Solution = { feasible: boolean; result: number } & Record<string, unknown>;

/** Optimises `weights` (by variable; absent: 0). */
function optimise(variables: readonly string[], constraints: readonly LinearConstraint[], weights: ReadonlyMap<string, number>, direction: 'max' | 'min', integer: boolean): Map<string, number> | null {
  const model = {
    optimize: '_objective',
    opType: direction,
    constraints: Object.fromEntries(constraints.map((c, i) => [`c${i}`, c.relation === 'equal' ? { equal: c.rhs } : { max: c.rhs }])),
    variables: Object.fromEntries(variables.map((v) => [v, { _objective: weights.get(v) ?? 0 } as Record<string, number>])),
    ...(integer ? { ints: Object.fromEntries(variables.map((v) => [v, 1])) } : {}),
  };
  constraints.forEach((c, i) => {
    for (const [v, coefficient] of c.terms) model.variables[v]![`c${i}`] = coefficient;
  });
  const solution = solver.Solve(model) as Solution;
  if (!solution.feasible) return null;
  // The solver leaves out variables at 0.
  return new Map(variables.map((v) => [v, typeof solution[v] === 'number' ? (solution[v] as number) : 0]));
}

/**
 * The variables a reader pins to a single integer value. Variables not in any constraint are free
 * (unbounded above) and never pinned.
 */
export function pinnedCells(problem: AuditProblem): string[] {
  const pinned: string[] = [];
  for (const group of components(problem)) {
    if (group.constraints.length === 0) continue;
    const low = new Map(group.variables.map((v) => [v, problem.truth.get(v)!]));
    const high = new Map(low);
    const witness = (point: Map<string, number>) => {
      if (![...point.values()].every(isIntegral)) return false;
      for (const [v, value] of point) {
        const rounded = Math.round(value);
        if (rounded < low.get(v)!) low.set(v, rounded);
        if (rounded > high.get(v)!) high.set(v, rounded);
      }
      return true;
    };
    // First a few objectives over all cells at once (deterministic "random" weights): each vertex
    // found is a witness for many cells, so that few cells need programmes of their own.
    let seed = group.variables.length;
    const weight = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 2 === 0 ? 1 : -1);
    for (let round = 0; round < 2 && group.variables.length > 4; round++) {
      const weights = new Map(group.variables.map((v) => [v, weight()]));
      for (const direction of ['max', 'min'] as const) {
        const point = optimise(group.variables, group.constraints, weights, direction, false);
        if (point) witness(point);
      }
    }
    for (const v of group.variables) {
      for (const direction of ['max', 'min'] as const) {
        if (high.get(v)! > low.get(v)!) break;
        const target = new Map([[v, 1]]);
        let point = optimise(group.variables, group.constraints, target, direction, false);
        if (point && !witness(point)) {
          point = optimise(group.variables, group.constraints, target, direction, true);
          if (point) witness(point);
        }
      }
      if (high.get(v)! === low.get(v)!) pinned.push(v);
    }
  }
  return pinned;
}
