/** Whether `built` exists and is at least as new as every source file of the repository at `root`. */
export function builtIsFresh(root: string, built: string): boolean
