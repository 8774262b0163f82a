// The console's server side: where its built page is and how to serve it. The page itself is web/.
export { CONSOLE_DIR, consoleFile, loadConsoleAssets, type ConsoleAssets, type ConsoleFile } from './assets.js';
