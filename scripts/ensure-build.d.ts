// Types of ensure-build.js, for the tests and tools that import it.
export declare function ensureServerBuilt (options?: { quiet?: boolean }): boolean
export declare function ensureConsoleBuilt (options?: { quiet?: boolean }): boolean
