/**
 * The shared "main thread wants the write lock" counter (issue 17 item 3, write-intent.ts): the
 * main thread's write transactions raise it while they wait or run, and the movement worker holds
 * its next BEGIN back while it is raised, for a bounded time, waking as soon as it drops.
 */
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { describe, it } from 'node:test';
import { announcingWrites, createWriteIntent, yieldToMainWrites } from '../../src/storage/dialects/sqlite/write-intent.js';
import type { Storage } from '../../src/storage/storage.js';

describe('write intent', () => {
  it('does not hold the worker back when the main thread wants nothing', () => {
    assert.ok(yieldToMainWrites(createWriteIntent(), 1000) < 50);
  });

  it('holds the worker back at most the bound while the main thread keeps wanting the lock', () => {
    const intent = createWriteIntent();
    Atomics.store(intent, 0, 1);
    const waited = yieldToMainWrites(intent, 60);
    assert.ok(waited >= 59, `waited ${waited} ms`);
  });

  it('wakes the worker as soon as the main thread is done', async () => {
    const intent = createWriteIntent();
    Atomics.store(intent, 0, 1);
    // Another thread plays the main thread: done after 30 ms; this thread plays the worker.
    const releaser = new Worker(
      `const { workerData } = require('node:worker_threads');
       setTimeout(() => { Atomics.sub(workerData, 0, 1); Atomics.notify(workerData, 0); }, 30);`,
      { eval: true, workerData: intent },
    );
    await new Promise((resolve) => releaser.once('online', resolve));
    const waited = yieldToMainWrites(intent, 5000);
    await new Promise((resolve) => releaser.once('exit', resolve));
    assert.ok(waited < 4000, `waited ${waited} ms`);
    assert.equal(Atomics.load(intent, 0), 0);
  });

  it('raises the counter for the whole of a main-thread write transaction, failed ones too', async () => {
    const intent = createWriteIntent();
    const seen: number[] = [];
    const storage = {
      dialect: 'sqlite',
      writeTransaction: async (work: (trx: never) => Promise<unknown>) => {
        seen.push(Atomics.load(intent, 0));
        return work(undefined as never);
      },
    } as unknown as Storage;
    const announcing = announcingWrites(storage, intent);
    assert.equal(announcing.dialect, 'sqlite', 'everything else is the storage itself');
    assert.equal(await announcing.writeTransaction(async () => 7), 7);
    await assert.rejects(
      announcing.writeTransaction(async () => {
        throw new Error('refused');
      }),
      /refused/,
    );
    assert.deepEqual(seen, [1, 1]);
    assert.equal(Atomics.load(intent, 0), 0);
  });
});
