package io.sessionstore.api;

/**
 * What an export wrote.
 *
 * @param sessions sessions written
 * @param messages messages written, sub-transcripts included
 * @param bytes bytes of archive text written (before any compression the caller applies)
 */
public record ExportResult(long sessions, long messages, long bytes) {}
