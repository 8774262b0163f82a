export { AdaptiveWorker, adapt, type AdaptiveWorkerOptions, type JobContext, type Processor } from './adaptive-worker.js';
export { Adapter } from './adapter.js';
export { memberSettingsSchema, type AdaptOptions, type MemberSettings } from './options.js';
export { beat, leave, memberInfoSchema, readMembers, refusedJoins, type Member, type MemberInfo, type Members } from './members.js';
export { shareOf, splitShares } from './share.js';
export { WORKER_ATTR } from './semconv.js';
