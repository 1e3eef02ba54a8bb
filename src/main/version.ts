import pkg from '../../package.json'

/** The app's version, on its own so the CLI's `--help` and `--version` load nothing else. */
export const VERSION: string = pkg.version
