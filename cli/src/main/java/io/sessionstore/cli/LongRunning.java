package io.sessionstore.cli;

/**
 * A command that works on many sessions, or for as long as another program runs (imports, exports,
 * migrations, recordings): its store uses the cache layer when {@code sessionstore.cache.enabled}
 * is configured. Every other command answers at once, so its store never starts the cache layer or
 * the scheduled cleanup, whatever the configuration says.
 */
interface LongRunning {}
