import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: 'monitor', include: ['src/**/*.test.ts'] } });
