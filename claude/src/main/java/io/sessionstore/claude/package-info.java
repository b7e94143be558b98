/**
 * Claude Code interoperability over any {@link io.sessionstore.api.SessionStore}, the {@code
 * sessionstore-claude} module: {@link io.sessionstore.claude.ClaudeCode} imports Claude Code's own
 * transcripts, writes stored sessions back where Claude Code looks for them, and resumes sessions
 * through the Claude Code command; {@link io.sessionstore.claude.Recorder} records the live output
 * of {@code claude -p --output-format stream-json}; {@link io.sessionstore.claude.ClaudeConfig}
 * declares the {@code sessionstore.claude.*} keys. It uses the public API and SPI only, as any
 * application could (the build's architecture tests enforce it). Everything here is stable.
 */
package io.sessionstore.claude;
