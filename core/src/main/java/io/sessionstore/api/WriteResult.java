package io.sessionstore.api;

/**
 * What a save or an append did.
 *
 * @param stored messages stored by the call
 * @param skipped messages not stored because the transcript already held the same message (same
 *     {@code uuid}, same bytes): a retried append stores nothing twice
 * @param metadata the session's metadata after the call (of the sub-transcript, when the call wrote
 *     one)
 */
public record WriteResult(int stored, int skipped, SessionMetadata metadata) {}
