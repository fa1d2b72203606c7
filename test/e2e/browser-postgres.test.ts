/**
 * The browser story (browser-story.ts) against a server on a fresh PostgreSQL database. Skipped with
 * a notice where no PostgreSQL answers, except under CI, where postgresAvailable() fails instead.
 */
import { createTempPgDatabase, postgresAvailable } from '../helpers/postgres.js';
import { chromiumSkipReason } from './chromium.js';
import { browserStory } from './browser-story.js';

const noBrowser = chromiumSkipReason();
const noPostgres = noBrowser ? false : !(await postgresAvailable()) && 'no PostgreSQL server answers';

browserStory({ title: 'minibank in a real browser, on PostgreSQL', skip: noBrowser || noPostgres, database: createTempPgDatabase, screenshots: false });
