// The `awo` command is the CLI's product; test helpers live in @awo/testkit and demo workloads in
// @awo/sim. One export remains: the autoscale benchmark's live mode drives the demo's loop with
// its own load and callbacks, which a child process could not take.
export { runAutoscaleDemo, type AutoscaleSummary, type DemoOptions } from './commands/demo.js';
