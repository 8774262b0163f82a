// The console's server side: where its built page is and the routes that serve it. The page itself is web/.
export { CONSOLE_DIR, consoleFile, loadConsoleAssets, type ConsoleAssets, type ConsoleFile } from './assets.js';
export { consoleRoutes, goalViews, goalViewSchema, type GoalView } from './routes.js';
