// Types of ensure-console.js, for the tests that import it.
export declare function ensureConsoleBuilt (options?: { quiet?: boolean }): boolean
