// Electron entry: everything Electron-specific lives in ./electron; the rest is plain Node.
import './electron/app'
