/** The browser story (browser-story.ts) against a server on SQLite, with screenshots. */
import { chromiumSkipReason } from './chromium.js';
import { browserStory } from './browser-story.js';

browserStory({ title: 'minibank in a real browser, on SQLite', skip: chromiumSkipReason(), screenshots: true });
