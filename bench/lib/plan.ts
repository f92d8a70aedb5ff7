// How long and how much each scenario runs, and the run's overall time budget.
import type { Child } from './children.ts'
import type { Engine } from './engines.ts'

export type Plan = ReturnType<typeof planFor>

/**
 * Every phase is bounded so that a slow hub cannot push a run past its budget (quick on SQLite
 * < 2 min, full < 12 min per engine): a phase that does not finish in time is reported INCOMPLETE.
 * `budgetS` caps the whole run on top of each phase's own maximum (see Budget). A PostgreSQL hub
 * is three processes and a database to create, several seconds per scenario before any load, so
 * its quick run gets more time. `lifetimeS` (bench/servers/lifetime.js) outlasts the budget plus
 * the starts of the phases reached after it.
 */
export function planFor (quick: boolean, engine: 'sqlite' | 'postgres') {
  const budget = quick
    ? (engine === 'sqlite' ? { budgetS: 110, lifetimeS: 190 } : { budgetS: 210, lifetimeS: 290 })
    : { budgetS: 690, lifetimeS: 850 }
  return quick
    ? {
        loadSeconds: 3, e2eEvents: 5_000, burstMaxS: 20, drainMaxS: 20, latencyRate: 300, latencySeconds: 3, latencyDrainMaxS: 10,
        fanoutEvents: 100, fanoutEndpoints: 100, fanoutMaxS: 20, filterEndpoints: 100, noisyHealthy: 20, noisyDrainMaxS: 10,
        footprintEvents: 20_000, footprintMaxS: 60, transformEvents: 2_000, transformMaxS: 20, ...budget,
      }
    : {
        loadSeconds: 10, e2eEvents: 50_000, burstMaxS: 120, drainMaxS: 120, latencyRate: 1_000, latencySeconds: 10, latencyDrainMaxS: 30,
        fanoutEvents: 1_000, fanoutEndpoints: 100, fanoutMaxS: 90, filterEndpoints: 100, noisyHealthy: 20, noisyDrainMaxS: 30,
        footprintEvents: 200_000, footprintMaxS: 240, transformEvents: 20_000, transformMaxS: 90, ...budget,
      }
}

/** The run's deadline: a phase gets its own maximum, or what is left of the run if that is less. */
export class Budget {
  private readonly deadline: number

  constructor (seconds: number) {
    this.deadline = Date.now() + seconds * 1000
  }

  /** At least one second, so that a phase reached late still runs and reports INCOMPLETE. */
  seconds (maxS: number): number {
    return Math.max(1, Math.min(maxS, (this.deadline - Date.now()) / 1000))
  }
}

const started = Date.now()

/** Progress on stderr with the seconds since start, so a run shows where its time goes. */
export function step (what: string) {
  process.stderr.write(`[bench +${Math.round((Date.now() - started) / 1000)}s] ${what}\n`)
}

/** What every scenario gets: the plan, the run's budget, the engine, and the SINK they deliver to. */
export interface Bench {
  plan: Plan
  budget: Budget
  engine: Engine
  sink: Child
  lifetimeMs: number
  /** Connections of every closed-loop load. */
  connections: number
}
