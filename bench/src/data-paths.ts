import { fileURLToPath } from 'node:url';

/**
 * The shared evaluation data, `<repo>/../shared/data` (see its README.md), or `AWO_DATA_DIR` when
 * set (a checkout elsewhere, e.g. a git worktree, still finds the data).
 */
export const DATA_DIR = process.env['AWO_DATA_DIR'] ? `${process.env['AWO_DATA_DIR'].replace(/\/+$/, '')}/` : fileURLToPath(new URL('../../../shared/data/', import.meta.url));

/** NASA-HTTP 1995, requests per minute with a `gap` column (two months, two long gaps). */
export const NASA_PER_MINUTE = `${DATA_DIR}load/nasa_http_1995/nasa_http_1995_requests_per_minute.csv`;

/** NAB: AWS ELB request counts per 5 minutes (14 days). */
export const NAB_ELB = `${DATA_DIR}nab/data/realAWSCloudwatch/elb_request_count_8c0756.csv`;

/** NAB: tweets per 5 minutes mentioning AAPL (8 weeks; the highest-volume Twitter series). */
export const NAB_TWITTER_AAPL = `${DATA_DIR}nab/data/realTweets/Twitter_volume_AAPL.csv`;
